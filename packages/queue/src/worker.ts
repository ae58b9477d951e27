import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { InvalidArgumentError, type SnnErrorCode } from '@snn/errors';
import { connectionOptions, parseRedisUrl } from './redis-url';
import { BAD_CONFIGURATION, QUEUE_NAME, type TrialJobData, type TrialJobProgress } from './names';
import { FolderStore, positionRank, RedisStore, type TrialStore } from './store';

export interface QueueWorkerOptions {
  /** `redis://HOST:PORT[/DB]`. */
  queue: string;
  /** Trials at once, each in its own process (default 1). */
  concurrency?: number;
  /** A folder every worker reaches, for checkpoints (default: Redis itself). */
  store?: string;
  /** How this worker appears in progress lines (default host:pid). */
  name?: string;
  /** Local folder for the run folders being trained (default: the system's temporary folder). */
  scratch?: string;
  /**
   * The command that trains one run folder: `[...args, runDir, configFile]`, printing a JSON line per
   * epoch and checkpoint (the CLI passes `snn worker-trial`). Training runs there, never on this event
   * loop, so lock renewals (the heartbeat) are never late however long an epoch takes.
   */
  command: { command: string; args: string[] };
  /** Seconds a job's lock (the heartbeat) lasts without renewal; renewed every half of it (default 30). */
  lockSeconds?: number;
  /** Seconds between checks for jobs whose worker stopped renewing (default 15). */
  stalledSeconds?: number;
  log?(line: string): void;
}

export interface QueueWorker {
  readonly name: string;
  /** Stops taking jobs; `force` also kills the trials in progress (another worker resumes them). */
  close(force?: boolean): Promise<void>;
}

/** Error codes of failures that a retry would only repeat: the trial's configuration is bad. */
const PERMANENT: ReadonlySet<SnnErrorCode> = new Set(['INVALID_ARGUMENT', 'UNKNOWN_NAME', 'CAPABILITY', 'SHAPE', 'UNSUPPORTED', 'MEMORY_LIMIT', 'FORMAT', 'NON_FINITE']);

/** How often a trial may lose its worker (killed machine, lost lock) before it fails; a rerun retries it. */
const MAX_STALLED = 10;

