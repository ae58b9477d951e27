import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createNetwork,
  createOptimizer,
  createTrainingLearner,
  forwardSequence,
  saveCheckpoint,
  streamBatch,
  type DType,
  type Network,
} from '@snn/core';
import {
  asBatchSource,
  batches,
  getDataset,
  getDatasetDefinition,
  hdf5Ready,
  splitDataset,
  splitSource,
  type BatchSource,
  type SequenceDataset,
} from '@snn/datasets';
import { InvalidArgumentError, UnsupportedError } from '@snn/errors';

export interface TrainConfig {
  /** Task (registered dataset) name: randman, cue, adding, morse, shd, ssc, nmnist, smnist, ... */
  dataset: string;
  datasetOptions: Record<string, unknown>;
  /** File or folder of a file-backed task (shd, ssc, nmnist, smnist); becomes `datasetOptions.path`. */
  data?: string;
  /** Use the task's own loss mask when it defines one (cue: recall window; adding, morse: the end). Default true; false = `lossWindow`. */
  taskLossMask?: boolean;
  cell: string;
  cellOptions: Record<string, unknown>;
  hidden: number;
  layers: number;
  rule: string;
  ruleOptions: Record<string, unknown>;
  optimizer: string;
  learningRate: number;
  /** SGD momentum (ignored by Adam/Adamax). */
  momentum?: number;
  clipNorm?: number;
  /** Learning-rate factor per parameter name (0 freezes it), e.g. `{ "beta": 0 }`; see @snn/core's optimizers. */
  learningRateScale?: Record<string, number>;
  epochs: number;
  batchSize: number;
  seed: number;
  dtype: DType;
  kappa: number;
  /** Fraction of the last steps whose loss counts (1 = every step). */
  lossWindow: number;
  testFraction: number;
  inputScale: number;
  recurrentScale: number;
  outDir: string;
}

export const defaultTrainConfig: TrainConfig = {
  dataset: 'randman',
  datasetOptions: {},
  cell: 'lif',
  cellOptions: { alpha: 0.9, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 25 } },
  hidden: 128,
  layers: 1,
  rule: 'bptt',
  ruleOptions: {},
  optimizer: 'adam',
  learningRate: 2e-3,
  clipNorm: 10,
  epochs: 12,
  batchSize: 32,
  seed: 1,
  dtype: 'float32',
  kappa: 0.9,
  lossWindow: 0.5,
  testFraction: 0.2,
  inputScale: 3,
  recurrentScale: 0.5,
  outDir: 'runs',
};

export interface EpochMetrics {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  test_loss: number;
  test_accuracy: number;
  seconds: number;
  samples_per_s: number;
}

export interface TrainReporter {
  start?(info: { runDir: string; batchesPerEpoch: number; config: TrainConfig; trainSize: number; testSize: number }): void;
  batch?(info: { epoch: number; batch: number; loss: number; accuracy: number }): void;
  epoch?(metrics: EpochMetrics): void;
  done?(info: { runDir: string; best: EpochMetrics }): void;
}

/** Loss weight per step: the last `window` fraction of the steps count, each with weight 1. */
export function lossMaskFor(steps: number, window: number): Float64Array {
  if (!(window > 0 && window <= 1)) throw new InvalidArgumentError('lossWindow', `must be in (0, 1], got ${window}`);
  const mask = new Float64Array(steps);
  const first = Math.min(steps - 1, Math.floor(steps * (1 - window)));
  for (let t = first; t < steps; t++) mask[t] = 1;
  return mask;
}

export function evaluate(network: Network, data: SequenceDataset | BatchSource, batchSize: number, lossMask: Float64Array): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  const all = 'x' in data ? batches(data, batchSize, { shuffle: false }) : data.batches(batchSize, { shuffle: false });
  for (const batch of all) {
    const r = forwardSequence(network, { x: batch.x, batch: batch.size, steps: data.steps, targets: batch.labels, lossMask });
    loss += r.loss * batch.size;
    for (let b = 0; b < batch.size; b++) if (r.predictions[b] === batch.labels[b]) correct++;
  }
  return { loss: loss / data.size, accuracy: correct / data.size };
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
}

/** Training and test data of a run, streamed, with the shape of the task. */
export interface TrainData {
  train: BatchSource;
  test: BatchSource;
  inputs: number;
  steps: number;
  classes: number;
  /** Sequences before the split. */
  size: number;
  /** The task's own loss mask, if it has one. */
  lossMask?: Float64Array;
  /** Files read (file-backed tasks). */
  files?: readonly string[];
  close(): void;
}

/**
 * Builds the train/test data of `config`: generated tasks are split (stratified, seeded) into
 * train/test; file-backed tasks (shd, ssc, nmnist, smnist) read `config.data` and use the
 * dataset's own test split file when there is one (else a seeded split of the training file).
 * HDF5 tasks need `await initHdf5()` first (the CLI does it).
 */
