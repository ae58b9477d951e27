import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { expandTrials, finishedResult, openSuite, writeSuiteOutputs, type SuiteSpec, type Trial, type TrialFailure, type TrialResult } from '@snn/compare';
import { drawRunCurves, writeFileAtomic } from '@snn/runs';
import { InvalidArgumentError, SnnError } from '@snn/errors';
import { trialJobId } from './job-id';
import { connectionOptions, parseRedisUrl } from './redis-url';
import { BAD_CONFIGURATION, QUEUE_NAME, runKey, RUN_STATE_FILES, type TrialJobData, type TrialJobProgress } from './names';

/** Where the sweep stands, reported whenever it changes. */
export interface QueueProgress {
  queued: number;
  running: Array<{ trial: string; worker: string; epoch: number; epochs: number }>;
  done: number;
  failed: number;
  total: number;
  elapsed: number;
  /** Seconds left, from the epochs finished since this command started; undefined before the first. */
  eta: number | undefined;
}

export interface QueuedSuiteOptions {
  /** The suite's folder, as for a local run: suite.json, trials/<id>/, results.jsonl, table.md, plots. */
  out: string;
  /** `redis://HOST:PORT[/DB]`. */
  queue: string;
  /** Attempts of a trial that fails (a crash, not a bad configuration), with exponential backoff (default 3). */
  attempts?: number;
  /** First retry delay in seconds, doubling after each (default 5). */
  backoffSeconds?: number;
  /** Milliseconds between looks at the queue (default 1000). */
  pollMs?: number;
  progress?(p: QueueProgress): void;
  log?(line: string): void;
}

/**
 * Runs a suite on the workers of a Redis queue: every trial not finished in `out` becomes a job whose id
 * is the hash of its configuration (enqueueing again finds the same job; a rerun resumes the sweep),
 * then collects each finished trial's run folder into `out/trials/<id>/` and writes the same outputs as
 * a local run. Survives Redis restarts: a job that Redis lost is enqueued again. Resolves with the
 * results and the trials that failed for good (their messages are in table.md).
 */
