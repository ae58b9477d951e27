import type { CellV1, DType, RealArray } from '@snn/protocol';
import { createAccumulatingSink, createLearner, forwardSequence, listCells, listRules, streamBatch, type Network } from '@snn/core';
import { SnnError } from '@snn/errors';
import { compareWithFiniteDifferences, ruleGradients } from '../finite-differences';
import { parseGradientVector } from '../vector-format';
import { runGradientVector } from '../vector-runner';
import { compareGradients, fail } from './compare';
import { conformanceData, conformanceNetwork, sampleCell, shapeSteps, type NetworkShape } from './networks';
import type { VectorEntry } from './vectors';

/** One check of a pairing; `run` throws a ConformanceFailure (or the rule's own error) when it fails. */
export interface ConformanceCase {
  readonly name: string;
  /** Set when the pairing does not apply, with the reason (shown as a skipped test). */
  readonly skip?: string;
  run(): void;
}

export interface ConformanceGroup {
  readonly name: string;
  readonly cases: ConformanceCase[];
}

export type RuleOptions = Record<string, unknown> | ((context: { steps: number }) => Record<string, unknown>);
export const optionsFor = (o: RuleOptions | undefined, shape: NetworkShape) => (typeof o === 'function' ? o({ steps: shapeSteps(shape) }) : { ...(o ?? {}) });

/**
 * Why `rule` cannot train `cell` in `shape`, or null when it can: the capability check and every
 * refusal the rule itself makes at creation (a typed error), on the real network.
 */
export function refusal(rule: string, cell: string, shape: NetworkShape, options: Record<string, unknown>): string | null {
  let network: Network;
  try {
    network = conformanceNetwork(cell, shape, { seed: 1 }).network;
  } catch (e) {
    if (SnnError.isInstance(e)) return `the cell refuses this shape: ${e.message}`;
    throw e;
  }
  try {
    createLearner(rule, network, () => {}, options);
    return null;
  } catch (e) {
    if (SnnError.isInstance(e)) return e.message;
    throw e;
  }
}

const finite = (g: RealArray) => {
  for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i]!)) return false;
  return true;
};

/**
 * What every learner must do on every network it accepts: leave the forward pass alone (its loss and
 * evidence are those of the plain forward), hand out finite gradients of the right shapes whose event
 * losses add up to the sequence loss, give some credit to the bottom layer's input weights, and start
 * fresh at every `begin` (a second batch of another size gives what a new learner gives).
 */
export function contractCase(rule: string, cell: string, shape: NetworkShape, options: Record<string, unknown>): ConformanceCase {
  return {
    name: `learner contract, ${shape.name}`,
    run() {
      const { network, data } = conformanceNetwork(cell, shape);
      const sink = createAccumulatingSink(network);
      const learner = createLearner(rule, network, sink, options);
      const result = streamBatch(network, learner, data);
      const forward = forwardSequence(network, data, { validate: false });
      const tol = (x: number) => 1e-9 * Math.max(1, Math.abs(x));
      if (!(Math.abs(result.loss - forward.loss) <= tol(forward.loss))) fail(`stats.loss ${result.loss} differs from the forward loss ${forward.loss}: a rule may cut gradients, never change forward values`);
      const ev = learner.stats.evidence;
      for (let i = 0; i < forward.evidence.length; i++) {
        if (!(Math.abs(ev[i]! - forward.evidence[i]!) <= tol(forward.evidence[i]!))) fail(`stats.evidence[${i}] is ${ev[i]}, the forward pass gives ${forward.evidence[i]}`);
      }
      if (sink.events.length === 0) fail('the learner handed out no gradient');
      const eventLoss = sink.events.reduce((s, e) => s + e.loss, 0);
      if (!(Math.abs(eventLoss - result.loss) <= tol(result.loss))) fail(`the gradient events' losses sum to ${eventLoss}, the sequence loss is ${result.loss}`);
      const names = new Set(network.parameters().map((p) => p.name));
      for (const [name, g] of sink.total) {
        if (!names.has(name)) fail(`gradient for "${name}", which is no parameter of the network`);
        if (g.length !== network.parameter(name).data.length) fail(`gradient of ${name} has ${g.length} values, the parameter ${network.parameter(name).data.length}`);
        if (!finite(g)) fail(`gradient of ${name} is not finite`);
      }
      const bottom = network.parameters().find((p) => /(^|\.)W_in$/.test(p.name))!.name;
      const gIn = sink.total.get(bottom);
      if (!gIn || !gIn.some((v) => v !== 0)) fail(`the bottom layer's ${bottom} receives no gradient`);
      // begin() starts fresh: another batch first, then the same data, equals a new learner on the data.
      const again = createAccumulatingSink(network);
      const reused = createLearner(rule, network, again, options);
      const other = conformanceData({ ...shape, batch: (shape.batch ?? 2) + 1, steps: shapeSteps(shape) + 2 }, network.layers[0]!.cell.spiking);
      streamBatch(network, reused, other);
      again.reset();
      streamBatch(network, reused, data);
      compareGradients('a learner reused after another batch (begin must reset its state)', again.total, sink.total, 1e-12);
    },
  };
}

