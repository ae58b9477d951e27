import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createNetwork, createOptimizer, createTrainingLearner, serializeNetwork, streamBatch, type Network, type Optimizer } from '@snn/core';
import type { LearnerV1 } from '@snn/protocol';
import { CheckpointError, InvalidArgumentError } from '@snn/errors';
import { TEMPORARY_PREFIX, writeFileAtomic } from './atomic-write';
import { acquireRunLock } from './run-lock';
import { checkTrainConfig, storedConfig, type StoredTrainConfig, type TrainConfig } from './config';
import { drawRunCurves } from './curves';
import { evaluate, lossMaskFor, prepareTrainData, type TrainData } from './data';
import { failpoint } from './failpoints';
import { createRunFolder } from './run-folder';
import { encodeTrainingCheckpoint, readTrainingCheckpoint, writeTrainingCheckpoint, type RunPosition, type TrainingState } from './training-checkpoint';
import { readMetricsLines, writeMetricsLines, appendMetricsLine, WALL_CLOCK_FIELDS } from './metrics-file';

export interface EpochMetrics {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  test_loss: number;
  test_accuracy: number;
  seconds: number;
  samples_per_s: number;
}

/** Metrics as the checkpoint keeps them: the same numbers without the wall-clock fields. */
export type EpochResult = Omit<EpochMetrics, (typeof WALL_CLOCK_FIELDS)[number]>;

export interface CheckpointInfo {
  file: string;
  bytes: number;
  milliseconds: number;
  /** Epochs completed and batches of the next one, as stored. */
  epoch: number;
  batch: number;
  reason: 'epoch' | 'batches' | 'minutes' | 'best';
}

export interface TrainReporter {
  start?(info: { runDir: string; batchesPerEpoch: number; config: TrainConfig; trainSize: number; testSize: number; resumedFrom?: RunPosition }): void;
  batch?(info: { epoch: number; batch: number; batches: number; loss: number; accuracy: number }): void;
  epoch?(metrics: EpochMetrics): void;
  checkpoint?(info: CheckpointInfo): void;
  done?(info: { runDir: string; best: EpochMetrics | EpochResult; last: EpochMetrics | EpochResult }): void;
}

export interface TrainResult {
  runDir: string;
  /** Every epoch of the run (epochs restored from a checkpoint without metrics.jsonl lack the wall-clock fields). */
  history: Array<EpochMetrics | EpochResult>;
  network: Network;
}

export interface RunFolderOptions {
  /** Write into exactly this folder (must not exist or be empty unless `overwrite`); default: a new folder under `config.outDir`. */
  runDir?: string;
  /** Replace an existing run folder at `runDir`. */
  overwrite?: boolean;
}

/** The file names inside a run folder. */
export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  checkpoint: 'checkpoint.json',
  best: 'best.json',
  curvesSvg: 'curves.svg',
  curvesPng: 'curves.png',
} as const;

/** Seed of epoch `epoch`'s data order (stateless: the order of any epoch can be drawn again on resume). */
export function dataOrderSeed(config: Pick<TrainConfig, 'seed'>, epoch: number): number {
  return config.seed * 1000 + epoch;
}

interface Session {
  config: TrainConfig;
  data: TrainData;
  network: Network;
  optimizer: Optimizer;
  learner: LearnerV1;
  lossMask: Float64Array;
  runDir: string;
}

