import { parseDType, synapseCount, MAX_NETWORK_WEIGHTS, type DType } from '@snn/core';
import { InvalidArgumentError } from '@snn/errors';

export interface TrainConfig {
  /** Task (registered dataset) name: randman, cue, adding, morse, shd, ssc, nmnist, smnist, ... */
  dataset: string;
  datasetOptions: Record<string, unknown>;
  /** File or folder of a file-backed task (shd, ssc, nmnist, smnist); becomes `datasetOptions.path`. */
  data?: string;
  /** Use the task's own loss mask when it defines one (cue: recall window; adding, morse: the end). Default true; false = `lossWindow`. */
  taskLossMask?: boolean;
  cell: string;
  cellOptions: Record<string, unknown>;
  hidden: number;
  layers: number;
  /** Layers without W_rec (the feed-forward networks of OTTT, OSTL, OTPE). Default false. */
  feedForward?: boolean;
  /**
   * 'readout' (default): the leaky-integrator readout. 'spikes' / 'leaky-sum': no readout; an output
   * layer of one cell per class sits on top of the hidden layers and the loss reads its spikes, or
   * their leaky sum with leak `kappa` (NetworkSpec.output).
   */
  output?: 'readout' | 'spikes' | 'leaky-sum';
  rule: string;
  ruleOptions: Record<string, unknown>;
  optimizer: string;
  learningRate: number;
  /** SGD momentum (ignored by Adam/Adamax). */
  momentum?: number;
  clipNorm?: number;
  /** Learning-rate factor per parameter name (0 freezes it), e.g. `{ "beta": 0 }`; see @snn/core's optimizers. */
  learningRateScale?: Record<string, number>;
  epochs: number;
  batchSize: number;
  seed: number;
  dtype: DType;
  kappa: number;
  /** Fraction of the last steps whose loss counts (1 = every step). */
  lossWindow: number;
  testFraction: number;
  inputScale: number;
  recurrentScale: number;
  /** Checkpoints besides the one at every epoch's end: every N batches and/or every M minutes. */
  checkpointEvery?: { batches?: number; minutes?: number };
  /** Parent folder of automatically named run folders. */
  outDir: string;
}

export const defaultTrainConfig: TrainConfig = {
  dataset: 'randman',
  datasetOptions: {},
  cell: 'lif',
  cellOptions: { alpha: 0.9, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 25 } },
  hidden: 128,
  layers: 1,
  rule: 'bptt',
  ruleOptions: {},
  optimizer: 'adam',
  learningRate: 2e-3,
  clipNorm: 10,
  epochs: 12,
  batchSize: 32,
  seed: 1,
  dtype: 'float32',
  kappa: 0.9,
  lossWindow: 0.5,
  testFraction: 0.2,
  inputScale: 3,
  recurrentScale: 0.5,
  outDir: 'runs',
};

/** The part of a configuration that decides a run's numbers (stored in its checkpoints): not where it is written. */
export type StoredTrainConfig = Omit<TrainConfig, 'outDir'>;

export function storedConfig(config: TrainConfig): StoredTrainConfig {
  const { outDir: _outDir, ...rest } = config;
  return rest;
}

/** Rules whose chunk length has no sensible default. */
const rulesNeedingK: Record<string, string> = { tbptt: 'truncation length k', 'hypr-tbptt': 'chunk length k' };

/**
 * Checks what can be checked before anything is allocated: sizes that cannot fit, options a rule cannot
 * run without. Errors name the command-line option.
 */
export function checkTrainConfig(config: TrainConfig, inputs?: number, outputs?: number): void {
  parseDType(config.dtype);
  for (const [key, flag] of [['hidden', '--hidden'], ['layers', '--layers'], ['epochs', '--epochs'], ['batchSize', '--batch-size']] as const) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(flag, `must be a positive integer, got ${String(v)}`);
  }
  if (!Number.isSafeInteger(config.seed) || config.seed < 0) throw new InvalidArgumentError('--seed', `must be an integer >= 0, got ${String(config.seed)}`);
  if (config.layers > 10_000) throw new InvalidArgumentError('--layers', `${config.layers} layers is far beyond what can be trained here; use at most 10000 (a few is typical)`);
  if (inputs !== undefined && outputs !== undefined) {
    const weights = synapseCount(inputs, Array.from({ length: config.layers }, () => config.hidden), outputs);
    if (weights > MAX_NETWORK_WEIGHTS) {
      throw new InvalidArgumentError(
        '--hidden / --layers',
        `${config.layers} layer(s) of ${config.hidden} neurons on ${inputs} inputs need ${weights.toExponential(2)} weights (${((weights * 4) / 2 ** 30).toFixed(1)} GiB in float32, ` +
          `several times that while training); at most ${MAX_NETWORK_WEIGHTS.toExponential(2)} fit: lower --hidden or --layers`,
      );
    }
  }
  const needsK = rulesNeedingK[config.rule];
  if (needsK && config.ruleOptions.k === undefined) {
    throw new InvalidArgumentError('--rule-options', `rule ${config.rule} needs its ${needsK}: pass it as --rule-options '{"k": 10}' (k = 1 with per-step updates is tBPTT1)`);
  }
  const every = config.checkpointEvery;
  if (every) {
    if (every.batches !== undefined && !(Number.isInteger(every.batches) && every.batches >= 1)) throw new InvalidArgumentError('--checkpoint-every', `batches must be a positive integer, got ${String(every.batches)}`);
    if (every.minutes !== undefined && !(every.minutes > 0 && Number.isFinite(every.minutes))) throw new InvalidArgumentError('--checkpoint-every', `minutes must be a positive number, got ${String(every.minutes)}`);
  }
}
