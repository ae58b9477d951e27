import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';

export interface FpttOptions {
  /** Strength of the dynamic regulariser (>= 0). 0 turns FPTT into per-window truncated BPTT. Default 0.5. */
  alpha?: number;
  /** Step of the running average towards the new weights, in (0, 1]. Default 0.5 (the paper's 1/2). */
  beta?: number;
  /** Steps per window: the weights are updated after every k steps, gradients never cross a window. Default 1. */
  k?: number;
  /** Check every step's input for NaN and bad targets. Default true. */
  validateInputs?: boolean;
}

const known = ['alpha', 'beta', 'k', 'validateInputs'];

export function parseFpttOptions(options: Partial<FpttOptions> | undefined): Required<FpttOptions> {
  const o = options ?? {};
  rejectUnknownOptions('fptt', o, known);
  const alpha = o.alpha ?? 0.5;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) {
    throw new InvalidArgumentError('fptt option "alpha"', `must be a finite number >= 0 (0 switches the regulariser off), got ${String(alpha)}`);
  }
  const beta = o.beta ?? 0.5;
  if (typeof beta !== 'number' || !(beta > 0 && beta <= 1)) throw new InvalidArgumentError('fptt option "beta"', `must be in (0, 1], got ${String(beta)}`);
  const k = o.k ?? 1;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new InvalidArgumentError('fptt option "k"', `the window must be a positive integer number of steps, got ${String(k)}`);
  const validateInputs = o.validateInputs ?? true;
  if (typeof validateInputs !== 'boolean') throw new InvalidArgumentError('fptt option "validateInputs"', `must be true or false, got ${String(validateInputs)}`);
  return { alpha, beta, k, validateInputs };
}
