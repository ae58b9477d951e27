import { InvalidArgumentError } from '@snn/errors';
import { describe, expect, it } from 'vitest';
import { addingClass, addingSource, createAdding, createCueAccumulation, createMorse, cueAccumulationSource, morseSource, morseSpikes, morseWords, type SequenceDataset } from './index';

const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
const at = (d: SequenceDataset, n: number, t: number, i: number) => d.x[(n * d.steps + t) * d.inputs + i]!;

describe('generators: same seed, same bytes', () => {
  it('cue, adding and morse give byte-identical data and batches for the same seed, different for another', () => {
    const makers = [
      (seed: number) => createCueAccumulation({ seed, size: 12, delay: 50 }),
      (seed: number) => createAdding({ seed, size: 12, steps: 30 }),
      (seed: number) => createMorse({ seed, samplesPerWord: 1, dropout: 'high', jitter: 'low', poisson: 'low' }),
    ];
    for (const make of makers) {
      const a = make(3);
      expect(bytes(make(3).x).equals(bytes(a.x))).toBe(true);
      expect(Array.from(make(3).labels)).toEqual(Array.from(a.labels));
      expect(bytes(make(4).x).equals(bytes(a.x))).toBe(false);
    }
    const sources = [
      () => cueAccumulationSource({ seed: 9, size: 10, delay: 20 }),
      () => addingSource({ seed: 9, size: 10, steps: 20, variant: 'modern' }),
      () => morseSource({ seed: 9, samplesPerWord: 1, jitter: 'high' }),
    ];
    for (const make of sources) {
      const one = [...make().batches(4, { shuffle: true, seed: 1 })];
      const two = [...make().batches(4, { shuffle: true, seed: 1 })];
      expect(one.map((b) => bytes(b.x).equals(bytes(two[one.indexOf(b)]!.x)))).toEqual(one.map(() => true));
    }
  });

  it('sequence n does not depend on batch size, order, or dataset size (counter-based)', () => {
    const small = createCueAccumulation({ seed: 2, size: 5, delay: 10 });
    const big = createCueAccumulation({ seed: 2, size: 9, delay: 10 });
    expect(bytes(big.x.subarray(0, small.x.length)).equals(bytes(small.x))).toBe(true);
    const src = cueAccumulationSource({ seed: 2, size: 9, delay: 10 });
    const stride = src.steps * src.inputs;
    const [b] = [...src.batches(9, { shuffle: true, seed: 5 })];
    // the shuffled batch holds the same sequences as the dense set
    const rows = new Set(Array.from({ length: 9 }, (_, k) => bytes(big.x.subarray(k * stride, (k + 1) * stride)).toString('base64')));
    for (let k = 0; k < 9; k++) expect(rows.has(bytes(b!.x.subarray(k * stride, (k + 1) * stride)).toString('base64'))).toBe(true);
    expect(bytes(src.sample(4)).equals(bytes(big.x.subarray(4 * stride, 5 * stride)))).toBe(true);
  });
});

