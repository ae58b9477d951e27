import { InvalidArgumentError, UnknownNameError } from '@snn/errors';
import { describe, expect, it } from 'vitest';
import { createSurrogate, heaviside, listSurrogates, registerSurrogate, type Surrogate, type SurrogateDefinition } from './index';

const N = (v: number, mu: number, sd: number): number => Math.exp(-((v - mu) ** 2) / (2 * sd * sd)) / (sd * Math.sqrt(2 * Math.PI));

/** Closed forms written independently of the implementation, straight from neurons.md section 1. */
const closedForms: Record<string, (v: number) => number> = {
  'fast-sigmoid': (v) => 1 / (1 + 25 * Math.abs(v)) ** 2,
  arctan: (v) => 1 / (1 + (Math.PI * v) ** 2),
  sigmoid: (v) => (25 * Math.exp(-25 * v)) / (1 + Math.exp(-25 * v)) ** 2,
  triangle: (v) => Math.max(0, 1 - Math.abs(v)),
  gaussian: (v) => N(v, 0, 1),
  'multi-gaussian': (v) => 0.5 * (1.15 * N(v, 0, 0.5) - 0.15 * N(v, 0.5, 3) - 0.15 * N(v, -0.5, 3)),
  'double-gaussian': (v) => 0.5 * (1.15 * N(v, 0, 0.5) - 0.3 * N(v, 0, 3)),
  'slayer-exp': (v) => 0.4 * 2.5 * Math.exp(-5 * Math.abs(v)),
};

/** Area under psi stated by neurons.md (1 for the normalised ones). */
const areas: Record<string, number> = {
  'fast-sigmoid': 2 / 25,
  arctan: 1,
  sigmoid: 1,
  triangle: 1,
  gaussian: 1,
  'multi-gaussian': 0.425,
  'double-gaussian': 0.425,
  'slayer-exp': 0.4,
};

const points = [-3, -1.27, -0.5, -0.1, -0.013, 0, 0.013, 0.1, 0.3, 0.5, 1, 1.27, 2, 7];

/** Midpoint rule on [-L, L]; arctan and fast-sigmoid have heavy tails, so they get a long range and a tail correction. */
function integrate(s: Surrogate, L: number, steps: number): number {
  const h = (2 * L) / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += s.derivative(-L + (i + 0.5) * h);
  return sum * h;
}