export function prepareTrainData(config: TrainConfig): TrainData {
  const definition = getDatasetDefinition(config.dataset);
  const split = <T>(parts: T[]) => parts as [T, T];
  if (definition.open) {
    if (definition.needsHdf5 && !hdf5Ready()) throw new UnsupportedError(`task "${config.dataset}" before initHdf5()`, 'call `await initHdf5()` from @snn/datasets first (snn train does)');
    const path = config.data ?? config.datasetOptions.path;
    const splits = definition.open({ ...config.datasetOptions, ...(path !== undefined ? { path } : {}) });
    const [train, test] = splits.test ? [splits.train, splits.test] : split(splitSource(splits.train, [1 - config.testFraction, config.testFraction], config.seed));
    if (test.inputs !== train.inputs || test.steps !== train.steps || test.classes !== train.classes) {
      splits.close();
      throw new InvalidArgumentError('data', `the test split has [T, I, C] = [${test.steps}, ${test.inputs}, ${test.classes}] but the training split [${train.steps}, ${train.inputs}, ${train.classes}]`);
    }
    const { inputs, steps, classes } = splits.train;
    return { train, test, inputs, steps, classes, size: splits.train.size, ...(splits.lossMask ? { lossMask: splits.lossMask } : {}), files: splits.files, close: () => splits.close() };
  }
  if (config.data !== undefined) throw new InvalidArgumentError('data', `task "${config.dataset}" is generated and reads no files; drop --data`);
  const all = getDataset(config.dataset, { seed: config.seed, ...config.datasetOptions });
  const [trainSet, testSet] = splitDataset(all, [1 - config.testFraction, config.testFraction], config.seed);
  return {
    train: asBatchSource(trainSet!),
    test: asBatchSource(testSet!),
    inputs: all.inputs,
    steps: all.steps,
    classes: all.classes,
    size: all.size,
    ...(all.lossMask ? { lossMask: all.lossMask } : {}),
    close() {},
  };
}

/** Trains, writing `config.json`, `metrics.jsonl` and `checkpoint.json` to a new run folder. */
export function train(config: TrainConfig, reporter: TrainReporter = {}): { runDir: string; history: EpochMetrics[]; network: Network } {
  const data = prepareTrainData(config);
  try {
    return trainOn(config, data, reporter);
  } finally {
    data.close();
  }
}

function trainOn(config: TrainConfig, all: TrainData, reporter: TrainReporter): { runDir: string; history: EpochMetrics[]; network: Network } {
  const { train: trainSet, test: testSet } = all;
  const network = createNetwork(
    {
      inputs: all.inputs,
      outputs: all.classes,
      layers: Array.from({ length: config.layers }, () => ({ cell: config.cell, neurons: config.hidden, cellOptions: config.cellOptions })),
      readout: { kappa: config.kappa },
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
  const lossMask = all.lossMask && config.taskLossMask !== false ? all.lossMask : lossMaskFor(all.steps, config.lossWindow);
  const runDir = resolve(config.outDir, `${timestamp()}-${config.rule}-${config.cell}-${config.dataset}`);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'config.json'), JSON.stringify({ ...config, dataset: { name: config.dataset, inputs: all.inputs, steps: all.steps, classes: all.classes, size: all.size, train: trainSet.size, test: testSet.size, ...(all.files ? { files: all.files } : {}) } }, null, 2) + '\n');
  const metricsFile = join(runDir, 'metrics.jsonl');
  writeFileSync(metricsFile, '');
  const batchesPerEpoch = Math.ceil(trainSet.size / config.batchSize);
  reporter.start?.({ runDir, batchesPerEpoch, config, trainSize: trainSet.size, testSize: testSet.size });
  const history: EpochMetrics[] = [];
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    const started = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let index = 0;
    for (const batch of trainSet.batches(config.batchSize, { shuffle: true, seed: config.seed * 1000 + epoch })) {
      const r = streamBatch(network, learner, { x: batch.x, batch: batch.size, steps: all.steps, targets: batch.labels, lossMask }, { validate: epoch === 1 });
      lossSum += r.loss * batch.size;
      correct += r.correct;
      seen += batch.size;
      reporter.batch?.({ epoch, batch: ++index, loss: lossSum / seen, accuracy: correct / seen });
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
      samples_per_s: seen / seconds,
    };
    history.push(metrics);
    appendFileSync(metricsFile, JSON.stringify(metrics) + '\n');
    reporter.epoch?.(metrics);
  }
  saveCheckpoint(join(runDir, 'checkpoint.json'), network, { epochs: config.epochs, final: history[history.length - 1] });
  const best = history.reduce((b, m) => (m.test_accuracy > b.test_accuracy ? m : b), history[0]!);
  reporter.done?.({ runDir, best });
  return { runDir, history, network };
}
