import { InvalidArgumentError } from '@snn/errors';
import type { Surrogate, SurrogateDefinition } from './types';

type Options = Readonly<Record<string, number>>;
type Vector = Float32Array | Float64Array;

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * Built-in definitions receive options already merged with their defaults by `createSurrogate`,
 * but `create` is public (a caller may pass partial options directly), so merge again here.
 * `create` never relies on `this`, so it may be detached from its definition.
 */
function define(
  name: string,
  description: string,
  defaults: Options,
  build: (options: Options) => Surrogate,
): SurrogateDefinition {
  const frozen = Object.freeze({ ...defaults });
  return Object.freeze({
    name,
    description,
    defaults: frozen,
    create: (options: Options) => build(Object.freeze({ ...frozen, ...options })),
  });
}

function requirePositive(surrogate: string, options: Options, ...keys: string[]): void {
  for (const key of keys) {
    const value = options[key]!;
    if (!(value > 0)) throw new InvalidArgumentError(`${surrogate}.${key}`, `must be a finite number > 0, got ${value}`);
  }
}

function requireNonNegative(surrogate: string, options: Options, ...keys: string[]): void {
  for (const key of keys) {
    const value = options[key]!;
    if (!(value >= 0)) throw new InvalidArgumentError(`${surrogate}.${key}`, `must be a finite number >= 0, got ${value}`);
  }
}

function checkCount(v: Vector, out: Vector, n: number): void {
  // O(1) guard: a too-large n would silently read undefined (NaN) or drop writes on typed arrays.
  if (!(Number.isInteger(n) && n >= 0 && n <= v.length && n <= out.length)) {
    throw new InvalidArgumentError('n', `must be an integer in [0, min(v.length, out.length)] = [0, ${Math.min(v.length, out.length)}], got ${n}`);
  }
}

// Each surrogate writes its own derivativeInto loop instead of sharing one loop that calls
// `derivative`: a shared loop's call site would see every surrogate and turn megamorphic,
// which stops V8 from inlining the formula in the hot backward pass.

/** 1.1 SuperSpike / snnTorch fast sigmoid: peak 1, area 2/slope (unnormalised on purpose). */
const fastSigmoid = define(
  'fast-sigmoid',
  'psi(v) = 1 / (1 + slope |v|)^2 (SuperSpike, snnTorch fast_sigmoid); peak 1, area 2/slope',
  { slope: 25 },
  (o) => {
    requirePositive('fast-sigmoid', o, 'slope');
    const k = o.slope!;
    return {
      name: 'fast-sigmoid',
      options: o,
      derivative(v) {
        const d = 1 + k * Math.abs(v);
        return 1 / (d * d);
      },
      derivativeInto(v, out, n) {
        checkCount(v, out, n);
        for (let i = 0; i < n; i++) {
          const d = 1 + k * Math.abs(v[i]!);
          out[i] = 1 / (d * d);
        }
      },
    } satisfies Surrogate;
  },
);

/** 1.2 arctan (snnTorch atan): area 1, peak alpha/2. */
const arctan = define(
  'arctan',
  'psi(v) = (alpha/2) / (1 + (pi alpha v / 2)^2) (snnTorch atan); peak alpha/2, area 1',
  { alpha: 2 },
  (o) => {
    requirePositive('arctan', o, 'alpha');
    const half = o.alpha! / 2;
    const scale = (Math.PI * o.alpha!) / 2;
    return {
      name: 'arctan',
      options: o,
      derivative(v) {
        const a = scale * v;
        return half / (1 + a * a);
      },
      derivativeInto(v, out, n) {
        checkCount(v, out, n);
        for (let i = 0; i < n; i++) {
          const a = scale * v[i]!;
          out[i] = half / (1 + a * a);
        }
      },
    } satisfies Surrogate;
  },
);

/** 1.3 logistic sigmoid derivative (snnTorch sigmoid): area 1, peak slope/4. */
const sigmoid = define(
  'sigmoid',
  'psi(v) = slope e^(-slope v) / (1 + e^(-slope v))^2 (snnTorch sigmoid); peak slope/4, area 1',
  { slope: 25 },
  (o) => {
    requirePositive('sigmoid', o, 'slope');
    const k = o.slope!;
    // The function is even, so evaluate with e^(-k|v|) <= 1: no overflow to Infinity/Infinity = NaN.
    return {
      name: 'sigmoid',
      options: o,
      derivative(v) {
        const e = Math.exp(-k * Math.abs(v));
        const d = 1 + e;
        return (k * e) / (d * d);
      },
      derivativeInto(v, out, n) {
        checkCount(v, out, n);
        for (let i = 0; i < n; i++) {
          const e = Math.exp(-k * Math.abs(v[i]!));
          const d = 1 + e;
          out[i] = (k * e) / (d * d);
        }
      },
    } satisfies Surrogate;
  },
);

/** 1.4 triangle: height * max(0, 1 - |v|/width); area height * width. */
const triangle = define(
  'triangle',
  'psi(v) = height * max(0, 1 - |v| / width) (piecewise linear; BRF LIF baseline with defaults); area height*width',
  { width: 1, height: 1 },
  (o) => {
    requirePositive('triangle', o, 'width');
    requireNonNegative('triangle', o, 'height');
    const h = o.height!;
    const inv = 1 / o.width!;
    return {
      name: 'triangle',
      options: o,
      derivative(v) {
        const r = 1 - Math.abs(v) * inv;
        return r > 0 ? h * r : 0;
      },
      derivativeInto(v, out, n) {
        checkCount(v, out, n);
        for (let i = 0; i < n; i++) {
          const r = 1 - Math.abs(v[i]!) * inv;
          out[i] = r > 0 ? h * r : 0;
        }
      },
    } satisfies Surrogate;
  },
);