describe('built-in surrogates', () => {
  it('registers every surrogate of neurons.md section 1', () => {
    expect(listSurrogates()).toEqual(expect.arrayContaining(Object.keys(closedForms)));
  });

  for (const [name, psi] of Object.entries(closedForms)) {
    it(`${name} matches its closed form`, () => {
      const s = createSurrogate(name);
      expect(s.name).toBe(name);
      for (const v of points) expect(s.derivative(v)).toBeCloseTo(psi(v), 12);
    });

    it(`${name} derivativeInto equals derivative (Float32 and Float64)`, () => {
      const s = createSurrogate(name);
      const v64 = Float64Array.from({ length: 200 }, (_, i) => (i - 100) / 37);
      const out64 = new Float64Array(201).fill(-9);
      s.derivativeInto(v64, out64, 200);
      for (let i = 0; i < 200; i++) expect(out64[i]).toBe(s.derivative(v64[i]!));
      expect(out64[200]).toBe(-9); // nothing written past n
      const v32 = Float32Array.from(v64);
      const out32 = new Float32Array(200);
      s.derivativeInto(v32, out32, 200);
      for (let i = 0; i < 200; i++) expect(out32[i]).toBe(Math.fround(s.derivative(v32[i]!)));
      // in place is allowed
      s.derivativeInto(v32, v32, 200);
      expect(Array.from(v32)).toEqual(Array.from(out32));
    });

    it(`${name} integrates to the area neurons.md states`, () => {
      const s = createSurrogate(name);
      let area = integrate(s, 200, 400_000);
      if (name === 'fast-sigmoid') area += 2 / (25 * (1 + 25 * 200)); // exact tail beyond |v| = 200
      if (name === 'arctan') area += 1 - (2 / Math.PI) * Math.atan(Math.PI * 200); // exact tail
      expect(area).toBeCloseTo(areas[name]!, 4);
    });
  }

  it('gives the psi(0) values stated in vectors.md and neurons.md', () => {
    expect(createSurrogate('fast-sigmoid').derivative(0)).toBe(1);
    expect(createSurrogate({ name: 'double-gaussian', p: 0.15, s: 0.5, c: 6, gamma: 0.5 }).derivative(0)).toBeCloseTo(0.4388, 4);
    expect(createSurrogate({ name: 'slayer-exp', alpha: 5, c: 0.4 }).derivative(0)).toBeCloseTo(1, 14);
    expect(createSurrogate('multi-gaussian').derivative(0)).toBeCloseTo(0.4391, 4);
    expect(createSurrogate('sigmoid').derivative(0)).toBeCloseTo(25 / 4, 14);
    expect(createSurrogate('arctan').derivative(0)).toBe(1);
  });

  it('double-gaussian turns negative at |v| = 1.270 with a minimum near -0.0160', () => {
    const s = createSurrogate('double-gaussian');
    expect(s.derivative(1.26)).toBeGreaterThan(0);
    expect(s.derivative(1.28)).toBeLessThan(0);
    expect(s.derivative(-1.28)).toBeLessThan(0);
    let min = Infinity;
    for (let v = 0; v < 6; v += 1e-3) min = Math.min(min, s.derivative(v));
    expect(min).toBeCloseTo(-0.016, 3);
  });

  it('multi-gaussian differs from double-gaussian (side lobes at +-s)', () => {
    const mg = createSurrogate('multi-gaussian');
    const dg = createSurrogate('double-gaussian');
    expect(Math.abs(mg.derivative(0) - dg.derivative(0))).toBeGreaterThan(1e-4);
  });

  it('the surrogates are even functions', () => {
    for (const name of Object.keys(closedForms)) {
      const s = createSurrogate(name);
      for (const v of points) expect(s.derivative(-v)).toBeCloseTo(s.derivative(v), 14);
    }
  });

  it('sigmoid stays finite for large |v| (no exp overflow)', () => {
    const s = createSurrogate({ name: 'sigmoid', slope: 100 });
    expect(s.derivative(-1e3)).toBe(0);
    expect(s.derivative(1e3)).toBe(0);
  });

  it('options override defaults and are reported resolved', () => {
    const s = createSurrogate({ name: 'fast-sigmoid', slope: 10 });
    expect(s.options).toEqual({ slope: 10 });
    expect(s.derivative(0.1)).toBeCloseTo(1 / 4, 14);
    expect(createSurrogate('double-gaussian').options).toEqual({ p: 0.15, s: 0.5, c: 6, gamma: 0.5 });
    expect(createSurrogate({ name: 'slayer-exp', c: 0.2 }).options).toEqual({ alpha: 5, c: 0.2 });
    expect(createSurrogate({ name: 'triangle', width: 0.5, height: 2 }).derivative(0.25)).toBeCloseTo(1, 14);
    expect(Object.isFrozen(s.options)).toBe(true);
  });
});

