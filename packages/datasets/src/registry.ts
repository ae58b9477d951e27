import { existsSync, statSync } from 'node:fs';
import { InvalidArgumentError, UnknownNameError } from '@snn/errors';
import { createAdding, type AddingOptions } from './adding';
import { createCueAccumulation, type CueOptions } from './cue';
import { loadSequentialMnist, type SequentialMnistOptions } from './idx';
import { createMorse, type MorseOptions } from './morse';
import { openNmnist, type NmnistOptions } from './nmnist';
import { createRandman, type RandmanOptions } from './randman';
import { asBatchSource } from './source';
import { findSplitFile, openSpikeFile, type SpikeFile, type SpikeFileOptions } from './spike-file';
import type { DatasetDefinition, DatasetSplits, SequenceDataset } from './types';

/** A folder without the split files is named with what was looked for, rather than failing to read a folder as a file. */
function checkedSplitPath(path: string, kind: 'shd' | 'ssc'): string {
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new InvalidArgumentError('path', `${path} is a folder without ${kind}_train.h5 or ${kind}_train.h5.gz; pass the folder holding the ${kind.toUpperCase()} files (${kind}_train.h5[.gz], ${kind}_test.h5[.gz]) or one file`);
  }
  return path;
}

/** Splits `options` into the data path and the rest, dropping the generic `seed`. */
function pathOf(task: string, options: Readonly<Record<string, unknown>>, hint: string): { path: string; rest: Record<string, unknown> } {
  const { path, seed: _seed, ...rest } = options;
  if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', `task "${task}" reads files: pass --data PATH (options.path), ${hint}`);
  return { path, rest };
}

function spikeDefinition(kind: 'shd' | 'ssc', description: string): DatasetDefinition {
  const hint = `a ${kind}_train.h5 / .h5.gz file or a folder holding ${kind}_train and ${kind}_test`;
  const open = (options: Readonly<Record<string, unknown>>): DatasetSplits => {
    const { path, rest } = pathOf(kind, options, hint);
    const trainFile = findSplitFile(path, kind, 'train') ?? checkedSplitPath(path, kind);
    const opened: SpikeFile[] = [];
    try {
      const o = { ...(rest as SpikeFileOptions), kind };
      const train = openSpikeFile(trainFile, o);
      opened.push(train);
      const files = [trainFile];
      const splits: { test?: SpikeFile; valid?: SpikeFile } = {};
      for (const split of ['test', 'valid'] as const) {
        const f = findSplitFile(path, kind, split);
        if (f && f !== trainFile) {
          const s = openSpikeFile(f, o);
          opened.push(s);
          splits[split] = s;
          files.push(f);
        }
      }
      return { train, ...splits, files, close: () => opened.forEach((f) => f.close()) };
    } catch (e) {
      opened.forEach((f) => f.close());
      throw e;
    }
  };
  return {
    name: kind,
    description,
    needsHdf5: true,
    open,
    create(options) {
      const { path, rest } = pathOf(kind, options, hint);
      const file = openSpikeFile(findSplitFile(path, kind, 'train') ?? checkedSplitPath(path, kind), { ...(rest as SpikeFileOptions), kind });
      try {
        return file.toSequenceDataset();
      } finally {
        file.close();
      }
    },
  };
}

// One global slot shared by every installed copy of this package (see @snn/surrogate).
const slot = Symbol.for('@snn/registry/dataset');
type Registry = Map<string, DatasetDefinition>;