/** 1.5 gaussian: gamma * N(v; 0, sigma); area gamma. Defaults = BRF repo's standard normal. */
const gaussian = define(
  'gaussian',
  'psi(v) = gamma N(v; 0, sigma) (normalised Gaussian; defaults = standard normal); area gamma',
  { sigma: 1, gamma: 1 },
  (o) => {
    requirePositive('gaussian', o, 'sigma');
    requireNonNegative('gaussian', o, 'gamma');
    const a = o.gamma! / (o.sigma! * SQRT_2PI);
    const b = -1 / (2 * o.sigma! * o.sigma!);
    return {
      name: 'gaussian',
      options: o,
      derivative(v) {
        return a * Math.exp(b * v * v);
      },
      derivativeInto(v, out, n) {
        checkCount(v, out, n);
        for (let i = 0; i < n; i++) {
          const x = v[i]!;
          out[i] = a * Math.exp(b * x * x);
        }
      },
    } satisfies Surrogate;
  },
);

/** 1.6 Yin et al. multi-Gaussian: side lobes centred at +-s; area gamma (1 - h). */
const multiGaussian = define(
  'multi-gaussian',
  'psi(v) = gamma [(1 + h) N(v; 0, s) - h N(v; s, c s) - h N(v; -s, c s)] (Yin, Corradi, Bohte 2021); psi(0) = 0.4391, area 0.425',
  { h: 0.15, s: 0.5, c: 6, gamma: 0.5 },
  (o) => {
    requirePositive('multi-gaussian', o, 's', 'c');
    requireNonNegative('multi-gaussian', o, 'h', 'gamma');
    const { h, s, c, gamma } = o as Record<'h' | 's' | 'c' | 'gamma', number>;
    const wide = c * s;
    const a0 = (gamma * (1 + h)) / (s * SQRT_2PI);
    const b0 = -1 / (2 * s * s);
    const a1 = (gamma * h) / (wide * SQRT_2PI);
    const b1 = -1 / (2 * wide * wide);
    const psi = (x: number): number => {
      const l = x - s;
      const r = x + s;
      return a0 * Math.exp(b0 * x * x) - a1 * (Math.exp(b1 * l * l) + Math.exp(b1 * r * r));
    };
    return {
      name: 'multi-gaussian',
      options: o,
      derivative: psi,
      derivativeInto(v, out, n) {
        checkCount(v, out, n);
        for (let i = 0; i < n; i++) {
          const x = v[i]!;
          const l = x - s;
          const r = x + s;
          out[i] = a0 * Math.exp(b0 * x * x) - a1 * (Math.exp(b1 * l * l) + Math.exp(b1 * r * r));
        }
      },
    } satisfies Surrogate;
  },
);

/** 1.7 BRF double Gaussian (= vectors.md `double-gaussian`): both Gaussians centred at 0. */
const doubleGaussian = define(
  'double-gaussian',
  'psi(v) = gamma [(1 + p) N(v; 0, s) - 2 p N(v; 0, c s)] (BRF cell, Higuchi et al. 2024); psi(0) = 0.4388, area 0.425',
  { p: 0.15, s: 0.5, c: 6, gamma: 0.5 },
  (o) => {
    requirePositive('double-gaussian', o, 's', 'c');
    requireNonNegative('double-gaussian', o, 'p', 'gamma');
    const { p, s, c, gamma } = o as Record<'p' | 's' | 'c' | 'gamma', number>;
    const wide = c * s;
    const a0 = (gamma * (1 + p)) / (s * SQRT_2PI);
    const b0 = -1 / (2 * s * s);
    const a1 = (gamma * 2 * p) / (wide * SQRT_2PI);
    const b1 = -1 / (2 * wide * wide);
    return {
      name: 'double-gaussian',
      options: o,
      derivative(v) {
        const q = v * v;
        return a0 * Math.exp(b0 * q) - a1 * Math.exp(b1 * q);
      },
      derivativeInto(v, out, n) {
        checkCount(v, out, n);
        for (let i = 0; i < n; i++) {
          const q = v[i]! * v[i]!;
          out[i] = a0 * Math.exp(b0 * q) - a1 * Math.exp(b1 * q);
        }
      },
    } satisfies Surrogate;
  },
);

/** 1.8 SE-adLIF's SLAYER-style exponential: peak c alpha / 2, area c. */
const slayerExp = define(
  'slayer-exp',
  'psi(v) = c alpha / 2 exp(-alpha |v|) (SLAYER-style, SE-adLIF); psi(0) = 1 with defaults, area c',
  { alpha: 5, c: 0.4 },
  (o) => {
    requirePositive('slayer-exp', o, 'alpha');
    requireNonNegative('slayer-exp', o, 'c');
    const alpha = o.alpha!;
    const peak = (o.c! * alpha) / 2;
    return {
      name: 'slayer-exp',
      options: o,
      derivative(v) {
        return peak * Math.exp(-alpha * Math.abs(v));
      },
      derivativeInto(v, out, n) {
        checkCount(v, out, n);
        for (let i = 0; i < n; i++) out[i] = peak * Math.exp(-alpha * Math.abs(v[i]!));
      },
    } satisfies Surrogate;
  },
);

/** In registration order; the first is the canonical default of @snn. */
export const builtinDefinitions: readonly SurrogateDefinition[] = [
  fastSigmoid,
  arctan,
  sigmoid,
  triangle,
  gaussian,
  multiGaussian,
  doubleGaussian,
  slayerExp,
];