describe('cue accumulation (e-prop, HYPR delay)', () => {
  it('has the e-prop shape: T = 7 x 150 + delay + 150, 40 inputs, 2 classes, loss on the recall window', () => {
    const d = createCueAccumulation({ size: 4 });
    expect([d.steps, d.inputs, d.classes]).toEqual([2250, 40, 2]);
    expect(createCueAccumulation({ size: 1, delay: 5000 }).steps).toBe(6200);
    expect(Array.from(d.lossMask).reduce((a, b) => a + b)).toBe(150);
    expect(d.lossMask[2100]).toBe(1);
    expect(d.lossMask[2099]).toBe(0);
  });

  it('statistics match the definition: ~50% classes, 0.04 per step in active cue windows, 0.01 background, silence elsewhere, label = majority', () => {
    const d = createCueAccumulation({ seed: 1, size: 400, delay: 300 });
    const T = d.steps;
    let right = 0;
    let cueSpikes = 0;
    let cueSlots = 0;
    let bg = 0;
    let recall = 0;
    let stray = 0;
    for (let n = 0; n < d.size; n++) {
      right += d.labels[n]!;
      let rightCues = 0;
      for (let k = 0; k < 7; k++) {
        // the side of cue k is the group that spikes in its window
        let l = 0;
        let r = 0;
        for (let t = 50 + 150 * k; t < 150 + 150 * k; t++) for (let j = 0; j < 10; j++) (l += at(d, n, t, j), r += at(d, n, t, 10 + j));
        expect(l === 0 || r === 0).toBe(true);
        cueSpikes += l + r;
        cueSlots += 1000;
        if (r > l) rightCues++;
        for (let t = 150 * k; t < 50 + 150 * k; t++) for (let j = 0; j < 30; j++) stray += at(d, n, t, j);
      }
      expect(d.labels[n]).toBe(rightCues > 3 ? 1 : 0); // a silent 100 x 10 window has probability 0.96^1000
      for (let t = 0; t < T; t++) for (let j = 30; j < 40; j++) bg += at(d, n, t, j);
      for (let t = T - 150; t < T; t++) for (let j = 20; j < 30; j++) recall += at(d, n, t, j);
      for (let t = 1050; t < T - 150; t++) for (let j = 0; j < 30; j++) stray += at(d, n, t, j);
    }
    expect(right / d.size).toBeGreaterThan(0.43);
    expect(right / d.size).toBeLessThan(0.57);
    expect(cueSpikes / cueSlots).toBeCloseTo(0.04, 2);
    expect(bg / (d.size * T * 10)).toBeCloseTo(0.01, 3);
    expect(recall / (d.size * 1500)).toBeCloseTo(0.04, 2);
    expect(stray).toBe(0);
  });

  it('validates its options', () => {
    expect(() => createCueAccumulation({ cues: 6 })).toThrow(/odd/);
    expect(() => createCueAccumulation({ inputs: 42 })).toThrow(/multiple of 4/);
    expect(() => createCueAccumulation({ delay: -1 })).toThrow(InvalidArgumentError);
    expect(() => createCueAccumulation({ dealy: 5 } as never)).toThrow(/unknown option/);
  });
});

describe('adding problem', () => {
  it('hs97: values in [-1, 1], two marks (first in the first 10 steps, second in the first T/2 - 1), -1 at both ends, target in [0, 1]', () => {
    const d = createAdding({ seed: 1, size: 500, steps: 40 });
    expect([d.inputs, d.classes, d.range]).toEqual([2, 13, [0, 1]]);
    for (let n = 0; n < d.size; n++) {
      const marks: number[] = [];
      for (let t = 0; t < 40; t++) {
        const v = at(d, n, t, 0);
        expect(v >= -1 && v < 1).toBe(true);
        if (at(d, n, t, 1) === 1) marks.push(t);
      }
      expect(at(d, n, 39, 1)).toBe(-1);
      expect(at(d, n, 0, 1)).toBe(-1);
      const m = marks.length === 2 ? marks : [0, ...marks]; // a mark on step 0 shows as -1 (X = 0 there)
      expect(m).toHaveLength(2);
      expect(m[0]).toBeLessThan(19);
      expect(m.some((t) => t < 10)).toBe(true);
      const x = m.map((t) => (t === 0 ? 0 : at(d, n, t, 0)));
      expect(d.targets[n]).toBeCloseTo(0.5 + (x[0]! + x[1]!) / 4, 6);
      expect(d.labels[n]).toBe(addingClass(d.targets[n]!, [0, 1], 13));
      // the 0.04 criterion: the predicted bin's centre is within the tolerance of the target
      expect(Math.abs(d.binCenters[d.labels[n]!]! - d.targets[n]!)).toBeLessThan(0.04);
    }
    expect(Array.from(d.lossMask).reduce((a, b) => a + b)).toBe(1);
    expect(d.lossMask[39]).toBe(1);
  });

  it('modern: values in [0, 1), one mark per half, target = sum (mean 1, constant-1 MSE about 1/6)', () => {
    const d = createAdding({ seed: 2, size: 2000, steps: 20, variant: 'modern' });
    expect(d.classes).toBe(26);
    let mse = 0;
    for (let n = 0; n < d.size; n++) {
      const marks = [];
      for (let t = 0; t < 20; t++) if (at(d, n, t, 1) === 1) marks.push(t);
      expect(marks.length).toBe(2);
      expect(marks[0]).toBeLessThan(10);
      expect(marks[1]).toBeGreaterThanOrEqual(10);
      expect(d.targets[n]).toBeCloseTo(at(d, n, marks[0]!, 0) + at(d, n, marks[1]!, 0), 6);
      mse += (d.targets[n]! - 1) ** 2;
      expect(Math.abs(d.binCenters[d.labels[n]!]! - d.targets[n]!)).toBeLessThan(0.04);
    }
    expect(mse / d.size).toBeGreaterThan(0.15);
    expect(mse / d.size).toBeLessThan(0.185);
  });
});

