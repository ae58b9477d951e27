import { InvalidArgumentError } from '@snn/errors';
import { createRandom, type Random } from '@snn/random';
import type { SequenceDataset } from './types';
import { integerSeed, positiveInteger } from './validate';

/** Options of {@link createRandman}; every one is optional. */
export interface RandmanOptions {
  /** Seed of everything (manifolds, sample points, order). Default 0. */
  seed?: number;
  /** C, number of classes; each class is its own random manifold. Default 10. */
  classes?: number;
  /** D, input units (embedding dimension of the manifold). Default 30. */
  inputs?: number;
  /** T, time steps per sequence. Default 50. */
  steps?: number;
  /** Sequences per class (N = classes * samplesPerClass). Default 300. */
  samplesPerClass?: number;
  /** d, intrinsic dimension of each manifold. Default 1. */
  manifoldDim?: number;
  /** Spectral fall-off of the random Fourier series: larger = smoother manifolds. Default 2. */
  alpha?: number;
  /** Alias of `alpha` (the reference calls alpha the smoothness). */
  smoothness?: number;
  /** Spike times are scaled to [0, T * stepFraction). Default 1 (the whole sequence). */
  stepFraction?: number;
  /** Shuffle the sequences (else they are grouped by class). Default true. */
  shuffle?: boolean;
  /** Keep the constant (frequency 0) Fourier term (reference `use_bias`). Default false. */
  bias?: boolean;
  /** Truncation precision: F = min(ceil(precision^(-1/alpha)), maxFrequencies). Default 1e-3. */
  precision?: number;
  /** Upper bound on the number of Fourier terms F. Default 1000. */
  maxFrequencies?: number;
  /**
   * 'time' (T-Randman, the default): one spike per unit at step floor(y' T).
   * 'rate' (R-Randman, OTPE's `time_encode = false`): unit j is on at every step t <= floor(y' T),
   * then each (sample, unit) series is permuted along time independently, so only the spike count
   * floor(y' T) + 1 carries the value (datasets.md 4.3).
   */
  encoding?: 'time' | 'rate';
}

/**
 * The defaults of `createRandman({})`, the dataset `snn train` uses with no arguments. Chosen
 * small enough for pure-JS BPTT on two cores and still non-trivial: 10 classes of 1-D manifolds
 * (alpha 2, the reference's smoothness) seen through 30 units over 50 steps, 300 sequences per
 * class (3000 in all). A 128-neuron recurrent LIF net trained by BPTT (Adam 2e-3, batch 32, loss
 * on the last half of the steps) starts near chance and passes 90% test accuracy after about 4
 * epochs on an 80/20 split, reaching about 96-98% by epoch 12. The reference's own defaults (100
 * units, 100 steps, d = 2, 1000 per class) would take 10-20 times longer per epoch and are harder.
 */
export const randmanDefaults: Readonly<Required<Omit<RandmanOptions, 'smoothness'>>> = Object.freeze({
  seed: 0,
  classes: 10,
  inputs: 30,
  steps: 50,
  samplesPerClass: 300,
  manifoldDim: 1,
  alpha: 2,
  stepFraction: 1,
  shuffle: true,
  bias: false,
  precision: 1e-3,
  maxFrequencies: 1000,
  encoding: 'time',
});

const optionNames = [...Object.keys(randmanDefaults), 'smoothness'];

/** Standardisation epsilon of the reference (keeps the largest value strictly below 1). */
const EPSILON = 1e-7;
const TWO_PI = 2 * Math.PI;

/**
 * One random smooth manifold R^d -> R^D (datasets.md 4.1): for embedding unit j,
 * y_j(x) = prod_k f_jk(x_k), f_jk(x) = sum_i theta0 s_i sin(2 pi (i x theta1 + theta2)),
 * theta ~ U(0, 1), s_i = 1 / ((i + 1)^alpha + 1) (the torch/jax spectrum with beta = 0).
 */
class Manifold {
  /** Per (j, k, i): amplitude theta0 * s_i, angular frequency 2 pi i theta1, phase 2 pi theta2. */
  private readonly amplitude: Float64Array;
  private readonly frequency: Float64Array;
  private readonly phase: Float64Array;