const builtins: readonly DatasetDefinition[] = [
  {
    name: 'randman',
    description: 'Randman spike-timing manifolds (Zenke & Vogels 2021): one spike per input unit, class = manifold',
    create: (options) => createRandman(options as RandmanOptions),
  },
  {
    name: 't-randman',
    description: "T-Randman (OTPE, datasets.md 4.3): Randman with encoding 'time', one spike per unit",
    create: (options) => createRandman({ ...(options as RandmanOptions), encoding: 'time' }),
  },
  {
    name: 'r-randman',
    description: "R-Randman (OTPE, datasets.md 4.3): Randman with encoding 'rate': on for t <= floor(y' T), permuted along time",
    create: (options) => createRandman({ ...(options as RandmanOptions), encoding: 'rate' }),
  },
  {
    name: 'cue',
    description: 'cue accumulation (e-prop evidence accumulation; `delay` for the HYPR long-delay variant): 40 inputs, 2 classes, loss on the recall window',
    create: (options) => createCueAccumulation(options as CueOptions),
  },
  {
    name: 'adding',
    description: 'adding problem (Hochreiter & Schmidhuber 1997, or `variant: modern`), regression target framed as binned classes, loss on the last step',
    create: (options) => createAdding(options as AddingOptions),
  },
  {
    name: 'morse',
    description: 'NeuroMorse-style keyword task: 50 words in Morse code on 2 spike channels (dot, dash), seeded noise levels',
    create: (options) => createMorse(options as MorseOptions),
  },
  spikeDefinition('shd', 'Spiking Heidelberg Digits (HDF5 .h5 / .h5.gz; needs --data): 700 channels binned to T steps, 20 classes'),
  spikeDefinition('ssc', 'Spiking Speech Commands (HDF5 .h5 / .h5.gz; needs --data): 700 channels binned to T steps, 35 classes'),
  {
    name: 'nmnist',
    description: 'N-MNIST event files (Train/<digit>/*.bin, Test/...; needs --data): 2 x 34 x 34 inputs, 10 classes',
    open(options) {
      const { path, rest } = pathOf('nmnist', options, 'the folder holding Train/ and Test/');
      const train = openNmnist(path, { ...(rest as NmnistOptions), split: 'train' });
      let test;
      try {
        test = openNmnist(path, { ...(rest as NmnistOptions), split: 'test' });
      } catch {
        test = undefined;
      }
      return { train, ...(test ? { test } : {}), files: [path], close() {} };
    },
    create(options) {
      const { path, rest } = pathOf('nmnist', options, 'the folder holding Train/ and Test/');
      const src = openNmnist(path, { ...(rest as NmnistOptions), split: 'train' });
      const stride = src.steps * src.inputs;
      if (src.size * stride > 2 ** 28) throw new InvalidArgumentError('path', `N-MNIST in memory needs ${src.size * stride} floats; train with the streamed splits (snn train --task nmnist) or fewer bins`);
      const x = new Float32Array(src.size * stride);
      src.gather(Int32Array.from({ length: src.size }, (_, i) => i), x);
      return { name: 'nmnist', size: src.size, steps: src.steps, inputs: src.inputs, classes: 10, x, labels: src.labels.slice() };
    },
  },
  {
    name: 'smnist',
    description: 'sequential MNIST from idx files (needs --data FOLDER): 784 steps x 1 input (or rows), `permutationSeed` for PS-MNIST',
    open(options) {
      const { path, rest } = pathOf('smnist', options, 'the folder holding train-images-idx3-ubyte[.gz] etc.');
      const train = loadSequentialMnist(path, { ...(rest as SequentialMnistOptions), split: 'train' });
      let test: SequenceDataset | undefined;
      try {
        test = loadSequentialMnist(path, { ...(rest as SequentialMnistOptions), split: 'test' });
      } catch {
        test = undefined;
      }
      return { train: asBatchSource(train), ...(test ? { test: asBatchSource(test) } : {}), lossMask: train.lossMask, files: [path], close() {} };
    },
    create(options) {
      const { path, rest } = pathOf('smnist', options, 'the folder holding train-images-idx3-ubyte[.gz] etc.');
      return loadSequentialMnist(path, rest as SequentialMnistOptions);
    },
  },
];

let builtinsAdded = false;

function registry(): Registry {
  const g = globalThis as Record<symbol, unknown>;
  let table = g[slot] as Registry | undefined;
  if (!table) {
    table = new Map();
    g[slot] = table;
  }
  // Lazily, so importing has no side effects; names another copy registered are kept.
  if (!builtinsAdded) {
    builtinsAdded = true;
    for (const d of builtins) if (!table.has(d.name)) table.set(d.name, d);
  }
  return table;
}

/** Adds a dataset to the shared registry. Re-registering a name throws unless `override` is set. */
export function registerDataset(definition: DatasetDefinition, options: { override?: boolean } = {}): void {
  if (typeof definition?.name !== 'string' || definition.name.length === 0) {
    throw new InvalidArgumentError('definition.name', 'must be a non-empty string');
  }
  if (typeof definition.create !== 'function') {
    throw new InvalidArgumentError(`definition.create (${definition.name})`, 'must be a function (options) => SequenceDataset');
  }
  const table = registry();
  if (table.has(definition.name) && !options.override) {
    throw new InvalidArgumentError('definition.name', `dataset "${definition.name}" is already registered; pass { override: true } to replace it`);
  }
  table.set(definition.name, definition);
}

/** Names of the registered datasets, built-ins first. */
export function listDatasets(): string[] {
  return [...registry().keys()];
}

/** The definition registered under `name` (e.g. to call its `open`). @throws UnknownNameError */
export function getDatasetDefinition(name: string): DatasetDefinition {
  const table = registry();
  const definition = table.get(name);
  if (!definition) throw new UnknownNameError('dataset', String(name), [...table.keys()]);
  return definition;
}

/**
 * Builds a registered dataset by name, e.g. `getDataset('randman', { seed: 1 })`.
 * @throws UnknownNameError listing the registered names
 */
export function getDataset(name: string, options: Readonly<Record<string, unknown>> = {}): SequenceDataset {
  const table = registry();
  const definition = table.get(name);
  if (!definition) throw new UnknownNameError('dataset', String(name), [...table.keys()]);
  return definition.create(options);
}
