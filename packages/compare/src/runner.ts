import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { failpoint, readTrainingCheckpoint, resume, train, writeFileAtomic, type EpochMetrics, type TrainConfig, type TrainReporter } from '@snn/runs';
import { InvalidArgumentError } from '@snn/errors';
import { expandTrials, type SuiteSpec, type Trial } from './suite';
import { writeSuiteOutputs, type TrialResult } from './outputs';
import { getStudy, type StudyResult } from './study';

const SUITE_FILE = 'suite.json';

/** What a suite reports while it runs. */
export interface SuiteProgress {
  trial: Trial;
  epoch: number;
  epochs: number;
  testAccuracy: number;
  /** Trials finished, of `total`. */
  done: number;
  total: number;
  /** Seconds since this invocation started, and a guess of what is left (from epochs trained so far). */
  elapsed: number;
  eta: number | undefined;
}

export interface SuiteOptions {
  /** The suite's folder: suite.json, trials/<id>/ (one run folder per trial), results.jsonl, table.md, plots. */
  out: string;
  /** Trials at once (default 1, in this process); more need `worker`. */
  jobs?: number;
  /** The command that runs one trial in a worker process: `[...worker, suiteDir, trialId]` (the CLI passes `snn compare-trial`). */
  worker?: { command: string; args: string[] };
  progress?(p: SuiteProgress): void;
  /** A line for the log (trial started, finished, skipped). */
  log?(line: string): void;
}

function trialDir(suiteDir: string, trial: Trial): string {
  return join(suiteDir, 'trials', trial.id);
}

/** The result of a finished trial, read from its checkpoint (deterministic: no wall-clock fields); undefined if not finished. */
export function finishedResult(suiteDir: string, trial: Trial): TrialResult | undefined {
  return finishedResultIn(trialDir(suiteDir, trial), trial);
}

/** The same, for a trial's run folder anywhere (a queue worker's scratch folder). */
export function finishedResultIn(runDir: string, trial: Pick<Trial, 'index' | 'id' | 'group' | 'labels' | 'seed' | 'config'>): TrialResult | undefined {
  const file = join(runDir, 'checkpoint.json');
  if (!existsSync(file)) return undefined;
  const { state } = readTrainingCheckpoint(file);
  if (!state || state.position.epoch < trial.config.epochs || state.position.batch !== 0) return undefined;
  const metrics = state.metrics as unknown as Array<Omit<EpochMetrics, 'seconds' | 'samples_per_s'>>;
  const last = metrics[metrics.length - 1]!;
  const best = metrics.reduce((b, m) => (m.test_accuracy > b.test_accuracy ? m : b), metrics[0]!);
  return {
    index: trial.index,
    id: trial.id,
    group: trial.group,
    ...trial.labels,
    seed: trial.seed,
    epochs: metrics.length,
    final_test_accuracy: last.test_accuracy,
    final_test_loss: last.test_loss,
    final_train_loss: last.train_loss,
    best_test_accuracy: best.test_accuracy,
    best_epoch: best.epoch,
    curve: metrics.map((m) => ({ epoch: m.epoch, train_loss: m.train_loss, test_loss: m.test_loss, test_accuracy: m.test_accuracy })),
  };
}

/** Trains (or resumes, or skips if finished) one trial of the suite in `suiteDir`. */
export async function runTrial(suiteDir: string, trial: Trial, reporter: TrainReporter = {}): Promise<TrialResult> {
  const done = finishedResult(suiteDir, trial);
  if (done) return done;
  await trainOrResume(trialDir(suiteDir, trial), trial.config, reporter);
  return finishedResult(suiteDir, trial)!;
}

const STUDY_RESULT = 'result.json';

/** The record of a finished study trial (trials/<id>/result.json), or undefined. */
export function finishedStudyResult(suiteDir: string, trial: Trial): StudyResult | undefined {
  const file = join(trialDir(suiteDir, trial), STUDY_RESULT);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as StudyResult;
}

/** Runs one study trial (again from its start if a kill interrupted it) and stores its record; a finished one is read back. */
export async function runStudyTrial(suiteDir: string, spec: SuiteSpec, trial: Trial, progress: (line: string) => void = () => {}): Promise<StudyResult> {
  const done = finishedStudyResult(suiteDir, trial);
  if (done) return done;
  const study = getStudy(spec.study!.name);
  const record = await study.run(trial, spec.study!.options ?? {}, progress);
  const result: StudyResult = { index: trial.index, id: trial.id, group: trial.group, ...trial.labels, seed: trial.seed, ...record };
  mkdirSync(trialDir(suiteDir, trial), { recursive: true });
  writeFileAtomic(join(trialDir(suiteDir, trial), STUDY_RESULT), JSON.stringify(result) + '\n');
  failpoint('trial-end');
  return result;
}

