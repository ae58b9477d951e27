import { InvalidArgumentError } from '@snn/errors';
import { describe, expect, it } from 'vitest';
import { createRandom } from './index';
import { portableLog } from './log';
import { Xoshiro128 } from './random';

function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(sq / (values.length - 1)) };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = meanStd(a);
  const mb = meanStd(b);
  let c = 0;
  for (let i = 0; i < a.length; i++) c += (a[i]! - ma.mean) * (b[i]! - mb.mean);
  return c / ((a.length - 1) * ma.std * mb.std);
}

describe('generator', () => {
  it('is xoshiro128** (reference outputs from state [1, 2, 3, 4])', () => {
    const r = new Xoshiro128([1, 2, 3, 4]);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([11520, 0, 5927040]);
  });

  it('same seed gives the same sequence; pinned first values guard cross-platform stability', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const xs = Array.from({ length: 1000 }, () => a.nextUint32());
    const ys = Array.from({ length: 1000 }, () => b.nextUint32());
    expect(xs).toEqual(ys);
    // Pinned: these must never change, or every seeded experiment changes.
    expect(xs.slice(0, 4)).toEqual([1870328254, 3023019901, 56933031, 34824901]);
    const n = createRandom(7);
    expect([n.normal(), n.normal(), n.normal()]).toEqual([-0.8741893493448767, 0.6596724465357441, -0.17869310686385032]);
  });

  it('different seeds, including seeds differing only above bit 31 or in sign, differ', () => {
    const first = (seed: number): number[] => {
      const r = createRandom(seed);
      return [r.nextUint32(), r.nextUint32()];
    };
    const seen = new Set([0, 1, 2, -1, 2 ** 32, 2 ** 33, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -(2 ** 40)].map((s) => first(s).join()));
    expect(seen.size).toBe(9);
  });

  it('rejects seeds that are not safe integers', () => {
    for (const bad of [0.5, NaN, Infinity, 2 ** 60, '1' as unknown as number]) {
      expect(() => createRandom(bad)).toThrow(InvalidArgumentError);
    }
  });
});

describe('distributions', () => {
  it('next() is in [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = createRandom(1);
    const xs = Array.from({ length: 200_000 }, () => r.next());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const { mean, std } = meanStd(xs);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(std).toBeCloseTo(Math.sqrt(1 / 12), 2);
    // Each of 10 bins holds about 10%.
    const bins = new Array<number>(10).fill(0);
    for (const x of xs) bins[Math.floor(x * 10)]!++;
    for (const b of bins) expect(Math.abs(b / xs.length - 0.1)).toBeLessThan(0.005);
  });

  it('uniform(lo, hi) stays in [lo, hi)', () => {
    const r = createRandom(2);
    const xs = Array.from({ length: 10_000 }, () => r.uniform(-3, 5));
    expect(xs.every((x) => x >= -3 && x < 5)).toBe(true);
    expect(Math.min(...xs)).toBeLessThan(-2.99);
    expect(Math.max(...xs)).toBeGreaterThan(4.99);
    expect(r.uniform(2, 2)).toBe(2);
    expect(() => r.uniform(1, 0)).toThrow(InvalidArgumentError);
    expect(() => r.uniform(0, Infinity)).toThrow(InvalidArgumentError);
  });

  it('normal has the requested mean and std and is symmetric', () => {
    const r = createRandom(3);
    const xs = Array.from({ length: 200_000 }, () => r.normal(2, 3));
    const { mean, std } = meanStd(xs);
    expect(Math.abs(mean - 2)).toBeLessThan(0.03);
    expect(Math.abs(std - 3)).toBeLessThan(0.03);
    const within1 = xs.filter((x) => Math.abs(x - 2) < 3).length / xs.length;
    expect(within1).toBeCloseTo(0.6827, 2);
    expect(() => r.normal(0, -1)).toThrow(InvalidArgumentError);
    expect(r.normal(5, 0)).toBe(5);
  });

  it('bernoulli(p) has rate p and accepts only probabilities', () => {
    const r = createRandom(4);
    let ones = 0;
    for (let i = 0; i < 100_000; i++) ones += r.bernoulli(0.3);
    expect(ones / 100_000).toBeCloseTo(0.3, 2);
    expect(r.bernoulli(0)).toBe(0);
    expect(r.bernoulli(1)).toBe(1);
    expect(() => r.bernoulli(1.5)).toThrow(InvalidArgumentError);
    expect(() => r.bernoulli(NaN)).toThrow(InvalidArgumentError);
  });

  it('int(n) covers [0, n) uniformly and validates n', () => {
    const r = createRandom(5);
    const counts = new Array<number>(7).fill(0);
    let valid = true;
    for (let i = 0; i < 70_000; i++) {
      const k = r.int(7);
      valid &&= Number.isInteger(k) && k >= 0 && k < 7;
      counts[k]!++;
    }
    expect(valid).toBe(true);
    for (const c of counts) expect(Math.abs(c / 70_000 - 1 / 7)).toBeLessThan(0.006);
    expect(r.int(1)).toBe(0);
    const big = r.int(2 ** 32);
    expect(big >= 0 && big < 2 ** 32).toBe(true);
    for (const bad of [0, -1, 2.5, 2 ** 32 + 1]) expect(() => r.int(bad)).toThrow(InvalidArgumentError);
  });

  it('shuffle permutes in place, is seeded, and reaches every permutation evenly', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const r = createRandom(6);
    expect(r.shuffle(a)).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(createRandom(6).shuffle(Array.from({ length: 50 }, (_, i) => i))).toEqual(a);
    const typed = createRandom(6).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(typed)).toEqual(a);
    // All 6 orders of 3 items, about 1/6 each.
    const counts = new Map<string, number>();
    const s = createRandom(8);
    for (let i = 0; i < 60_000; i++) {
      const key = s.shuffle([0, 1, 2]).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c / 60_000 - 1 / 6)).toBeLessThan(0.01);
  });
});