  constructor(
    random: Random,
    private readonly units: number,
    private readonly dim: number,
    private readonly terms: number,
    alpha: number,
    bias: boolean,
  ) {
    const n = units * dim * terms;
    this.amplitude = new Float64Array(n);
    this.frequency = new Float64Array(n);
    this.phase = new Float64Array(n);
    const spectrum = Float64Array.from({ length: terms }, (_, i) => 1 / ((i + 1) ** alpha + 1));
    // Draw order follows the reference layout theta[j, k, parameter, i].
    for (let j = 0; j < units; j++) {
      for (let k = 0; k < dim; k++) {
        const base = (j * dim + k) * terms;
        for (let i = 0; i < terms; i++) this.amplitude[base + i] = random.next() * spectrum[i]!;
        for (let i = 0; i < terms; i++) this.frequency[base + i] = TWO_PI * i * random.next();
        for (let i = 0; i < terms; i++) this.phase[base + i] = TWO_PI * random.next();
        // The i = 0 term has frequency 0: a constant offset, removed unless `bias`.
        if (!bias) this.amplitude[base] = 0;
      }
    }
  }

  /** out[j] = y_j(x) for one point x in [0, 1]^d. */
  evaluate(x: ArrayLike<number>, out: Float64Array): void {
    const { units, dim, terms, amplitude, frequency, phase } = this;
    for (let j = 0; j < units; j++) {
      let product = 1;
      for (let k = 0; k < dim; k++) {
        const base = (j * dim + k) * terms;
        const xk = x[k]!;
        let sum = 0;
        for (let i = 0; i < terms; i++) sum += amplitude[base + i]! * Math.sin(frequency[base + i]! * xk + phase[base + i]!);
        product *= sum;
      }
      out[j] = product;
    }
  }
}

function readOptions(options: Readonly<Record<string, unknown>>): Required<Omit<RandmanOptions, 'smoothness'>> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('randman options', 'must be an object');
  for (const key of Object.keys(options)) {
    if (!optionNames.includes(key)) {
      throw new InvalidArgumentError(`randman option "${key}"`, `unknown option; valid options: ${optionNames.join(', ')}`);
    }
  }
  const o = options as RandmanOptions;
  if (o.alpha !== undefined && o.smoothness !== undefined && o.alpha !== o.smoothness) {
    throw new InvalidArgumentError('randman option "smoothness"', `is an alias of alpha; got alpha = ${o.alpha} and smoothness = ${o.smoothness}`);
  }
  const alpha = o.alpha ?? o.smoothness ?? randmanDefaults.alpha;
  const positive = (key: keyof RandmanOptions, value: unknown): number => {
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new InvalidArgumentError(`randman option "${key}"`, `must be a finite number > 0, got ${String(value)}`);
    }
    return value;
  };
  const flag = (key: keyof RandmanOptions, value: unknown): boolean => {
    if (typeof value !== 'boolean') throw new InvalidArgumentError(`randman option "${key}"`, `must be true or false, got ${String(value)}`);
    return value;
  };
  const r = {
    seed: integerSeed('randman option "seed"', o.seed ?? randmanDefaults.seed),
    classes: positiveInteger('randman option "classes"', o.classes ?? randmanDefaults.classes),
    inputs: positiveInteger('randman option "inputs"', o.inputs ?? randmanDefaults.inputs),
    steps: positiveInteger('randman option "steps"', o.steps ?? randmanDefaults.steps),
    samplesPerClass: positiveInteger('randman option "samplesPerClass"', o.samplesPerClass ?? randmanDefaults.samplesPerClass),
    manifoldDim: positiveInteger('randman option "manifoldDim"', o.manifoldDim ?? randmanDefaults.manifoldDim),
    alpha: positive(o.alpha !== undefined ? 'alpha' : 'smoothness', alpha),
    stepFraction: positive('stepFraction', o.stepFraction ?? randmanDefaults.stepFraction),
    shuffle: flag('shuffle', o.shuffle ?? randmanDefaults.shuffle),
    bias: flag('bias', o.bias ?? randmanDefaults.bias),
    precision: positive('precision', o.precision ?? randmanDefaults.precision),
    maxFrequencies: positiveInteger('randman option "maxFrequencies"', o.maxFrequencies ?? randmanDefaults.maxFrequencies),
    encoding: o.encoding ?? randmanDefaults.encoding,
  };
  if (r.encoding !== 'time' && r.encoding !== 'rate') {
    throw new InvalidArgumentError('randman option "encoding"', `must be 'time' (T-Randman) or 'rate' (R-Randman), got ${String(r.encoding)}`);
  }
  if (r.stepFraction > 1) throw new InvalidArgumentError('randman option "stepFraction"', `must be in (0, 1], got ${r.stepFraction}`);
  if (r.precision >= 1) throw new InvalidArgumentError('randman option "precision"', `must be in (0, 1), got ${r.precision}`);
  if (r.classes * r.samplesPerClass * r.steps * r.inputs > 2 ** 30) {
    throw new InvalidArgumentError('randman options', `classes * samplesPerClass * steps * inputs = ${r.classes * r.samplesPerClass * r.steps * r.inputs} values is too large for one Float32Array (max 2^30)`);
  }
  return r;
}