async function writeStudyOutputs(dir: string, spec: SuiteSpec, trials: readonly Trial[], results: readonly StudyResult[], options: { plots: boolean }): Promise<void> {
  const study = getStudy(spec.study!.name);
  const sorted = [...results].sort((a, b) => a.index - b.index);
  writeFileAtomic(join(dir, 'results.jsonl'), sorted.map((r) => JSON.stringify(r) + '\n').join(''));
  writeFileAtomic(join(dir, 'table.md'), study.table(spec, trials, sorted));
  if (!options.plots || !study.plots || sorted.length === 0) return;
  for (const plot of await study.plots(spec, trials, sorted)) {
    writeFileAtomic(join(dir, `${plot.name}.svg`), plot.svg);
    writeFileAtomic(join(dir, `${plot.name}.png`), plot.png);
  }
}

/** Runs a study suite: every trial not finished yet, then results.jsonl, the study's table.md and plots. */
async function runStudySuite(spec: SuiteSpec, dir: string, trials: Trial[], options: SuiteOptions, log: (line: string) => void): Promise<{ dir: string; results: StudyResult[] }> {
  getStudy(spec.study!.name); // fail before any work if the study is unknown
  const jobs = options.jobs ?? 1;
  const results = new Map<number, StudyResult>();
  for (const t of trials) {
    const r = finishedStudyResult(dir, t);
    if (r) results.set(t.index, r);
  }
  const pending = trials.filter((t) => !results.has(t.index));
  const started = performance.now();
  let ran = 0;
  log(`suite ${spec.name} (study ${spec.study!.name}): ${trials.length} trials, ${results.size} already finished, ${pending.length} to run, ${jobs} at a time`);
  const finish = async (trial: Trial, r: StudyResult) => {
    results.set(trial.index, r);
    ran++;
    const elapsed = (performance.now() - started) / 1000;
    log(`finished ${trial.id} (${results.size}/${trials.length}; elapsed ${Math.round(elapsed)} s, ETA ${Math.round((elapsed / ran) * (pending.length - ran))} s)`);
    await writeStudyOutputs(dir, spec, trials, [...results.values()], { plots: false });
  };
  const queue = [...pending];
  const runOne = async (): Promise<void> => {
    for (let trial = queue.shift(); trial; trial = queue.shift()) {
      log(`starting ${trial.id}${jobs > 1 ? ' in a worker' : ''}`);
      if (jobs === 1) {
        await finish(trial, await runStudyTrial(dir, spec, trial, (line) => log(`${trial!.id}: ${line}`)));
      } else {
        await runInWorker(options.worker!, dir, trial, () => {});
        const r = finishedStudyResult(dir, trial);
        if (!r) throw new InvalidArgumentError('trial', `${trial.id} ended without a result; see ${join(dir, 'trials', trial.id)}`);
        await finish(trial, r);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, pending.length)) }, runOne));
  const all = trials.map((t) => results.get(t.index)!);
  await writeStudyOutputs(dir, spec, trials, all, { plots: true });
  log(`suite ${spec.name} complete: ${join(dir, 'table.md')}`);
  return { dir, results: all };
}

/**
 * Brings the run in `runDir` to its last epoch: resumes it from its checkpoint when the folder holds a
 * run, starts it otherwise (a finished run returns at once). The one way every trial is run, locally or
 * by a queue worker, so the final checkpoint is the same byte for byte.
 */
export async function trainOrResume(runDir: string, config: TrainConfig, reporter: TrainReporter = {}): Promise<void> {
  if (existsSync(join(runDir, 'config.json'))) await resume(runDir, reporter);
  else await train(config, reporter, { runDir, overwrite: existsSync(runDir) });
  failpoint('trial-end');
}

/** Reads the suite folder's spec, or writes it; the same folder with another spec is refused. */
export function openSuite(spec: SuiteSpec, out: string): string {
  const dir = resolve(out);
  mkdirSync(join(dir, 'trials'), { recursive: true });
  const file = join(dir, SUITE_FILE);
  const text = JSON.stringify({ format: 'snn-compare-suite', version: 1, spec }, null, 2) + '\n';
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8');
    if (existing !== text) {
      throw new InvalidArgumentError('--out', `${dir} holds another suite (its suite.json differs from this command's); rerun the command that made it to resume it, or give a new --out`);
    }
  } else {
    writeFileAtomic(file, text);
  }
  return dir;
}

/** The spec stored in a suite folder (what a worker process runs). */
export function readSuite(suiteDir: string): SuiteSpec {
  const file = join(resolve(suiteDir), SUITE_FILE);
  if (!existsSync(file)) throw new InvalidArgumentError('suite folder', `${suiteDir} has no ${SUITE_FILE}`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { spec: SuiteSpec }).spec;
}