function buildSession(config: TrainConfig, data: TrainData, runDir: string, network?: Network): Session {
  network ??= createNetwork(
    {
      inputs: data.inputs,
      outputs: data.classes,
      layers: [
        ...Array.from({ length: config.layers }, () => ({ cell: config.cell, neurons: config.hidden, cellOptions: config.cellOptions, recurrent: !config.feedForward })),
        ...(config.output === 'spikes' || config.output === 'leaky-sum'
          ? [{ cell: config.cell, neurons: data.classes, cellOptions: config.cellOptions, recurrent: !config.feedForward }]
          : []),
      ],
      ...(config.output === 'spikes'
        ? { output: { kind: 'spikes' as const } }
        : config.output === 'leaky-sum'
          ? { output: { kind: 'leaky-sum' as const, kappa: config.kappa } }
          : { readout: { kappa: config.kappa } }),
    },
    { dtype: config.dtype, seed: config.seed, init: { inputScale: config.inputScale, recurrentScale: config.recurrentScale } },
  );
  const optimizer = createOptimizer(
    config.optimizer,
    network.parameters(),
    {
      learningRate: config.learningRate,
      momentum: config.momentum ?? 0,
      ...(config.clipNorm ? { maxNorm: config.clipNorm } : {}),
      ...(config.learningRateScale ? { learningRateScale: config.learningRateScale } : {}),
    },
    () => network.markUpdated(),
  );
  const learner = createTrainingLearner(config.rule, network, optimizer, config.ruleOptions);
  const lossMask = data.lossMask && config.taskLossMask !== false ? data.lossMask : lossMaskFor(data.steps, config.lossWindow);
  return { config, data, network, optimizer, learner, lossMask, runDir };
}

function taskInfo(config: TrainConfig, data: TrainData) {
  return { name: config.dataset, inputs: data.inputs, steps: data.steps, classes: data.classes, size: data.size, train: data.train.size, test: data.test.size, ...(data.files ? { files: data.files } : {}) };
}

/**
 * Trains `config` in a new run folder: config.json, metrics.jsonl (a line per epoch), checkpoint.json
 * (written atomically at every epoch's end and as `config.checkpointEvery` asks; everything needed to
 * continue exactly), best.json (the best epoch's weights), curves.svg and curves.png.
 */
export async function train(config: TrainConfig, reporter: TrainReporter = {}, folder: RunFolderOptions = {}): Promise<TrainResult> {
  checkTrainConfig(config);
  const data = prepareTrainData(config);
  try {
    checkTrainConfig(config, data.inputs, data.classes);
    const runDir = createRunFolder(folder.runDir !== undefined ? { folder: folder.runDir, overwrite: folder.overwrite ?? false } : { parent: config.outDir, label: `${config.rule}-${config.cell}-${config.dataset}` });
    const release = acquireRunLock(runDir);
    try {
      const session = buildSession(config, data, runDir);
      writeFileAtomic(join(runDir, RUN_FILES.config), JSON.stringify({ ...storedConfig(config), outDir: config.outDir, task: taskInfo(config, data) }, null, 2) + '\n');
      writeMetricsLines(join(runDir, RUN_FILES.metrics), []);
      return await runEpochs(session, { epoch: 0, batch: 0, lossSum: 0, correct: 0, seen: 0 }, [], undefined, reporter);
    } finally {
      release();
    }
  } finally {
    data.close();
  }
}

function firstDifference(a: Record<string, unknown>, b: Record<string, unknown>): string | undefined {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return key;
  }
  return undefined;
}

