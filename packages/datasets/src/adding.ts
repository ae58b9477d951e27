import { InvalidArgumentError } from '@snn/errors';
import { checkKeys, denseGenerated, generatedSource, lastSteps, sampleRandom, type GeneratedShape } from './generated';
import type { BatchSource, SequenceDataset } from './types';
import { integerSeed, positiveInteger } from './validate';

/**
 * Options of the adding problem (datasets.md 6). It is a regression task; @snn's loss is
 * classification, so the target is also given as one of `classes` equal bins of its range.
 */
export interface AddingOptions {
  seed?: number;
  /** Number of sequences. Default 1000. */
  size?: number;
  /** T, fixed sequence length (hs97's random length in [T, 1.1 T] is not implemented). Default 100. */
  steps?: number;
  /**
   * 'hs97' (default): values U(-1, 1), markers -1/0/1, one mark in the first 10 steps and one in the
   * first T/2 - 1, target 0.5 + (X1 + X2) / 4 in [0, 1]. 'modern': values U(0, 1), one mark in each
   * half, target X1 + X2 in [0, 2].
   */
  variant?: 'hs97' | 'modern';
  /** Accuracy tolerance on the target. Default 0.04 (Hochreiter & Schmidhuber). */
  tolerance?: number;
  /** Number of target bins; default floor(range / (2 tolerance)) + 1 (13 for hs97, 26 for modern), so a correct bin's centre is within the tolerance. */
  classes?: number;
}

export const addingDefaults = { seed: 0, size: 1000, steps: 100, variant: 'hs97', tolerance: 0.04 } as const;

/** The adding task: inputs [T, 2] = (value, marker), binned target classes, real targets. */
export interface AddingDataset extends SequenceDataset {
  /** The regression target of each sequence. */
  readonly targets: Float64Array;
  /** Centre of each class bin (the value a classifier predicts). */
  readonly binCenters: Float64Array;
  /** [lo, hi] range of the target. */
  readonly range: readonly [number, number];
  readonly tolerance: number;
  /** [T], 1 on the last step only (the target is given at the end). */
  readonly lossMask: Float64Array;
}

function resolve(options: AddingOptions) {
  checkKeys(options, [...Object.keys(addingDefaults), 'classes']);
  const o = { ...addingDefaults, ...options };
  integerSeed('seed', o.seed);
  positiveInteger('size', o.size);
  positiveInteger('steps', o.steps);
  if (o.variant !== 'hs97' && o.variant !== 'modern') throw new InvalidArgumentError('variant', `must be 'hs97' or 'modern', got ${String(o.variant)}`);
  if (o.variant === 'hs97' && o.steps < 12) throw new InvalidArgumentError('steps', `hs97 needs at least 12 steps (a mark in the first 10 and one in the first T/2 - 1), got ${o.steps}`);
  if (o.variant === 'modern' && o.steps < 2) throw new InvalidArgumentError('steps', `must be >= 2, got ${o.steps}`);
  if (!(typeof o.tolerance === 'number' && o.tolerance > 0)) throw new InvalidArgumentError('tolerance', `must be a positive number, got ${String(o.tolerance)}`);
  const range: [number, number] = o.variant === 'hs97' ? [0, 1] : [0, 2];
  const classes = o.classes ?? Math.floor((range[1] - range[0]) / (2 * o.tolerance)) + 1;
  positiveInteger('classes', classes);
  return { ...o, range, classes };
}

type Resolved = ReturnType<typeof resolve>;

/** Fills sequence n; returns its real target. */
function draw(o: Resolved, n: number, out: Float32Array): number {
  const r = sampleRandom(o.seed, `adding/${o.variant}`, n);
  const T = o.steps;
  if (o.variant === 'modern') {
    for (let t = 0; t < T; t++) out[2 * t] = r.next();
    const half = Math.floor(T / 2);
    const p1 = r.int(half);
    const p2 = half + r.int(T - half);
    out[2 * p1 + 1] = 1;
    out[2 * p2 + 1] = 1;
    return out[2 * p1]! + out[2 * p2]!;
  }
  for (let t = 0; t < T; t++) out[2 * t] = r.uniform(-1, 1);
  const p1 = r.int(10);
  // p2: uniform among the first T/2 - 1 steps other than p1.
  const limit = Math.floor(T / 2) - 1;
  let p2 = r.int(limit - 1);
  if (p2 >= p1) p2++;
  out[2 * p1 + 1] = 1;
  out[2 * p2 + 1] = 1;
  out[1] = -1;
  out[2 * (T - 1) + 1] = -1;
  const x1 = p1 === 0 ? 0 : out[2 * p1]!;
  const x2 = p2 === 0 ? 0 : out[2 * p2]!;
  return 0.5 + (x1 + x2) / 4;
}

/** The class of a target: its bin among `classes` equal bins of `range` (the top edge in the last). */
export function addingClass(target: number, range: readonly [number, number], classes: number): number {
  const k = Math.floor(((target - range[0]) / (range[1] - range[0])) * classes);
  return Math.min(classes - 1, Math.max(0, k));
}

function parts(o: Resolved) {
  const shape: GeneratedShape = { name: 'adding', size: o.size, steps: o.steps, inputs: 2, classes: o.classes };
  const fill = (n: number, out: Float32Array) => addingClass(draw(o, n, out), o.range, o.classes);
  const binCenters = Float64Array.from({ length: o.classes }, (_, k) => o.range[0] + ((k + 0.5) * (o.range[1] - o.range[0])) / o.classes);
  return { shape, fill, binCenters };
}

/**
 * Generates the adding problem. Loss: the last step only (`lossMask`). The regression target is
 * framed as classification over `classes` bins (label = bin of the target); a prediction counts as
 * correct under the classic criterion when |binCenters[class] - target| < tolerance, which the
 * default bin count guarantees for the right bin. `targets` keeps the real values.
 */
export function createAdding(options: AddingOptions = {}): AddingDataset {
  const o = resolve(options);
  const { shape, binCenters } = parts(o);
  const targets = new Float64Array(o.size);
  const data = denseGenerated(shape, (n, out) => addingClass((targets[n] = draw(o, n, out)), o.range, o.classes));
  return { ...data, targets, binCenters, range: o.range, tolerance: o.tolerance, lossMask: lastSteps(o.steps, 1) };
}

/** The adding problem streamed batch by batch (e.g. T = 5000 as in the HYPR setting). */
export function addingSource(options: AddingOptions = {}): BatchSource & { lossMask: Float64Array; binCenters: Float64Array } {
  const o = resolve(options);
  const { shape, fill, binCenters } = parts(o);
  return { ...generatedSource(shape, fill), lossMask: lastSteps(o.steps, 1), binCenters };
}