/**
 * Randman (Zenke & Vogels 2021) as a spike-timing classification task (datasets.md 4.1-4.2):
 * each class is a random smooth d-dimensional manifold in R^inputs; a sample is a point drawn
 * uniformly on it; every input unit fires exactly one spike, at a time set by that unit's
 * coordinate, so all information is in spike timing.
 *
 * Procedure, per class c: build manifold c from the seed; draw samplesPerClass points
 * x ~ U(0, 1)^d; y = manifold_c(x); standardise each unit over that class's samples,
 * y' = (y - min) / (max - min + 1e-7) in [0, 1); unit j of sample n spikes at step
 * floor(y'_nj * steps * stepFraction). Classes are concatenated in order (labels 0..C-1) and then
 * shuffled by one seeded permutation, as the reference does.
 *
 * The same options give the same bytes (one seeded stream per class and purpose, forked from
 * `seed`). Values cannot equal the Python reference's (different generator), only its statistics.
 */
export function createRandman(options: RandmanOptions = {}): SequenceDataset {
  const o = readOptions(options as Record<string, unknown>);
  const { classes, inputs, steps, samplesPerClass, manifoldDim } = o;
  const terms = Math.min(Math.ceil(o.precision ** (-1 / o.alpha)), o.maxFrequencies);
  const root = createRandom(o.seed);
  const size = classes * samplesPerClass;
  const spikeStep = new Int32Array(size * inputs);
  const labels = new Int32Array(size);
  const point = new Float64Array(manifoldDim);
  const y = new Float64Array(samplesPerClass * inputs);
  const scale = steps * o.stepFraction;
  for (let c = 0; c < classes; c++) {
    const manifold = new Manifold(root.fork(`randman/manifold/${c}`), inputs, manifoldDim, terms, o.alpha, o.bias);
    const sampler = root.fork(`randman/points/${c}`);
    for (let n = 0; n < samplesPerClass; n++) {
      for (let k = 0; k < manifoldDim; k++) point[k] = sampler.next();
      manifold.evaluate(point, y.subarray(n * inputs, (n + 1) * inputs));
    }
    for (let j = 0; j < inputs; j++) {
      let min = Infinity;
      let max = -Infinity;
      for (let n = 0; n < samplesPerClass; n++) {
        const v = y[n * inputs + j]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const range = max - min + EPSILON;
      for (let n = 0; n < samplesPerClass; n++) {
        const standardised = (y[n * inputs + j]! - min) / range;
        // Clamp guards rounding at the top end; y' < 1 keeps it in range in exact arithmetic.
        spikeStep[(c * samplesPerClass + n) * inputs + j] = Math.min(steps - 1, Math.floor(standardised * scale));
      }
    }
    labels.fill(c, c * samplesPerClass, (c + 1) * samplesPerClass);
  }

  const order = Int32Array.from({ length: size }, (_, i) => i);
  if (o.shuffle) root.fork('randman/order').shuffle(order);
  const x = new Float32Array(size * steps * inputs);
  const shuffledLabels = new Int32Array(size);
  const rate = o.encoding === 'rate';
  const permuter = root.fork('randman/rate-permutation');
  const series = new Int32Array(steps);
  for (let m = 0; m < size; m++) {
    const n = order[m]!;
    shuffledLabels[m] = labels[n]!;
    for (let j = 0; j < inputs; j++) {
      const step = spikeStep[n * inputs + j]!;
      if (!rate) {
        x[(m * steps + step) * inputs + j] = 1;
        continue;
      }
      // On for t <= step, then a random permutation of the series: the count is all that is left.
      for (let t = 0; t < steps; t++) series[t] = t <= step ? 1 : 0;
      permuter.shuffle(series);
      for (let t = 0; t < steps; t++) if (series[t]) x[(m * steps + t) * inputs + j] = 1;
    }
  }
  return { name: rate ? 'r-randman' : 'randman', size, steps, inputs, classes, x, labels: shuffledLabels };
}