function readConfigFile(file: string): StoredTrainConfig & { outDir?: string; task?: Record<string, unknown> } {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CheckpointError(file, `cannot be read as JSON: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Continues the run in `runDir` from its checkpoint, exactly where it stood: the result equals an
 * uninterrupted run byte for byte (checkpoint.json, best.json, metrics.jsonl without wall-clock fields).
 * A run killed before its first checkpoint starts again from its config.json. `overrides.epochs` extends
 * a finished run. Nothing is written before the checkpoint and the configuration have been checked.
 */
export async function resume(runDir: string, reporter: TrainReporter = {}, overrides: { epochs?: number } = {}): Promise<TrainResult> {
  const folder = resolve(runDir);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new InvalidArgumentError('--resume', `${folder} is not a run folder (it does not exist or is not a folder)`);
  const configFile = join(folder, RUN_FILES.config);
  const checkpointFile = join(folder, RUN_FILES.checkpoint);
  if (!existsSync(configFile)) throw new CheckpointError(configFile, 'is missing: this is not a run folder written by snn train');
  const { outDir, task: _task, ...fromFile } = readConfigFile(configFile);
  let loaded: ReturnType<typeof readTrainingCheckpoint> | undefined;
  if (existsSync(checkpointFile)) loaded = readTrainingCheckpoint(checkpointFile);
  const state = loaded?.state;
  const stored = (state?.config ?? fromFile) as StoredTrainConfig;
  if (state) {
    const key = firstDifference(fromFile as unknown as Record<string, unknown>, state.config as Record<string, unknown>);
    if (key !== undefined) {
      throw new CheckpointError(checkpointFile, `does not belong to ${configFile}: they differ in "${key}" (${JSON.stringify((fromFile as Record<string, unknown>)[key])} vs ${JSON.stringify((state.config as Record<string, unknown>)[key])}); restore the run's own files`);
    }
  }
  const config: TrainConfig = { ...(stored as TrainConfig), outDir: outDir ?? 'runs' };
  if (overrides.epochs !== undefined) {
    const done = state?.position.epoch ?? 0;
    if (!(Number.isInteger(overrides.epochs) && overrides.epochs >= done)) throw new InvalidArgumentError('--epochs', `the run has completed ${done} epochs; resume with --epochs >= ${done}, got ${overrides.epochs}`);
    config.epochs = overrides.epochs;
  }
  checkTrainConfig(config);
  const data = prepareTrainData(config);
  try {
    const network = loaded?.network;
    if (network && (network.inputs !== data.inputs || network.outputs !== data.classes)) {
      throw new CheckpointError(checkpointFile, `holds a network for ${network.inputs} inputs and ${network.outputs} classes, the task has ${data.inputs} and ${data.classes}`);
    }
    const release = acquireRunLock(folder);
    try {
    // Temporary files are what a killed writer left: never a complete file (that one was renamed).
    for (const name of readdirSync(folder)) if (name.startsWith(TEMPORARY_PREFIX)) rmSync(join(folder, name), { force: true });
    const session = buildSession(config, data, folder, network);
    if (state) {
      try {
        session.optimizer.importState(state.optimizer);
      } catch (e) {
        throw new CheckpointError(checkpointFile, `its optimizer state does not fit: ${(e as Error).message}`);
      }
      if (state.learner) {
        if (!session.learner.importState) throw new CheckpointError(checkpointFile, `holds learner state, but rule ${config.rule} cannot restore any`);
        session.learner.importState(state.learner);
      }
    }
    const position: RunPosition = state?.position ?? { epoch: 0, batch: 0, lossSum: 0, correct: 0, seen: 0 };
    const metricsFile = join(folder, RUN_FILES.metrics);
    const restored = (state?.metrics ?? []) as EpochResult[];
    // Lines after the checkpoint's epoch were written by the killed process after its last checkpoint:
    // they are computed again, so they go. Lines before it keep their wall-clock fields.
    const lines = readMetricsLines(metricsFile).slice(0, position.epoch);
    const history: Array<EpochMetrics | EpochResult> = restored.map((m, i) => {
      const line = lines[i];
      return line && line.epoch === m.epoch ? (line as unknown as EpochMetrics) : m;
    });
    writeMetricsLines(metricsFile, history);
    return await runEpochs(session, position, history, state, reporter);
    } finally {
      release();
    }
  } finally {
    data.close();
  }
}

