import { readFileSync } from 'node:fs';
import { Worker as Thread } from 'node:worker_threads';
import { Command } from 'commander';
import { SnnError } from '@snn/errors';
import { trainOrResume } from '@snn/compare';
import { startQueueWorker } from '@snn/queue';
import type { TrainConfig } from '@snn/runs';
import { positiveInt, positiveNumber } from './options';

/**
 * Ends this trial process when the worker that started it dies (SIGKILL leaves children running).
 * A thread, because training keeps the main thread busy for whole epochs; a dead parent shows as a
 * changed parent pid (the orphan is adopted).
 */
function dieWithParent(): void {
  const thread = new Thread(
    `const parent = process.ppid;
     setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL'); }, 500);`,
    { eval: true },
  );
  thread.unref();
}

export function addWorkerCommand(program: Command, out: (line: string) => void): void {
  program
    .command('worker')
    .description('run trials of snn compare --queue sweeps from Redis, on this machine (start one per machine; any number)')
    .requiredOption('--queue <url>', 'the Redis server of the sweep: redis://HOST:PORT[/DB]')
    .option('--concurrency <n>', 'trials at once on this machine, each in its own process', positiveInt('--concurrency'), 1)
    .option('--store <dir>', 'keep checkpoints in this folder, which every worker must reach (default: in Redis)')
    .option('--name <name>', 'how this worker appears in progress lines (default host:pid)')
    .option('--scratch <dir>', 'local folder for the trials being trained (default: the system temporary folder)')
    .option('--lock-seconds <s>', 'heartbeat: a trial whose worker stops renewing its lock this long goes to another worker', positiveNumber('--lock-seconds'), 30)
    .option('--stalled-seconds <s>', 'how often to look for trials whose worker stopped', positiveNumber('--stalled-seconds'), 15)
    .action(async (opts: Record<string, any>, cmd: Command) => {
      const plugins = ((cmd.optsWithGlobals() as { plugin?: string[] }).plugin ?? []).flatMap((p) => ['--plugin', p]);
      const worker = await startQueueWorker({
        queue: opts.queue,
        concurrency: opts.concurrency,
        ...(opts.store ? { store: opts.store } : {}),
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.scratch ? { scratch: opts.scratch } : {}),
        lockSeconds: opts.lockSeconds,
        stalledSeconds: opts.stalledSeconds,
        command: { command: process.execPath, args: [process.argv[1]!, ...plugins, 'worker-trial'] },
        log: (line) => out(`${new Date().toISOString()} ${line}`),
      });
      // Ctrl-C / SIGTERM: stop at once; the trials in progress go to other workers after --lock-seconds
      // and resume from their last checkpoint there.
      await new Promise<void>((done) => {
        const stop = () => {
          out(`${new Date().toISOString()} stopping ${worker.name}`);
          void worker.close(true).finally(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
  program
    .command('worker-trial', { hidden: true })
    .description('train one run folder for snn worker: JSON lines per epoch and checkpoint')
    .argument('<run-dir>')
    .argument('<config-file>')
    .action(async (runDir: string, configFile: string) => {
      dieWithParent();
      const line = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
      const config = JSON.parse(readFileSync(configFile, 'utf8')) as TrainConfig;
      try {
        await trainOrResume(runDir, config, {
          epoch: (m) => line({ epoch: m.epoch, test_accuracy: m.test_accuracy }),
          checkpoint: (c) => c.reason !== 'best' && line({ checkpoint: { epoch: c.epoch, batch: c.batch } }),
        });
      } catch (e) {
        // The worker tells a bad configuration (fails the same anywhere: no retry) from a crash by the code.
        line({ error: { code: SnnError.isInstance(e) ? e.code : undefined, message: (e as Error).message } });
        throw e;
      }
    });
}