describe('NeuroMorse-style words', () => {
  it('50 distinct clean patterns with the documented lengths (7 to 117 steps, mean 49.6, 2 to 17 spikes)', () => {
    expect(morseWords).toHaveLength(50);
    const lengths = morseWords.map((w) => morseSpikes(w).times.at(-1)! + 1);
    const spikes = morseWords.map((w) => morseSpikes(w).times.length);
    expect(Math.min(...lengths)).toBe(7);
    expect(Math.max(...lengths)).toBe(117);
    expect(lengths[morseWords.indexOf('which')]).toBe(117);
    expect(lengths.reduce((a, b) => a + b) / 50).toBeCloseTo(49.6, 1);
    expect([Math.min(...spikes), Math.max(...spikes)]).toEqual([2, 17]);
    expect(morseSpikes('a')).toEqual({ times: [0, 6], channels: [0, 1] });
    expect(morseSpikes('at')).toEqual({ times: [0, 6, 17], channels: [0, 1, 1] });
    const d = createMorse({ samplesPerWord: 1 });
    expect([d.size, d.steps, d.inputs, d.classes]).toEqual([50, 132, 2, 50]);
    const patterns = new Set(Array.from({ length: 50 }, (_, n) => bytes(d.x.subarray(n * 264, (n + 1) * 264)).toString('base64')));
    expect(patterns.size).toBe(50);
    expect(Array.from(d.lossMask.subarray(117)).every((v) => v === 1)).toBe(true);
  });

  it('noise at the NeuroMorse levels: dropout removes ~1/15 (high), Poisson adds ~0.1 per step and channel (high)', () => {
    const clean = createMorse({ samplesPerWord: 40 });
    const cleanSpikes = clean.x.reduce((a, b) => a + b, 0);
    const dropped = createMorse({ samplesPerWord: 40, dropout: 'high', seed: 1 }).x.reduce((a, b) => a + b, 0);
    expect(1 - dropped / cleanSpikes).toBeCloseTo(0.5 / 7.5, 2);
    const noisy = createMorse({ samplesPerWord: 40, poisson: 'high', seed: 1 });
    const extra = noisy.x.reduce((a, b) => a + b, 0) - cleanSpikes;
    const window = morseWords.reduce((s, w) => s + morseSpikes(w).times.at(-1)!, 0) * 40 * 2;
    expect(extra / window).toBeGreaterThan(0.08); // 0.1 per step minus collisions with word spikes / each other
    expect(extra / window).toBeLessThan(0.1);
    expect(() => createMorse({ jitter: 'medium' as never })).toThrow(/'none', 'low', 'high'/);
  });
});
