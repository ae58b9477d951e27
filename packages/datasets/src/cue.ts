import { InvalidArgumentError } from '@snn/errors';
import { checkKeys, denseGenerated, generatedSource, lastSteps, nonNegativeInteger, probability, sampleRandom, type GeneratedShape } from './generated';
import type { BatchSource, SequenceDataset } from './types';
import { integerSeed, positiveInteger } from './validate';

/**
 * Options of the cue-accumulation (evidence-accumulation) task of e-prop (Bellec et al. 2020),
 * with the long-delay extension used by HYPR: datasets.md 7.1-7.2. Steps are 1 ms.
 */
export interface CueOptions {
  seed?: number;
  /** Number of sequences. Default 200. */
  size?: number;
  /** Steps of background-only input between the end of the last cue and the recall. Default 1050 (e-prop). */
  delay?: number;
  /** Number of cues (odd, so there is a majority). Default 7. */
  cues?: number;
  /** Steps a cue lasts. Default 100. */
  cueSteps?: number;
  /** Steps from one cue's start to the next; the first `period - cueSteps` are silent. Default 150. */
  period?: number;
  /** Steps of the recall cue at the end (the loss window). Default 150. */
  recallSteps?: number;
  /** Input neurons, 4 equal groups: left, right, recall, background. Default 40. */
  inputs?: number;
  /** Spike probability per step of an active cue / recall neuron (40 Hz at 1 ms). Default 0.04. */
  rate?: number;
  /** Spike probability per step of a background neuron (10 Hz). Default 0.01. */
  noiseRate?: number;
  /** Probability that a cue is on the sequence's dominant side. Default 0.7. */
  pDominant?: number;
}

export const cueDefaults = { seed: 0, size: 200, delay: 1050, cues: 7, cueSteps: 100, period: 150, recallSteps: 150, inputs: 40, rate: 0.04, noiseRate: 0.01, pDominant: 0.7 } as const;

/** A generated cue task: the dense data plus the per-step loss mask (the recall window). */
export interface CueDataset extends SequenceDataset {
  /** [T], 1 on the last `recallSteps` steps (where the answer is read out). */
  readonly lossMask: Float64Array;
}

function resolve(options: CueOptions) {
  checkKeys(options, Object.keys(cueDefaults));
  const o = { ...cueDefaults, ...options };
  integerSeed('seed', o.seed);
  for (const k of ['size', 'cues', 'cueSteps', 'period', 'recallSteps', 'inputs'] as const) positiveInteger(k, o[k]);
  nonNegativeInteger('delay', o.delay);
  if (o.cueSteps > o.period) throw new InvalidArgumentError('cueSteps', `must be <= period (${o.period}), got ${o.cueSteps}`);
  if (o.inputs % 4 !== 0) throw new InvalidArgumentError('inputs', `must be a multiple of 4 (left, right, recall, background groups), got ${o.inputs}`);
  if (o.cues % 2 === 0) throw new InvalidArgumentError('cues', `must be odd so that one side has the majority, got ${o.cues}`);
  probability('rate', o.rate);
  probability('noiseRate', o.noiseRate);
  probability('pDominant', o.pDominant);
  const steps = o.cues * o.period + o.delay + o.recallSteps;
  return { ...o, steps };
}

/** Layout of one sequence: which side each cue is on, and the label (1 = right majority). */
export function cueFill(o: ReturnType<typeof resolve>) {
  const g = o.inputs / 4;
  const silent = o.period - o.cueSteps;
  return (n: number, out: Float32Array): number => {
    const r = sampleRandom(o.seed, 'cue', n);
    const dominant = r.int(2); // 0 = left, 1 = right
    let right = 0;
    const sides: number[] = [];
    for (let k = 0; k < o.cues; k++) {
      const side = r.next() < o.pDominant ? dominant : 1 - dominant;
      sides.push(side);
      right += side;
    }
    const I = o.inputs;
    for (let k = 0; k < o.cues; k++) {
      const start = k * o.period + silent;
      const first = sides[k]! * g;
      for (let t = start; t < start + o.cueSteps; t++) for (let j = first; j < first + g; j++) if (r.next() < o.rate) out[t * I + j] = 1;
    }
    for (let t = o.steps - o.recallSteps; t < o.steps; t++) for (let j = 2 * g; j < 3 * g; j++) if (r.next() < o.rate) out[t * I + j] = 1;
    for (let t = 0; t < o.steps; t++) for (let j = 3 * g; j < 4 * g; j++) if (r.next() < o.noiseRate) out[t * I + j] = 1;
    return right > o.cues / 2 ? 1 : 0;
  };
}

function shape(o: ReturnType<typeof resolve>): GeneratedShape {
  return { name: 'cue', size: o.size, steps: o.steps, inputs: o.inputs, classes: 2 };
}

/**
 * Generates the cue-accumulation task densely: T = cues * period + delay + recallSteps
 * (2250 with the defaults, e-prop's setting; HYPR varies `delay` from 1k to 10k).
 * Class 1 = more cues on the right. Same options, same bytes.
 */
export function createCueAccumulation(options: CueOptions = {}): CueDataset {
  const o = resolve(options);
  return { ...denseGenerated(shape(o), cueFill(o)), lossMask: lastSteps(o.steps, o.recallSteps) };
}

/** The same task streamed batch by batch (for long delays); sequence n equals the dense one's. */
export function cueAccumulationSource(options: CueOptions = {}): BatchSource & { lossMask: Float64Array } {
  const o = resolve(options);
  return { ...generatedSource(shape(o), cueFill(o)), lossMask: lastSteps(o.steps, o.recallSteps) };
}