/**
 * A worker of the sweep queue: takes trials, trains each in a child process in a scratch folder, saves
 * its checkpoints to the store as they come (so a killed worker's trial resumes elsewhere from the last
 * one), and hands the final run-folder files back through Redis.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const address = parseRedisUrl(options.queue);
  const concurrency = options.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new InvalidArgumentError('--concurrency', `must be a positive integer, got ${concurrency}`);
  const lockSeconds = options.lockSeconds ?? 30;
  const stalledSeconds = options.stalledSeconds ?? 15;
  if (!(lockSeconds >= 1)) throw new InvalidArgumentError('--lock-seconds', `must be at least 1, got ${lockSeconds}`);
  if (!(stalledSeconds >= 1)) throw new InvalidArgumentError('--stalled-seconds', `must be at least 1, got ${stalledSeconds}`);
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => {});
  const redis = new Redis(connectionOptions(address));
  redis.on('error', () => {}); // reconnects by itself; the worker's own 'error' events say what happened
  const results = new RedisStore(redis);
  const store: TrialStore = options.store ? new FolderStore(options.store) : results;
  const scratch = options.scratch ?? join(tmpdir(), 'snn-worker');
  mkdirSync(scratch, { recursive: true });
  const children = new Map<string, ChildProcess>();

  const processor = async (job: Job<TrialJobData>, _token?: string, signal?: AbortSignal) => {
    const jobId = job.id!;
    const { config } = job.data;
    // A folder per attempt: a stale attempt still running here never shares files with a new one.
    const runDir = mkdtempSync(join(scratch, `${jobId}-`));
    const configFile = `${runDir}.config.json`;
    try {
      let resumed = false;
      try {
        resumed = await store.download(jobId, runDir);
      } catch (e) {
        log(`${job.data.trial}: cannot read its stored checkpoint (${(e as Error).message}); starting it afresh`);
      }
      writeFileSync(configFile, JSON.stringify(config));
      log(`${resumed ? 'resuming' : 'starting'} ${job.data.trial} (${jobId}, attempt ${job.attemptsStarted})`);
      await job.updateProgress({ worker: name, epoch: 0, epochs: config.epochs } satisfies TrialJobProgress);
      const failure = await runChild(jobId, runDir, configFile, signal, async (line) => {
        if (typeof line.epoch === 'number') {
          await job.updateProgress({ worker: name, epoch: line.epoch, epochs: config.epochs, test_accuracy: line.test_accuracy } satisfies TrialJobProgress);
        } else if (line.checkpoint) {
          await store.upload(jobId, runDir, positionRank(line.checkpoint));
        }
      });
      if (failure) {
        if (failure.code === 'CHECKPOINT') {
          await store.clear(jobId); // unreadable: the retry starts the trial again (same numbers, more time)
          throw new Error(`${job.data.trial}: ${failure.message}; its stored checkpoint was dropped, the retry starts afresh`);
        }
        if (failure.code && PERMANENT.has(failure.code as SnnErrorCode)) throw new UnrecoverableError(`${BAD_CONFIGURATION}${failure.message}`);
        throw new Error(`${job.data.trial} failed on ${name}: ${failure.message}`);
      }
      const final = positionRank({ epoch: config.epochs, batch: 0 });
      if (store !== results) await store.upload(jobId, runDir, final);
      await results.upload(jobId, runDir, final);
      log(`finished ${job.data.trial} (${jobId})`);
      return { worker: name };
    } finally {
      rmSync(runDir, { recursive: true, force: true });
      rmSync(configFile, { force: true });
    }
  };

  function runChild(jobId: string, runDir: string, configFile: string, signal: AbortSignal | undefined, onLine: (line: any) => Promise<void>): Promise<{ code?: string; message: string } | undefined> {
    return new Promise((done) => {
      const child = spawn(options.command.command, [...options.command.args, runDir, configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.set(jobId, child);
      let stderr = '';
      let error: { code?: string; message: string } | undefined;
      let pending = Promise.resolve();
      const abort = () => child.kill('SIGKILL');
      signal?.addEventListener('abort', abort, { once: true });
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      createInterface({ input: child.stdout! }).on('line', (text) => {
        let line: any;
        try {
          line = JSON.parse(text);
        } catch {
          return; // not a protocol line
        }
        if (line.error) error = line.error;
        // In order, and never overlapping: uploads must not race each other.
        else pending = pending.then(() => onLine(line)).catch((e) => log(`${jobId}: ${(e as Error).message}`));
      });
      child.once('error', (e) => done({ message: `cannot start the trial process: ${e.message}` }));
      child.once('close', (code, sig) => {
        children.delete(jobId);
        signal?.removeEventListener('abort', abort);
        void pending.then(() => {
          if (code === 0) done(undefined);
          else done(error ?? { message: `the trial process ended with ${sig ?? `exit ${code}`}: ${stderr.trim().split('\n').pop() ?? ''}` });
        });
      });
    });
  }

  const worker = new Worker<TrialJobData>(QUEUE_NAME, processor, {
    connection: connectionOptions(address),
    concurrency,
    name,
    lockDuration: lockSeconds * 1000,
    stalledInterval: stalledSeconds * 1000,
    maxStalledCount: MAX_STALLED,
    removeOnComplete: { count: 1_000_000 },
    removeOnFail: { count: 1_000_000 },
  });
  worker.on('error', (e) => log(`worker: ${e.message}`));
  // The lock is ours no longer (it expired, or Redis lost it): another worker may be running this trial,
  // so this copy stops; the store keeps the furthest checkpoint either way.
  worker.on('lockRenewalFailed', (ids) => {
    for (const id of ids) {
      const child = children.get(id);
      if (child) {
        log(`lost the lock of ${id}; stopping its trial here`);
        child.kill('SIGKILL');
      }
    }
  });
  worker.on('failed', (job, e) => job && log(`${job.data.trial}: ${e.message}${e instanceof UnrecoverableError || e.message.startsWith(BAD_CONFIGURATION) ? ' (not retried)' : ''}`));
  // A worker may start before Redis does; it waits, but says so.
  const waiting = setTimeout(() => log(`waiting for Redis at ${options.queue} ...`), 5000);
  await worker.waitUntilReady().finally(() => clearTimeout(waiting));
  log(`worker ${name}: ${concurrency} trial(s) at once on ${options.queue}, checkpoints in ${store.describe()}`);
  return {
    name,
    async close(force = false) {
      if (force) for (const child of children.values()) child.kill('SIGKILL');
      await worker.close(force);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
