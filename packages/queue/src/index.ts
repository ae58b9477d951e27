export { runQueuedSuite, type QueuedSuiteOptions, type QueueProgress } from './coordinator';
export { startQueueWorker, type QueueWorker, type QueueWorkerOptions } from './worker';
export { trialJobId } from './job-id';
export { parseRedisUrl, type RedisAddress } from './redis-url';
export { QUEUE_NAME, type TrialJobData, type TrialJobProgress } from './names';
