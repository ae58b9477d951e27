import { InvalidArgumentError, ShapeError } from '@snn/errors';
import { describe, expect, it } from 'vitest';
import { batches, createRandman, splitDataset, type SequenceDataset } from './index';

/** A dataset whose sequence n holds the value n everywhere, so copies can be traced back. */
function traceable(size: number, classes = 3, steps = 4, inputs = 2): SequenceDataset {
  const x = new Float32Array(size * steps * inputs);
  for (let n = 0; n < size; n++) x.fill(n, n * steps * inputs, (n + 1) * steps * inputs);
  const labels = Int32Array.from({ length: size }, (_, n) => n % classes);
  return { name: 'traceable', size, steps, inputs, classes, x, labels };
}

/** Sequence ids held by a block [B, T, I], checking each sequence is intact and its label matches. */
function ids(x: Float32Array, labels: Int32Array, size: number, stride: number, classes: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < size; b++) {
    const block = x.subarray(b * stride, (b + 1) * stride);
    const id = block[0]!;
    expect(block.every((v) => v === id)).toBe(true);
    expect(labels[b]).toBe(id % classes);
    out.push(id);
  }
  return out;
}

describe('batches', () => {
  it('covers every sequence once, in order, with a smaller last batch', () => {
    const d = traceable(10);
    const all = [...batches(d, 4)];
    expect(all.map((b) => b.size)).toEqual([4, 4, 2]);
    expect(all.flatMap((b) => ids(b.x, b.labels, b.size, 8, 3))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all[2]!.x.length).toBe(2 * 4 * 2);
  });

  it('shuffles with a seed: a permutation, reproducible, different per seed', () => {
    const d = traceable(50);
    const order = (seed: number): number[] => [...batches(d, 8, { shuffle: true, seed })].flatMap((b) => ids(b.x, b.labels, b.size, 8, 3));
    const a = order(1);
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(order(1)).toEqual(a);
    expect(order(2)).not.toEqual(a);
  });

  it('dropLast drops only the incomplete final batch', () => {
    const d = traceable(10);
    expect([...batches(d, 4, { dropLast: true })].map((b) => b.size)).toEqual([4, 4]);
    expect([...batches(d, 5, { dropLast: true })].map((b) => b.size)).toEqual([5, 5]);
  });

  it('returns copies', () => {
    const d = traceable(4);
    const [first] = [...batches(d, 4)];
    first!.x.fill(-1);
    expect(d.x[0]).toBe(0);
  });

  it('checks its arguments when called, not at the first next()', () => {
    const d = traceable(4);
    expect(() => batches(d, 0)).toThrow(InvalidArgumentError);
    expect(() => batches(d, 1.5)).toThrow(/batchSize/);
    expect(() => batches(d, 2, { shuffle: true, seed: 0.1 })).toThrow(/seed/);
    expect(() => batches({ ...d, size: 5 }, 2)).toThrow(ShapeError);
  });
});

describe('splitDataset', () => {
  it('partitions: every sequence in exactly one part, sizes exact', () => {
    const d = traceable(103, 4);
    const parts = splitDataset(d, [0.7, 0.1, 0.2], 3);
    expect(parts.map((p) => p.size)).toEqual([72, 10, 21]);
    const seen = parts.flatMap((p) => ids(p.x, p.labels, p.size, 8, 4));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    for (const p of parts) expect([p.name, p.steps, p.inputs, p.classes]).toEqual(['traceable', 4, 2, 4]);
  });

  it('is stratified: each part keeps the class balance', () => {
    const d = createRandman({ classes: 10, inputs: 5, steps: 10, samplesPerClass: 50 });
    const [train, test] = splitDataset(d, [0.8, 0.2], 1);
    for (const [part, perClass] of [[train!, 40], [test!, 10]] as const) {
      const counts = new Array<number>(10).fill(0);
      for (const l of part.labels) counts[l]!++;
      for (const c of counts) expect(Math.abs(c - perClass)).toBeLessThanOrEqual(1);
    }
  });

  it('is reproducible under the seed and copies the data', () => {
    const d = traceable(30);
    const a = splitDataset(d, [0.5, 0.5], 7);
    const b = splitDataset(d, [0.5, 0.5], 7);
    const c = splitDataset(d, [0.5, 0.5], 8);
    expect(a[0]!.x).toEqual(b[0]!.x);
    expect(a[0]!.x).not.toEqual(c[0]!.x);
    a[0]!.x.fill(-1);
    expect(Array.from(d.x).every((v) => v >= 0)).toBe(true);
  });

  it('rejects bad fractions and seeds', () => {
    const d = traceable(10);
    expect(() => splitDataset(d, [0.5, 0.4])).toThrow(/sum to 1/);
    expect(() => splitDataset(d, [])).toThrow(InvalidArgumentError);
    expect(() => splitDataset(d, [1.2, -0.2])).toThrow(InvalidArgumentError);
    expect(() => splitDataset(d, [1], 0.5)).toThrow(/seed/);
    expect(() => splitDataset({ ...d, labels: new Int32Array(3) }, [1])).toThrow(ShapeError);
  });
});
