import type { RealArray } from '@snn/protocol';
import { createAccumulatingSink, createLearner, forwardSequence, streamBatch, type Network, type SequenceBatch } from '@snn/core';
import { InvalidArgumentError } from '@snn/errors';
import { relativeError } from './vector-runner';

/**
 * Central finite differences of the sequence loss w.r.t. the named parameters (all when omitted).
 * Only meaningful for smooth paths: LSTM/GRU, or readout weights of a spiking net whose spikes do not
 * flip under the perturbation. Use a float64 network.
 */
export function finiteDifferenceGradients(
  network: Network,
  data: SequenceBatch,
  options: { parameters?: string[]; epsilon?: number } = {},
): Map<string, Float64Array> {
  if (network.dtype !== 'float64') throw new InvalidArgumentError('network.dtype', 'finite differences need a float64 network');
  const eps = options.epsilon ?? 1e-6;
  const names = options.parameters ?? network.parameters().map((p) => p.name);
  const out = new Map<string, Float64Array>();
  for (const name of names) {
    const p = network.parameter(name);
    const g = new Float64Array(p.data.length);
    for (let i = 0; i < p.data.length; i++) {
      const keep = p.data[i]!;
      p.data[i] = keep + eps;
      network.markUpdated();
      const plus = forwardSequence(network, data, { validate: false }).loss;
      p.data[i] = keep - eps;
      network.markUpdated();
      const minus = forwardSequence(network, data, { validate: false }).loss;
      p.data[i] = keep;
      network.markUpdated();
      g[i] = (plus - minus) / (2 * eps);
    }
    out.set(name, g);
  }
  return out;
}

/** The gradient a rule hands out for one batch with weights fixed (summed over its emissions). */
export function ruleGradients(network: Network, rule: string, data: SequenceBatch, ruleOptions?: Record<string, unknown>): Map<string, RealArray> {
  const sink = createAccumulatingSink(network);
  const learner = createLearner(rule, network, sink, ruleOptions);
  streamBatch(network, learner, data);
  return sink.total;
}

/** Relative error (vectors.md definition) of a rule's gradient against finite differences, per parameter. */
export function compareWithFiniteDifferences(
  network: Network,
  rule: string,
  data: SequenceBatch,
  options: { parameters?: string[]; epsilon?: number; ruleOptions?: Record<string, unknown> } = {},
): Record<string, number> {
  const analytic = ruleGradients(network, rule, data, options.ruleOptions);
  const numeric = finiteDifferenceGradients(network, data, options);
  const errors: Record<string, number> = {};
  for (const [name, g] of numeric) errors[name] = relativeError(analytic.get(name)!, g);
  return errors;
}