export interface RuleIdentity {
  /** Shown in the test name, e.g. 'k = T equals BPTT'. */
  readonly name: string;
  /** The rule whose gradient this one must reproduce exactly (a definition, or the name of a registered rule). */
  readonly reference: { readonly name: string } | string;
  /** Options of the rule under test (a function of the sequence length for e.g. k = T). */
  readonly options?: RuleOptions;
  readonly referenceOptions?: RuleOptions;
  /** Networks it holds on; default: one recurrent layer with a leaky readout. */
  readonly shapes?: readonly NetworkShape[];
  /** The parameters that must agree (default: every parameter the reference gives). */
  readonly parameters?: (name: string) => boolean;
  /** Changes the network before the comparison (e.g. W_rec = 0, where nothing is cut). */
  readonly prepare?: (network: Network) => void;
  /** Parameters whose reference gradient must not be zero (e.g. a lower layer that must get credit). */
  readonly mustReceive?: readonly string[];
  /** Cells it holds for (default: every cell the rule can train). */
  readonly cells?: (cell: CellV1) => boolean;
  /** Relative error allowed in float64 (default 1e-10). */
  readonly tolerance?: number;
}

export function identityCase(rule: string, cell: string, identity: RuleIdentity, shape: NetworkShape): ConformanceCase {
  const reference = typeof identity.reference === 'string' ? identity.reference : identity.reference.name;
  const opts = optionsFor(identity.options, shape);
  const refOpts = optionsFor(identity.referenceOptions, shape);
  const why = refusal(rule, cell, shape, opts) ?? refusal(reference, cell, shape, refOpts);
  return {
    name: `${identity.name}, ${shape.name}`,
    ...(why ? { skip: why } : {}),
    run() {
      const { network, data } = conformanceNetwork(cell, shape);
      identity.prepare?.(network);
      network.markUpdated();
      const mine = ruleGradients(network, rule, data, opts);
      const ref = ruleGradients(network, reference, data, refOpts);
      compareGradients(`${rule} vs ${reference}`, mine, ref, identity.tolerance ?? 1e-10, identity.parameters);
      for (const name of identity.mustReceive ?? []) {
        const g = ref.get(name);
        if (!g || !g.some((v) => v !== 0)) fail(`${reference} gives ${name} no gradient here, so the identity does not check it (a silent layer?)`);
      }
    },
  };
}

/** The rule's gradient against central differences of the loss, on a smooth (non-spiking) cell. */
export function finiteDifferenceCase(rule: string, cell: string, shape: NetworkShape, options: Record<string, unknown>, tolerance: number): ConformanceCase {
  return {
    name: `finite differences, ${shape.name}`,
    run() {
      const { network, data } = conformanceNetwork(cell, shape);
      // Nonzero biases, so that the differences also see the bias paths away from zero.
      for (const p of network.parameters()) if (/(^|\.)b(_in|_rec|_out)?$/.test(p.name)) for (let i = 0; i < p.data.length; i++) p.data[i] = 0.3 * Math.cos(2.1 * i + p.data.length);
      network.markUpdated();
      const errors = compareWithFiniteDifferences(network, rule, data, { ruleOptions: options });
      const bad = Object.entries(errors).filter(([, e]) => !(e <= tolerance));
      if (bad.length) fail(`${rule} against finite differences: ${bad.map(([n, e]) => `${n} ${e.toExponential(2)}`).join(', ')} > ${tolerance}`);
    },
  };
}

/** One vector file in f32 or f64, with the vector's rule (or `asRule`, to rerun another rule's vectors). */
export function vectorCase(entry: VectorEntry, dtype: DType, asRule?: { name: string; options?: Record<string, unknown>; tolerance?: number }): ConformanceCase {
  const rule = asRule?.name ?? entry.rule;
  const skip = !listCells().includes(entry.cell) ? `cell "${entry.cell}" is in no workspace package` : !listRules().includes(rule) ? `rule "${rule}" is in no workspace package` : undefined;
  return {
    name: `${entry.file.split('/').slice(-2).join('/')} ${asRule ? `as ${rule} ` : ''}in ${dtype}`,
    ...(skip ? { skip } : {}),
    run() {
      let vector = parseGradientVector(entry.json, entry.file);
      if (asRule) vector = { ...vector, rule: { name: asRule.name, ...(asRule.options as Record<string, number | string>) } };
      const r = runGradientVector(vector, { dtype, file: entry.file });
      if (r.status !== 'pass') fail(`${r.status}: ${r.message ?? `worst ${r.worst?.name} ${r.worst?.relativeError}`}`);
      if (asRule?.tolerance !== undefined && !(r.worst!.relativeError <= asRule.tolerance)) fail(`worst relative error ${r.worst!.relativeError} (${r.worst!.name}) > ${asRule.tolerance}`);
    },
  };
}

export const isSmooth = (cell: string) => !sampleCell(cell).spiking;
