import { InvalidArgumentError } from '@snn/errors';
import { createRandom } from '@snn/random';
import { splitDataset } from './batching';
import type { Batch, BatchOptions, BatchSource, SequenceDataset } from './types';
import { checkDataset, integerSeed, positiveInteger, startOffset } from './validate';

type SourceCore = Omit<BatchSource, 'sample' | 'batches'>;

/** Completes a source from its shape, labels and `gather` (sample and seeded batches). */
export function makeSource<T extends SourceCore>(core: T): T & BatchSource {
  const stride = core.steps * core.inputs;
  return {
    ...core,
    sample(n: number): Float32Array {
      if (!(Number.isInteger(n) && n >= 0 && n < core.size)) throw new InvalidArgumentError('n', `must be an integer in [0, ${core.size}), got ${n}`);
      const out = new Float32Array(stride);
      core.gather([n], out);
      return out;
    },
    batches(batchSize: number, options: BatchOptions = {}): Generator<Batch> {
      positiveInteger('batchSize', batchSize);
      const order = new Int32Array(core.size);
      for (let i = 0; i < order.length; i++) order[i] = i;
      if (options.shuffle) createRandom(integerSeed('options.seed', options.seed ?? 0)).fork('batches/order').shuffle(order);
      const end = options.dropLast ? core.size - (core.size % batchSize) : core.size;
      const start = startOffset(options.startBatch, batchSize);
      return (function* () {
        for (let from = start; from < end; from += batchSize) {
          const to = Math.min(from + batchSize, end);
          const idx = order.subarray(from, to);
          const x = new Float32Array((to - from) * stride);
          core.gather(idx, x);
          const labels = new Int32Array(to - from);
          for (let b = 0; b < idx.length; b++) labels[b] = core.labels[idx[b]!]!;
          yield { size: to - from, x, labels };
        }
      })();
    },
  };
}

/** A dense dataset seen as a source (its batches equal `batches(data, ...)`). */
export function asBatchSource(data: SequenceDataset): BatchSource {
  checkDataset('data', data);
  const stride = data.steps * data.inputs;
  return makeSource({
    name: data.name,
    size: data.size,
    steps: data.steps,
    inputs: data.inputs,
    classes: data.classes,
    labels: data.labels,
    gather(indices, out) {
      for (let b = 0; b < indices.length; b++) out.set(data.x.subarray(indices[b]! * stride, (indices[b]! + 1) * stride), b * stride);
    },
  });
}

/** The sequences `indices` of a source, as a source (nothing is copied until a batch is made). */
export function subsetSource(source: BatchSource, indices: ArrayLike<number>): BatchSource {
  const idx = Int32Array.from(indices);
  for (const i of idx) if (!(i >= 0 && i < source.size)) throw new InvalidArgumentError('indices', `index ${i} is outside [0, ${source.size})`);
  const labels = new Int32Array(idx.length);
  idx.forEach((n, k) => (labels[k] = source.labels[n]!));
  return makeSource({
    name: source.name,
    size: idx.length,
    steps: source.steps,
    inputs: source.inputs,
    classes: source.classes,
    labels,
    gather(indices, out) {
      const mapped = new Int32Array(indices.length);
      for (let b = 0; b < indices.length; b++) mapped[b] = idx[indices[b]!]!;
      source.gather(mapped, out);
    },
  });
}

/** Stratified seeded split of a source into parts (exactly the partition `splitDataset` makes). */
export function splitSource(source: BatchSource, fractions: number[], seed = 0): BatchSource[] {
  if (source.size > 2 ** 24) throw new InvalidArgumentError('source', 'more than 2^24 sequences cannot be split this way');
  const ids = { name: source.name, size: source.size, steps: 1, inputs: 1, classes: source.classes, x: Float32Array.from({ length: source.size }, (_, i) => i), labels: source.labels };
  return splitDataset(ids, fractions, seed).map((part) => subsetSource(source, part.x));
}
