import { createAccumulatingSink, createLearner, streamBatch, type Network, type SequenceBatch } from '@snn/core';
import { InvalidArgumentError } from '@snn/errors';
import { gradientCosine } from './gradient-cosine';

/** A rule's mean cosine similarity with the reference gradient, per group and for the whole model. */
export interface RuleAlignment {
  rule: string;
  /** Mean over the evaluations of each group's cosine (`layer0`, `layer1`, ..., `output`). */
  groups: Record<string, number>;
  model: number;
  /** Evaluations (batches) averaged; entries with an undefined angle (a zero gradient) are left out of their mean. */
  evaluations: number;
}

/**
 * Groups for alignment tables: hidden layers `layer0`, `layer1`, ...; the readout (`W_out`, `b_out`),
 * or in the output-layer form (`NetworkSpec.output`) the top spiking layer, is `output`.
 */
export function alignmentGroupOf(network: Network): (name: string) => string {
  const top = network.layers.length - 1;
  const outputLayer = !network.readout.trainable;
  return (name) => {
    if (name === 'W_out' || name === 'b_out') return 'output';
    const m = /^l(\d+)\./.exec(name);
    const l = m ? Number(m[1]) : 0;
    return outputLayer && l === top ? 'output' : `layer${l}`;
  };
}

function gradientOf(network: Network, rule: string, batch: SequenceBatch, ruleOptions?: Record<string, unknown>) {
  const sink = createAccumulatingSink(network);
  streamBatch(network, createLearner(rule, network, sink, ruleOptions), batch, { validate: false });
  return sink.total;
}

/**
 * At the network's current weights, each rule's gradient and the reference rule's (default `bptt`) on
 * the same batches (weights fixed), and their cosine similarity per group and for the whole model,
 * averaged over the batches. The paper (OTPE, arXiv 2311.16151) evaluates every rule this way at the
 * BPTT-trained weights.
 */
export function ruleAlignment(
  network: Network,
  rules: readonly string[],
  batches: readonly SequenceBatch[],
  options: { reference?: string; groupOf?: (name: string) => string; ruleOptions?: Record<string, Record<string, unknown>> } = {},
): RuleAlignment[] {
  if (batches.length === 0) throw new InvalidArgumentError('batches', 'give at least one batch to evaluate on');
  const reference = options.reference ?? 'bptt';
  const groupOf = options.groupOf ?? alignmentGroupOf(network);
  const acc = rules.map(() => ({ groups: new Map<string, { sum: number; n: number }>(), model: { sum: 0, n: 0 } }));
  for (const batch of batches) {
    const ref = gradientOf(network, reference, batch, options.ruleOptions?.[reference]);
    rules.forEach((rule, r) => {
      const c = gradientCosine(gradientOf(network, rule, batch, options.ruleOptions?.[rule]), ref, groupOf);
      const a = acc[r]!;
      for (const [g, v] of Object.entries(c.groups)) {
        if (!Number.isFinite(v)) continue;
        const e = a.groups.get(g) ?? { sum: 0, n: 0 };
        e.sum += v;
        e.n++;
        a.groups.set(g, e);
      }
      if (Number.isFinite(c.model)) {
        a.model.sum += c.model;
        a.model.n++;
      }
    });
  }
  return rules.map((rule, r) => {
    const a = acc[r]!;
    const groups: Record<string, number> = {};
    for (const [g, e] of [...a.groups].sort(([x], [y]) => (x === 'output' ? 1 : y === 'output' ? -1 : x.localeCompare(y, 'en', { numeric: true })))) groups[g] = e.n ? e.sum / e.n : NaN;
    return { rule, groups, model: a.model.n ? a.model.sum / a.model.n : NaN, evaluations: batches.length };
  });
}
