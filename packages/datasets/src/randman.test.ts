import { InvalidArgumentError } from '@snn/errors';
import { describe, expect, it } from 'vitest';
import { createRandman, randmanDefaults, type SequenceDataset } from './index';

const small = { classes: 4, inputs: 12, steps: 20, samplesPerClass: 25 };

/** spike[n][j] = the step at which unit j of sequence n fires; throws unless exactly one spike. */
function spikeSteps(d: SequenceDataset): Int32Array {
  const out = new Int32Array(d.size * d.inputs).fill(-1);
  for (let n = 0; n < d.size; n++) {
    for (let t = 0; t < d.steps; t++) {
      for (let j = 0; j < d.inputs; j++) {
        const v = d.x[(n * d.steps + t) * d.inputs + j]!;
        if (v === 0) continue;
        if (v !== 1) throw new Error(`x holds ${v}, expected 0 or 1`);
        if (out[n * d.inputs + j] !== -1) throw new Error(`unit ${j} of sequence ${n} fires twice`);
        out[n * d.inputs + j] = t;
      }
    }
  }
  return out;
}

describe('createRandman', () => {
  it('has the documented default shape', () => {
    const d = createRandman({});
    expect(randmanDefaults).toMatchObject({ classes: 10, inputs: 30, steps: 50, samplesPerClass: 300, manifoldDim: 1, alpha: 2 });
    expect([d.name, d.size, d.steps, d.inputs, d.classes]).toEqual(['randman', 3000, 50, 30, 10]);
    expect(d.x.length).toBe(3000 * 50 * 30);
    expect(d.labels.length).toBe(3000);
  });

  it('is deterministic under the seed and changes with it', () => {
    const a = createRandman({ ...small, seed: 5 });
    const b = createRandman({ ...small, seed: 5 });
    const c = createRandman({ ...small, seed: 6 });
    expect(a.x).toEqual(b.x);
    expect(a.labels).toEqual(b.labels);
    expect(a.x).not.toEqual(c.x);
  });

  it('pins the spike times of one small dataset (guards cross-version and cross-platform stability)', () => {
    const d = createRandman({ classes: 2, inputs: 4, steps: 10, samplesPerClass: 3, seed: 42, shuffle: false });
    expect(Array.from(spikeSteps(d))).toEqual([9, 9, 9, 0, 0, 0, 1, 9, 8, 8, 0, 3, 9, 0, 0, 0, 0, 7, 9, 9, 2, 9, 9, 0]);
  });

  it('fires exactly one spike per input unit per sequence', () => {
    const d = createRandman({ ...small, manifoldDim: 2, alpha: 1.5 });
    const steps = spikeSteps(d);
    expect(steps.every((t) => t >= 0 && t < d.steps)).toBe(true);
    let total = 0;
    for (const v of d.x) total += v;
    expect(total).toBe(d.size * d.inputs);
  });

  it('balances the classes and shuffles them', () => {
    const d = createRandman(small);
    const counts = new Array<number>(small.classes).fill(0);
    for (const l of d.labels) counts[l]!++;
    expect(counts).toEqual([25, 25, 25, 25]);
    expect(Array.from(d.labels.slice(0, 25)).every((l) => l === 0)).toBe(false);
    const grouped = createRandman({ ...small, shuffle: false });
    expect(Array.from(grouped.labels)).toEqual(Array.from({ length: 100 }, (_, n) => Math.floor(n / 25)));
  });

  it("spans [0, T) per class and unit, as the reference's per-class standardisation implies", () => {
    const d = createRandman({ ...small, shuffle: false });
    const steps = spikeSteps(d);
    for (let c = 0; c < small.classes; c++) {
      for (let j = 0; j < small.inputs; j++) {
        let min = Infinity;
        let max = -Infinity;
        for (let n = c * 25; n < (c + 1) * 25; n++) {
          min = Math.min(min, steps[n * small.inputs + j]!);
          max = Math.max(max, steps[n * small.inputs + j]!);
        }
        expect(min).toBe(0);
        expect(max).toBe(small.steps - 1);
      }
    }
  });

  it('stepFraction compresses spike times into the first part of the sequence', () => {
    const d = createRandman({ ...small, stepFraction: 0.5 });
    const steps = spikeSteps(d);
    expect(Math.max(...steps)).toBe(9);
  });

  it('classes differ: per-class mean spike times are far apart, samples within a class are smooth in x', () => {
    // With d = 1 a class is a curve; neighbouring points on it have similar spike patterns, so the
    // nearest neighbour (in spike-time space) of a sequence is almost always of the same class.
    const d = createRandman({ classes: 5, inputs: 20, steps: 50, samplesPerClass: 60, seed: 3 });
    const steps = spikeSteps(d);
    let agree = 0;
    for (let n = 0; n < d.size; n++) {
      let best = -1;
      let bestDistance = Infinity;
      for (let m = 0; m < d.size; m++) {
        if (m === n) continue;
        let dist = 0;
        for (let j = 0; j < d.inputs; j++) dist += (steps[n * d.inputs + j]! - steps[m * d.inputs + j]!) ** 2;
        if (dist < bestDistance) [best, bestDistance] = [m, dist];
      }
      if (d.labels[best] === d.labels[n]) agree++;
    }
    expect(agree / d.size).toBeGreaterThan(0.9);
  });

  it('alpha sets the smoothness: rougher manifolds (alpha 1) change faster along the curve', () => {
    // Rougher manifolds wiggle more between nearby points, so the nearest other sample in
    // spike-time space is farther away on average.
    const roughness = (alpha: number): number => {
      const d = createRandman({ classes: 1, inputs: 30, steps: 100, samplesPerClass: 200, alpha, shuffle: false, seed: 9 });
      const s = spikeSteps(d);
      let sum = 0;
      for (let n = 0; n < d.size; n++) {
        let best = Infinity;
        for (let m = 0; m < d.size; m++) {
          if (m === n) continue;
          let dist = 0;
          for (let j = 0; j < d.inputs; j++) dist += Math.abs(s[n * d.inputs + j]! - s[m * d.inputs + j]!);
          best = Math.min(best, dist);
        }
        sum += best;
      }
      return sum / d.size;
    };
    expect(roughness(1)).toBeGreaterThan(roughness(3));
  });

  it('accepts smoothness as an alias of alpha', () => {
    expect(createRandman({ ...small, smoothness: 1.5 }).x).toEqual(createRandman({ ...small, alpha: 1.5 }).x);
    expect(() => createRandman({ ...small, alpha: 2, smoothness: 1 })).toThrow(/alias of alpha/);
  });

  it('rejects bad options with InvalidArgumentError naming the option', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ classes: 0 }, /"classes".*positive integer/],
      [{ inputs: 2.5 }, /"inputs"/],
      [{ steps: -1 }, /"steps"/],
      [{ samplesPerClass: '10' }, /"samplesPerClass"/],
      [{ alpha: 0 }, /"alpha"/],
      [{ seed: 0.5 }, /"seed"/],
      [{ stepFraction: 1.5 }, /"stepFraction"/],
      [{ shuffle: 'yes' }, /"shuffle"/],
      [{ precision: 2 }, /"precision"/],
      [{ clases: 10 }, /"clases".*valid options: seed, classes/],
      [{ classes: 100000, samplesPerClass: 100000 }, /too large/],
    ];
    for (const [options, message] of bad) {
      expect(() => createRandman(options as never), JSON.stringify(options)).toThrow(InvalidArgumentError);
      expect(() => createRandman(options as never)).toThrow(message);
    }
  });
});