/**
 * Runs every trial not finished yet (resuming the one a kill interrupted), then writes results.jsonl,
 * table.md and the plots. Rerunning after a kill at any moment gives the same outputs as a run that was
 * never interrupted: every trial is a resumable run, and every output is rebuilt from the trials' checkpoints.
 */
export async function runSuite(spec: SuiteSpec, options: SuiteOptions): Promise<{ dir: string; results: Array<TrialResult | StudyResult> }> {
  const dir = openSuite(spec, options.out);
  const trials = expandTrials(spec);
  const jobs = options.jobs ?? 1;
  if (!(Number.isInteger(jobs) && jobs >= 1)) throw new InvalidArgumentError('--jobs', `must be a positive integer, got ${jobs}`);
  if (jobs > 1 && !options.worker) throw new InvalidArgumentError('--jobs', 'more than one job needs a worker command (the CLI provides one)');
  const logFile = join(dir, 'compare.log');
  const log = (line: string) => {
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    options.log?.(line);
  };
  if (spec.study) return runStudySuite(spec, dir, trials, options, log);
  const results = new Map<number, TrialResult>();
  for (const t of trials) {
    const r = finishedResult(dir, t);
    if (r) results.set(t.index, r);
  }
  const pending = trials.filter((t) => !results.has(t.index));
  const totalEpochs = pending.reduce((n, t) => n + t.config.epochs, 0);
  let epochsDone = 0;
  const started = performance.now();
  log(`suite ${spec.name}: ${trials.length} trials, ${results.size} already finished, ${pending.length} to run, ${jobs} at a time`);
  const onEpoch = (trial: Trial, epoch: number, testAccuracy: number) => {
    epochsDone++;
    const elapsed = (performance.now() - started) / 1000;
    const eta = epochsDone > 0 ? (elapsed / epochsDone) * (totalEpochs - epochsDone) : undefined;
    options.progress?.({ trial, epoch, epochs: trial.config.epochs, testAccuracy, done: results.size, total: trials.length, elapsed, eta });
  };
  const finish = async (trial: Trial, r: TrialResult) => {
    results.set(trial.index, r);
    log(`finished ${trial.id}: final test accuracy ${(100 * r.final_test_accuracy).toFixed(2)}% (${results.size}/${trials.length})`);
    await writeSuiteOutputs(dir, spec, trials, [...results.values()], { plots: false });
  };

  if (jobs === 1) {
    for (const trial of pending) {
      log(`starting ${trial.id}`);
      const r = await runTrial(dir, trial, { epoch: (m) => onEpoch(trial, m.epoch, m.test_accuracy) });
      await finish(trial, r);
    }
  } else {
    const queue = [...pending];
    const runOne = async (): Promise<void> => {
      for (let trial = queue.shift(); trial; trial = queue.shift()) {
        log(`starting ${trial.id} in a worker`);
        await runInWorker(options.worker!, dir, trial, (epoch, acc) => onEpoch(trial!, epoch, acc));
        const r = finishedResult(dir, trial);
        if (!r) throw new InvalidArgumentError('trial', `${trial.id} ended without a finished checkpoint; see ${join(dir, 'trials', trial.id)}`);
        await finish(trial, r);
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, pending.length) }, runOne));
  }
  const all = trials.map((t) => results.get(t.index)!);
  await writeSuiteOutputs(dir, spec, trials, all, { plots: true });
  log(`suite ${spec.name} complete: ${join(dir, 'table.md')}`);
  return { dir, results: all };
}

function runInWorker(worker: { command: string; args: string[] }, suiteDir: string, trial: Trial, onEpoch: (epoch: number, acc: number) => void): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(worker.command, [...worker.args, suiteDir, trial.id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const m = JSON.parse(line) as { epoch?: number; test_accuracy?: number };
        if (typeof m.epoch === 'number') onEpoch(m.epoch, m.test_accuracy ?? NaN);
      } catch {
        /* not a progress line */
      }
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      if (code === 0) done();
      else fail(new InvalidArgumentError('trial', `${trial.id} failed in its worker (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/** The body of a worker process: runs one trial of the suite in `suiteDir`, printing a JSON line per epoch. */
export async function runWorkerTrial(suiteDir: string, trialId: string, write: (line: string) => void): Promise<void> {
  const spec = readSuite(suiteDir);
  const trial = expandTrials(spec).find((t) => t.id === trialId);
  if (!trial) throw new InvalidArgumentError('trial', `${trialId} is not a trial of the suite in ${suiteDir}`);
  if (spec.study) {
    await runStudyTrial(resolve(suiteDir), spec, trial, (line) => write(JSON.stringify({ progress: line })));
    return;
  }
  await runTrial(resolve(suiteDir), trial, { epoch: (m) => write(JSON.stringify({ epoch: m.epoch, test_accuracy: m.test_accuracy })) });
}