async function runEpochs(session: Session, from: RunPosition, history: Array<EpochMetrics | EpochResult>, state: TrainingState | undefined, reporter: TrainReporter): Promise<TrainResult> {
  const { config, data, network, optimizer, learner, lossMask, runDir } = session;
  const { train: trainSet, test: testSet } = data;
  const metricsFile = join(runDir, RUN_FILES.metrics);
  const batchesPerEpoch = Math.ceil(trainSet.size / config.batchSize);
  const results: EpochResult[] = history.map(stripWallClock);
  let best = state?.best;
  reporter.start?.({ runDir, batchesPerEpoch, config, trainSize: trainSet.size, testSize: testSet.size, ...(from.epoch > 0 || from.batch > 0 ? { resumedFrom: from } : {}) });

  let lastCheckpoint = performance.now();
  const save = (position: RunPosition, reason: CheckpointInfo['reason']) => {
    const started = performance.now();
    const text = encodeTrainingCheckpoint(network, optimizer, learner, {
      config: storedConfig(config),
      position,
      random: { dataOrder: { seed: dataOrderSeed(config, position.epoch + 1), startBatch: position.batch } },
      metrics: results,
      ...(best ? { best } : {}),
    });
    const file = join(runDir, RUN_FILES.checkpoint);
    writeTrainingCheckpoint(file, text);
    lastCheckpoint = performance.now();
    reporter.checkpoint?.({ file, bytes: Buffer.byteLength(text), milliseconds: lastCheckpoint - started, epoch: position.epoch, batch: position.batch, reason });
  };

  for (let epoch = from.epoch + 1; epoch <= config.epochs; epoch++) {
    const started = performance.now();
    const resumed = epoch === from.epoch + 1;
    let lossSum = resumed ? from.lossSum : 0;
    let correct = resumed ? from.correct : 0;
    let seen = resumed ? from.seen : 0;
    let index = resumed ? from.batch : 0;
    let seenHere = 0;
    for (const batch of trainSet.batches(config.batchSize, { shuffle: true, seed: dataOrderSeed(config, epoch), startBatch: index })) {
      const r = streamBatch(network, learner, { x: batch.x, batch: batch.size, steps: data.steps, targets: batch.labels, lossMask }, { validate: epoch === 1 });
      lossSum += r.loss * batch.size;
      correct += r.correct;
      seen += batch.size;
      seenHere += batch.size;
      index++;
      reporter.batch?.({ epoch, batch: index, batches: batchesPerEpoch, loss: lossSum / seen, accuracy: correct / seen });
      failpoint('batch-end');
      if (index < batchesPerEpoch) {
        const every = config.checkpointEvery;
        if (every?.batches && index % every.batches === 0) save({ epoch: epoch - 1, batch: index, lossSum, correct, seen }, 'batches');
        else if (every?.minutes && performance.now() - lastCheckpoint >= every.minutes * 60_000) save({ epoch: epoch - 1, batch: index, lossSum, correct, seen }, 'minutes');
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const test = evaluate(network, testSet, 128, lossMask);
    const metrics: EpochMetrics = {
      epoch,
      train_loss: lossSum / seen,
      train_accuracy: correct / seen,
      test_loss: test.loss,
      test_accuracy: test.accuracy,
      seconds,
      samples_per_s: seenHere / seconds,
    };
    history.push(metrics);
    results.push(stripWallClock(metrics));
    appendMetricsLine(metricsFile, metrics);
    reporter.epoch?.(metrics);
    if (!best || metrics.test_accuracy > best.test_accuracy) {
      best = { epoch, test_accuracy: metrics.test_accuracy };
      const t0 = performance.now();
      const text = JSON.stringify(serializeNetwork(network, { epoch, test_accuracy: metrics.test_accuracy, test_loss: metrics.test_loss }));
      writeFileAtomic(join(runDir, RUN_FILES.best), text);
      reporter.checkpoint?.({ file: join(runDir, RUN_FILES.best), bytes: Buffer.byteLength(text), milliseconds: performance.now() - t0, epoch, batch: 0, reason: 'best' });
    }
    save({ epoch, batch: 0, lossSum: 0, correct: 0, seen: 0 }, 'epoch');
    await drawRunCurves(runDir);
    failpoint('epoch-end');
  }
  if (history.length > 0) {
    const bestMetrics = history.reduce((b, m) => (m.test_accuracy > b.test_accuracy ? m : b), history[0]!);
    reporter.done?.({ runDir, best: bestMetrics, last: history[history.length - 1]! });
  }
  return { runDir, history, network };
}

function stripWallClock(m: EpochMetrics | EpochResult): EpochResult {
  const { seconds: _s, samples_per_s: _r, ...rest } = m as EpochMetrics;
  return rest;
}
