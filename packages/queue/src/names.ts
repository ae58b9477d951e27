/** The BullMQ queue every `snn compare --queue` and `snn worker` of one Redis database share. */
export const QUEUE_NAME = 'snn-trials';

/** Redis hash holding a trial's run-folder files (and the position of its checkpoint). */
export const runKey = (jobId: string) => `snn:run:${jobId}`;

/** The files of a run folder that carry its state between machines (curves are redrawn from metrics). */
export const RUN_STATE_FILES = ['config.json', 'checkpoint.json', 'metrics.jsonl', 'best.json'] as const;

/** The job's payload. */
export interface TrialJobData {
  /** The trial's id in the sweep that enqueued it (logs and progress). */
  trial: string;
  suite: string;
  config: import('@snn/runs').TrainConfig;
}

/** What a running job reports (job.progress): who runs it and how far it is. */
export interface TrialJobProgress {
  worker: string;
  epoch: number;
  epochs: number;
  test_accuracy?: number;
}

/** A failure that would happen the same way on every machine: the job is not retried. */
export const BAD_CONFIGURATION = 'bad configuration: ';