describe('errors', () => {
  it('unknown name throws UnknownNameError listing the registered names', () => {
    let error: unknown;
    try {
      createSurrogate('fast-sigmod');
    } catch (e) {
      error = e;
    }
    expect(UnknownNameError.isInstance(error)).toBe(true);
    expect((error as UnknownNameError).available).toContain('fast-sigmoid');
    expect((error as Error).message).toMatch(/unknown surrogate "fast-sigmod"; available: .*fast-sigmoid/);
  });

  it('unknown option throws InvalidArgumentError naming it and the valid ones', () => {
    expect(() => createSurrogate({ name: 'fast-sigmoid', slop: 25 })).toThrow(/"slop".*valid options: slope/);
    expect(() => createSurrogate({ name: 'fast-sigmoid', slop: 25 })).toThrow(InvalidArgumentError);
  });

  it('non-finite or non-numeric options throw InvalidArgumentError', () => {
    expect(() => createSurrogate({ name: 'fast-sigmoid', slope: NaN })).toThrow(/"slope".*finite number/);
    expect(() => createSurrogate({ name: 'arctan', alpha: Infinity })).toThrow(InvalidArgumentError);
    expect(() => createSurrogate({ name: 'double-gaussian', s: '0.5' })).toThrow(/"s".*finite number.*valid options: p, s, c, gamma/);
  });

  it('out-of-range options throw InvalidArgumentError', () => {
    expect(() => createSurrogate({ name: 'fast-sigmoid', slope: 0 })).toThrow(/fast-sigmoid\.slope: must be a finite number > 0/);
    expect(() => createSurrogate({ name: 'gaussian', sigma: -1 })).toThrow(InvalidArgumentError);
    expect(() => createSurrogate({ name: 'triangle', width: 0 })).toThrow(InvalidArgumentError);
  });

  it('a malformed spec throws InvalidArgumentError', () => {
    expect(() => createSurrogate({} as never)).toThrow(InvalidArgumentError);
    expect(() => createSurrogate(null as never)).toThrow(InvalidArgumentError);
  });

  it('derivativeInto rejects an n larger than either array', () => {
    const s = createSurrogate('fast-sigmoid');
    expect(() => s.derivativeInto(new Float32Array(3), new Float32Array(2), 3)).toThrow(InvalidArgumentError);
    expect(() => s.derivativeInto(new Float32Array(3), new Float32Array(3), -1)).toThrow(InvalidArgumentError);
    expect(() => s.derivativeInto(new Float32Array(3), new Float32Array(3), 1.5)).toThrow(InvalidArgumentError);
  });
});

describe('registry', () => {
  const boxcar: SurrogateDefinition = {
    name: 'test-boxcar',
    description: 'psi(v) = height for |v| < 1/(2 height)',
    defaults: { height: 1 },
    create: (o) => {
      const h = o.height ?? 1;
      const psi = (v: number): number => (Math.abs(v) < 0.5 / h ? h : 0);
      return {
        name: 'test-boxcar',
        options: { height: h },
        derivative: psi,
        derivativeInto: (v, out, n) => {
          for (let i = 0; i < n; i++) out[i] = psi(v[i]!);
        },
      };
    },
  };

  it('registers a user surrogate and creates it by name with options', () => {
    registerSurrogate(boxcar);
    expect(listSurrogates()).toContain('test-boxcar');
    expect(createSurrogate({ name: 'test-boxcar', height: 2 }).derivative(0.2)).toBe(2);
    expect(createSurrogate({ name: 'test-boxcar', height: 2 }).derivative(0.3)).toBe(0);
  });

  it('re-registering without override throws; with override replaces', () => {
    expect(() => registerSurrogate(boxcar)).toThrow(/already registered.*override/);
    expect(() => registerSurrogate({ ...boxcar, name: 'fast-sigmoid' })).toThrow(InvalidArgumentError);
    registerSurrogate({ ...boxcar, defaults: { height: 4 } }, { override: true });
    expect(createSurrogate('test-boxcar').derivative(0)).toBe(4);
  });

  it('rejects malformed definitions', () => {
    expect(() => registerSurrogate({ ...boxcar, name: '' })).toThrow(InvalidArgumentError);
    expect(() => registerSurrogate({ ...boxcar, name: 'x', defaults: { height: NaN } })).toThrow(/defaults\.height/);
    expect(() => registerSurrogate({ ...boxcar, name: 'y', create: undefined as never })).toThrow(/create/);
  });

  it('lives in the global slot shared by duplicate installs', () => {
    const table = (globalThis as Record<symbol, unknown>)[Symbol.for('@snn/registry/surrogate')] as Map<string, SurrogateDefinition>;
    expect(table).toBeInstanceOf(Map);
    expect(table.get('test-boxcar')?.name).toBe('test-boxcar');
    // A definition placed there by another copy is visible here.
    table.set('foreign-copy', { ...boxcar, name: 'foreign-copy' });
    expect(listSurrogates()).toContain('foreign-copy');
    expect(createSurrogate('foreign-copy').derivative(0)).toBe(1);
    table.delete('foreign-copy');
  });
});

describe('heaviside', () => {
  it('is strict at 0', () => {
    expect(heaviside(0)).toBe(0);
    expect(heaviside(-0)).toBe(0);
    expect(heaviside(1e-12)).toBe(1);
    expect(heaviside(-1e-12)).toBe(0);
    expect(heaviside(NaN)).toBe(0);
  });
});
