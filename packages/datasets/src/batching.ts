import { InvalidArgumentError } from '@snn/errors';
import { createRandom } from '@snn/random';
import type { Batch, SequenceDataset } from './types';
import { checkDataset, integerSeed, positiveInteger, startOffset } from './validate';

/** Copies the sequences `order[from..to)` into a new [B, T, I] block. */
function gather(data: SequenceDataset, order: ArrayLike<number>, from: number, to: number): { x: Float32Array; labels: Int32Array } {
  const stride = data.steps * data.inputs;
  const count = to - from;
  const x = new Float32Array(count * stride);
  const labels = new Int32Array(count);
  for (let b = 0; b < count; b++) {
    const n = order[from + b]!;
    x.set(data.x.subarray(n * stride, (n + 1) * stride), b * stride);
    labels[b] = data.labels[n]!;
  }
  return { x, labels };
}

/**
 * Mini-batches that cover every sequence once (the last one smaller unless `dropLast`).
 * Each batch is a fresh copy, so a consumer may keep or modify it. Arguments are checked when
 * this is called, not at the first `next()`.
 * @param options.shuffle visit sequences in a seeded random order (default false)
 * @param options.seed seed of that order (default 0); pass e.g. `seed + epoch` for a new order each epoch
 * @param options.dropLast skip a final batch smaller than `batchSize` (default false)
 * @param options.startBatch skip the first this many batches of that order (resuming mid-epoch)
 */
export function batches(
  data: SequenceDataset,
  batchSize: number,
  options: { shuffle?: boolean; seed?: number; dropLast?: boolean; startBatch?: number } = {},
): Generator<Batch> {
  checkDataset('data', data);
  positiveInteger('batchSize', batchSize);
  const order = new Int32Array(data.size);
  for (let i = 0; i < order.length; i++) order[i] = i;
  if (options.shuffle) createRandom(integerSeed('options.seed', options.seed ?? 0)).fork('batches/order').shuffle(order);
  const end = options.dropLast ? data.size - (data.size % batchSize) : data.size;
  const start = startOffset(options.startBatch, batchSize);
  return (function* () {
    for (let from = start; from < end; from += batchSize) {
      const to = Math.min(from + batchSize, end);
      const { x, labels } = gather(data, order, from, to);
      yield { size: to - from, x, labels };
    }
  })();
}

/**
 * Splits into parts holding the given fractions of the sequences (copies, in a seeded random
 * order). Fractions must be positive and sum to 1 (within 1e-9). Part p gets exactly
 * round(F_p N) - round(F_{p-1} N) sequences (F = cumulative fractions), every sequence lands in
 * exactly one part, and the split is stratified: each class is spread over the parts in
 * proportion (within one sequence per class and part), so a test part keeps the class balance.
 */
export function splitDataset(data: SequenceDataset, fractions: number[], seed = 0): SequenceDataset[] {
  checkDataset('data', data);
  integerSeed('seed', seed);
  if (!Array.isArray(fractions) || fractions.length === 0) {
    throw new InvalidArgumentError('fractions', 'must be a non-empty array of numbers in (0, 1] summing to 1');
  }
  for (const f of fractions) {
    if (typeof f !== 'number' || !(f > 0 && f <= 1)) throw new InvalidArgumentError('fractions', `each must be in (0, 1], got ${String(f)}`);
  }
  const total = fractions.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-9) throw new InvalidArgumentError('fractions', `must sum to 1, got ${total}`);

  const random = createRandom(seed).fork('split');
  // Stratify by interleaving: shuffle each class, give its k-th member the key (k + 1/2) / n_class
  // (its quantile within the class), and sort all sequences by key. Any contiguous run of that
  // order then holds every class in proportion, so cutting it at the cumulative fractions
  // stratifies while the part sizes stay exact.
  const groups = new Map<number, number[]>();
  for (let n = 0; n < data.size; n++) {
    const label = data.labels[n]!;
    let g = groups.get(label);
    if (!g) groups.set(label, (g = []));
    g.push(n);
  }
  const keyed: { key: number; label: number; index: number }[] = [];
  for (const label of [...groups.keys()].sort((a, b) => a - b)) {
    const members = random.shuffle(groups.get(label)!);
    members.forEach((index, k) => keyed.push({ key: (k + 0.5) / members.length, label, index }));
  }
  keyed.sort((a, b) => a.key - b.key || a.label - b.label);

  const parts: SequenceDataset[] = [];
  let cumulative = 0;
  let from = 0;
  for (let p = 0; p < fractions.length; p++) {
    cumulative += fractions[p]!;
    const to = p === fractions.length - 1 ? data.size : Math.min(data.size, Math.round(cumulative * data.size));
    const indices = random.shuffle(keyed.slice(from, to).map((k) => k.index));
    const { x, labels } = gather(data, indices, 0, indices.length);
    parts.push({ name: data.name, size: indices.length, steps: data.steps, inputs: data.inputs, classes: data.classes, x, labels });
    from = to;
  }
  return parts;
}
