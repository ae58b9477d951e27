import { forwardSequence, type Network } from '@snn/core';
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
import type { TrainConfig } from './config';

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