export async function runQueuedSuite(spec: SuiteSpec, options: QueuedSuiteOptions): Promise<{ dir: string; results: TrialResult[]; failures: TrialFailure[] }> {
  const address = parseRedisUrl(options.queue);
  const attempts = options.attempts ?? 3;
  if (!(Number.isInteger(attempts) && attempts >= 1)) throw new InvalidArgumentError('attempts', `must be a positive integer, got ${attempts}`);
  const backoff = (options.backoffSeconds ?? 5) * 1000;
  const pollMs = options.pollMs ?? 1000;
  if (spec.study) throw new InvalidArgumentError('--queue', `suite ${spec.name} is a study (${spec.study.name}: trials that measure, not train); run it without --queue`);
  const dir = openSuite(spec, options.out);
  const trials = expandTrials(spec);
  const logFile = join(dir, 'compare.log');
  const log = (line: string) => {
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    options.log?.(line);
  };

  const results = new Map<number, TrialResult>();
  for (const t of trials) {
    const r = finishedResult(dir, t);
    if (r) results.set(t.index, r);
  }
  // Trials with the same configuration (two labels for one setting) share one job.
  const byJob = new Map<string, Trial[]>();
  for (const t of trials) if (!results.has(t.index)) byJob.set(trialJobId(t.config), [...(byJob.get(trialJobId(t.config)) ?? []), t]);
  const failures = new Map<string, TrialFailure[]>();

  const redis = new Redis({ ...connectionOptions(address), maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  const queue = new Queue<TrialJobData>(QUEUE_NAME, { connection: { ...connectionOptions(address), maxRetriesPerRequest: 3 } });
  let redisDown = false;
  queue.on('error', (e) => {
    if (!redisDown) log(`Redis: ${e.message} (retrying)`);
    redisDown = true;
  });
  const jobOptions = (jobId: string) => ({ jobId, attempts, backoff: { type: 'exponential' as const, delay: backoff }, removeOnComplete: false, removeOnFail: false });
  const enqueue = (jobId: string, t: Trial) => queue.add(t.id, { trial: t.id, suite: spec.name, config: t.config }, jobOptions(jobId));

  try {
    try {
      await redis.ping();
    } catch (e) {
      throw new InvalidArgumentError('--queue', `cannot reach Redis at ${options.queue} (${(e as Error).message}); start it (redis-server --port PORT) or correct the address`);
    }
    log(`suite ${spec.name}: ${trials.length} trials, ${results.size} already finished, ${byJob.size} to run on ${options.queue}`);
    for (const [jobId, group] of byJob) {
      const job = await queue.getJob(jobId);
      if (!job) {
        await enqueue(jobId, group[0]!);
      } else if ((await job.getState()) === 'failed' && !job.failedReason?.startsWith(BAD_CONFIGURATION)) {
        // Failed by crashes (retries spent) in an earlier sweep: this rerun gives it another round.
        log(`retrying ${group[0]!.id}, which failed before: ${job.failedReason}`);
        await job.retry('failed');
      }
    }

    const started = performance.now();
    const epochsOf = (jobId: string) => byJob.get(jobId)![0]!.config.epochs;
    let epochsAtStart: number | undefined;
    let lastReport = '';
    const open = new Set(byJob.keys());
    while (open.size > 0) {
      const running: QueueProgress['running'] = [];
      let queued = 0;
      let epochsLeft = 0;
      try {
        for (const jobId of [...open]) {
          const group = byJob.get(jobId)!;
          const state = await queue.getJobState(jobId);
          redisDown = false;
          if (state === 'unknown') {
            // Redis lost it (restarted without its data, or evicted): enqueue it again; the store resumes it.
            log(`${group[0]!.id}: not in the queue any more (Redis restarted?); enqueued again`);
            await enqueue(jobId, group[0]!);
            queued++;
            epochsLeft += epochsOf(jobId);
          } else if (state === 'completed') {
            if (await collect(jobId, group)) {
              open.delete(jobId);
            } else {
              log(`${group[0]!.id}: completed, but its files are not in Redis any more; running it again`);
              await (await queue.getJob(jobId))?.remove();
              await enqueue(jobId, group[0]!);
              queued++;
              epochsLeft += epochsOf(jobId);
            }
          } else if (state === 'failed') {
            const job = await queue.getJob(jobId);
            const reason = (job?.failedReason ?? 'failed').replace(BAD_CONFIGURATION, '');
            failures.set(jobId, group.map((t) => ({ index: t.index, id: t.id, message: reason })));
            log(`failed ${group.map((t) => t.id).join(', ')}: ${reason}`);
            open.delete(jobId);
          } else {
            const job = state === 'active' ? await queue.getJob(jobId) : undefined;
            const p = job?.progress as TrialJobProgress | undefined;
            if (state === 'active' && p && typeof p === 'object') {
              running.push({ trial: group[0]!.id, worker: p.worker, epoch: p.epoch, epochs: p.epochs });
              epochsLeft += p.epochs - p.epoch;
            } else {
              if (state === 'active') running.push({ trial: group[0]!.id, worker: '?', epoch: 0, epochs: epochsOf(jobId) });
              else queued++;
              epochsLeft += epochsOf(jobId);
            }
          }
        }
      } catch (e) {
        // Only trouble reaching Redis is waited out; a checkpoint this process cannot read (a typed error)
        // or a file it cannot write (an error with a path) is a real error.
        if (SnnError.isInstance(e) || (e as NodeJS.ErrnoException).path !== undefined) throw e;
        if (!redisDown) log(`Redis: ${(e as Error).message} (retrying)`);
        redisDown = true;
        await sleep(pollMs);
        continue;
      }
      epochsAtStart ??= totalDone();
      const elapsed = (performance.now() - started) / 1000;
      const rate = (totalDone() - epochsAtStart) / elapsed;
      const eta = rate > 0 ? epochsLeft / rate : undefined;
      const progress: QueueProgress = { queued, running, done: results.size, failed: [...failures.values()].flat().length, total: trials.length, elapsed, eta };
      const key = JSON.stringify({ ...progress, elapsed: 0, eta: 0 });
      if (key !== lastReport) options.progress?.(progress);
      lastReport = key;
      if (open.size > 0) await sleep(pollMs);

      function totalDone() {
        let n = 0;
        for (const t of trials) if (results.has(t.index)) n += t.config.epochs;
        return n + running.reduce((s, r) => s + r.epoch, 0);
      }
    }
  } finally {
    await queue.close().catch(() => {});
    await redis.quit().catch(() => redis.disconnect());
  }

  const allFailures = [...failures.values()].flat().sort((a, b) => a.index - b.index);
  const all = trials.flatMap((t) => results.get(t.index) ?? []);
  await writeSuiteOutputs(dir, spec, trials, all, { plots: true, failures: allFailures });
  log(`suite ${spec.name} ${allFailures.length ? `ended with ${allFailures.length} failed trial(s)` : 'complete'}: ${join(dir, 'table.md')}`);
  return { dir, results: all, failures: allFailures };

  /** Copies a finished job's run folder from Redis into the suite folder; false if Redis no longer has it. */
  async function collect(jobId: string, group: Trial[]): Promise<boolean> {
    const fields = await redis.hgetallBuffer(runKey(jobId));
    if (!fields['checkpoint.json'] || !fields['config.json']) return false;
    for (const t of group) {
      const runDir = join(dir, 'trials', t.id);
      mkdirSync(runDir, { recursive: true });
      for (const name of RUN_STATE_FILES) if (fields[name]) writeFileAtomic(join(runDir, name), fields[name]!);
      const r = finishedResult(dir, t);
      if (!r) return false;
      await drawRunCurves(runDir);
      results.set(t.index, r);
      log(`finished ${t.id}: final test accuracy ${(100 * r.final_test_accuracy).toFixed(2)}% (${results.size}/${trials.length})`);
    }
    await writeSuiteOutputs(dir, spec, trials, [...results.values()], { plots: false });
    return true;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