describe('fork', () => {
  it('gives streams independent of the parent and of each other', () => {
    const parent = createRandom(9);
    const a = parent.fork('a');
    const b = parent.fork('b');
    const n = 50_000;
    const p = Float64Array.from({ length: n }, () => parent.next());
    const x = Float64Array.from({ length: n }, () => a.next());
    const y = Float64Array.from({ length: n }, () => b.next());
    for (const [u, v] of [[p, x], [p, y], [x, y]] as const) expect(Math.abs(correlation(u, v))).toBeLessThan(0.02);
    expect(Array.from(x.slice(0, 10))).not.toEqual(Array.from(y.slice(0, 10)));
  });

  it('a labelled fork does not depend on how far the parent has run, and does not advance it', () => {
    const r1 = createRandom(10);
    const r2 = createRandom(10);
    for (let i = 0; i < 123; i++) r2.next();
    expect(r1.fork('data').next()).toBe(r2.fork('data').next());
    const r3 = createRandom(10);
    r3.fork('x');
    r3.fork();
    expect(r3.next()).toBe(createRandom(10).next());
  });

  it('unlabelled forks differ from each other but are reproducible; fork("0") is not fork()', () => {
    const r = createRandom(11);
    const f0 = r.fork().next();
    const f1 = r.fork().next();
    expect(f0).not.toBe(f1);
    const s = createRandom(11);
    expect(s.fork().next()).toBe(f0);
    expect(s.fork().next()).toBe(f1);
    expect(createRandom(11).fork('0').next()).not.toBe(f0);
  });

  it('forks of different seeds differ, and forks nest', () => {
    expect(createRandom(1).fork('a').next()).not.toBe(createRandom(2).fork('a').next());
    const deep = createRandom(1).fork('a').fork('b').next();
    expect(createRandom(1).fork('a').fork('b').next()).toBe(deep);
    expect(createRandom(1).fork('b').fork('a').next()).not.toBe(deep);
  });
});

describe('fill helpers', () => {
  it('fillUniform, fillNormal and fillBernoulli match the scalar draws of the same stream', () => {
    const u = createRandom(12).fillUniform(new Float64Array(100), -1, 1);
    const su = createRandom(12);
    expect(Array.from(u)).toEqual(Array.from({ length: 100 }, () => su.uniform(-1, 1)));
    const g = createRandom(13).fillNormal(new Float64Array(101), 1, 2);
    const sg = createRandom(13);
    expect(Array.from(g)).toEqual(Array.from({ length: 101 }, () => sg.normal(1, 2)));
    const bern = createRandom(14).fillBernoulli(new Uint8Array(100), 0.25);
    const sb = createRandom(14);
    expect(Array.from(bern)).toEqual(Array.from({ length: 100 }, () => sb.bernoulli(0.25)));
  });

  it('fill statistics: Float32 normals and Bernoulli rate', () => {
    const r = createRandom(15);
    const g = r.fillNormal(new Float32Array(100_000));
    const { mean, std } = meanStd(g);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(std - 1)).toBeLessThan(0.02);
    const f = r.fillUniform(new Float32Array(10_000));
    expect(f.every((x) => x >= 0 && x < 1)).toBe(true);
    const b = r.fillBernoulli(new Float32Array(100_000), 0.1);
    expect(b.every((x) => x === 0 || x === 1)).toBe(true);
    expect(meanStd(b).mean).toBeCloseTo(0.1, 2);
  });

  it('fill helpers validate their arguments', () => {
    const r = createRandom(16);
    expect(() => r.fillUniform(new Float32Array(2), 1, 0)).toThrow(InvalidArgumentError);
    expect(() => r.fillNormal(new Float32Array(2), 0, NaN)).toThrow(InvalidArgumentError);
    expect(() => r.fillBernoulli(new Float32Array(2), -0.1)).toThrow(InvalidArgumentError);
  });
});

describe('portableLog', () => {
  it('agrees with Math.log to about 1 ulp over the whole range', () => {
    const r = createRandom(17);
    const xs = [1, 2, 0.5, Math.E, 1e-300, 5e-324, 1.7976931348623157e308, 0.9999999999, 1.0000000001];
    for (let i = 0; i < 20_000; i++) xs.push(r.next(), Math.exp(r.uniform(-700, 700)));
    for (const x of xs) {
      const expected = Math.log(x);
      expect(Math.abs(portableLog(x) - expected)).toBeLessThanOrEqual(2 * Number.EPSILON * Math.max(1, Math.abs(expected)));
    }
    expect(portableLog(1)).toBe(0);
    expect(portableLog(0)).toBe(-Infinity);
    expect(portableLog(-1)).toBeNaN();
    expect(portableLog(Infinity)).toBe(Infinity);
  });
});
