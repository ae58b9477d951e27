import { readFileSync } from 'node:fs';
import type { DType, RealArray } from '@snn/protocol';
import { createAccumulatingSink, createLearner, forwardSequence, getCellDefinition, getRuleDefinition, Network, type LayerSpec } from '@snn/core';
import { FormatError, SnnError, UnknownNameError } from '@snn/errors';
import { parseGradientVector, type GradientVector } from './vector-format';

export type VectorStatus = 'pass' | 'fail' | 'unsupported' | 'error';

export interface ParameterComparison {
  name: string;
  /** max|g - g_ref| / max(max|g_ref|, 1e-6) */
  relativeError: number;
  ok: boolean;
}

export interface VectorResult {
  file: string;
  id: string;
  status: VectorStatus;
  dtype: DType;
  /** Worst gradient comparison (undefined when the vector could not be run). */
  worst?: ParameterComparison;
  parameters: ParameterComparison[];
  loss?: { expected: number; actual: number; relativeError: number; ok: boolean };
  /** First output (spike or h) that differs, if any. */
  outputMismatch?: { layer: string; index: number; expected: number; actual: number };
  message?: string;
}

/** Tolerances of shared/spec/vectors.md. */
export const tolerances = {
  float32: { gradient: 1e-3, loss: 1e-4, smoothOutput: 1e-4 },
  float64: { gradient: 1e-8, loss: 1e-10, smoothOutput: 1e-10 },
} as const;

export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return maxDiff / Math.max(maxRef, 1e-6);
}

/** Builds the network a vector describes, with the vector's parameters loaded. */
export function networkFromVector(vector: GradientVector, dtype: DType): Network {
  const cellOptions: Record<string, unknown> = { ...vector.cellOptions };
  if (vector.surrogate) cellOptions.surrogate = vector.surrogate;
  const layers: LayerSpec[] = vector.layers
    ? vector.layers.map((l) => ({ cell: vector.cell, neurons: l.hidden, recurrent: l.recurrent, cellOptions }))
    : [{ cell: vector.cell, neurons: vector.sizes.hidden!, recurrent: true, cellOptions }];
  const network = new Network(
    vector.output
      ? { inputs: vector.sizes.inputs, outputs: vector.sizes.outputs, layers, output: vector.output }
      : { inputs: vector.sizes.inputs, outputs: vector.sizes.outputs, layers, readout: { kappa: vector.readout!.kappa } },
    { dtype, naming: vector.layers ? 'prefixed' : 'flat' },
  );
  const expectedNames = new Set(network.parameters().map((p) => p.name));
  for (const name of Object.keys(vector.params)) {
    if (!expectedNames.has(name)) {
      throw new FormatError(vector.id, `params.${name}`, `no such parameter in a ${vector.cell} network; expected ${[...expectedNames].join(', ')}`);
    }
  }
  for (const p of network.parameters()) {
    const given = vector.params[p.name];
    if (!given) throw new FormatError(vector.id, `params.${p.name}`, 'missing');
    network.setParameter(p.name, given.data, given.shape);
  }
  return network;
}

function ruleOptions(vector: GradientVector): Record<string, unknown> {
  // `layerRules` (feed-forward vectors) is implied by the rule's name and written out for readers only.
  const { name: _name, layerRules: _layerRules, ...rest } = vector.rule;
  return rest;
}

/** Runs one vector: forward (outputs, loss) and the rule's gradient, compared with the tolerances. */
export function runGradientVector(vector: GradientVector, options: { dtype?: DType; file?: string } = {}): VectorResult {
  const dtype = options.dtype ?? 'float32';
  const base: VectorResult = { file: options.file ?? vector.id, id: vector.id, status: 'error', dtype, parameters: [] };
  try {
    getCellDefinition(vector.cell);
    getRuleDefinition(vector.rule.name);
  } catch (e) {
    if (UnknownNameError.isInstance(e)) {
      return { ...base, status: 'unsupported', message: `${e.kind} "${e.requested}" is not supported yet (available: ${e.available.join(', ') || 'none'})` };
    }
    throw e;
  }
  const network = networkFromVector(vector, dtype);
  const { batch: B, steps: T } = vector.sizes;
  const x = dtype === 'float64' ? Float64Array.from(vector.x.data) : Float32Array.from(vector.x.data);
  const targets = Int32Array.from(vector.target.data);
  const data = { x, batch: B, steps: T, targets, lossMask: vector.lossMask.data };
  const tol = tolerances[dtype];

  // Forward: outputs and loss.
  const forward = forwardSequence(network, data, { recordOutputs: true });
  const smooth = !network.layers[0]!.cell.spiking;
  const expectedOutputs: Array<[string, number[] | undefined]> = vector.layers
    ? network.layers.map((_, l) => [`l${l}`, vector.expected.outputs?.[`l${l}`]?.data])
    : [['spikes', vector.expected.spikes?.data]];
  let outputMismatch: VectorResult['outputMismatch'];
  expectedOutputs.forEach(([layer, expected], l) => {
    if (!expected || outputMismatch) return;
    const actual = forward.outputs![l]!;
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i]!;
      const a = actual[i]!;
      const bad = smooth ? Math.abs(a - e) > tol.smoothOutput * Math.max(1, Math.abs(e)) : a !== e;
      if (bad) {
        outputMismatch = { layer, index: i, expected: e, actual: a };
        break;
      }
    }
  });
  const lossError = Math.abs(forward.loss - vector.expected.loss) / Math.max(Math.abs(vector.expected.loss), 1e-12);
  const loss = { expected: vector.expected.loss, actual: forward.loss, relativeError: lossError, ok: lossError <= tol.loss };

  // Gradient of the rule, weights fixed for the whole sequence. The sink records which parameters the
  // rule produced at all, so that a vector that leaves one out cannot pass by checking less.
  const sink = createAccumulatingSink(network);
  const produced = new Set<string>();
  const recording: typeof sink = Object.assign((gradients: Parameters<typeof sink>[0], event: Parameters<typeof sink>[1]) => {
    for (const name of gradients.keys()) produced.add(name);
    sink(gradients, event);
  }, sink);
  const learner = createLearner(vector.rule.name, network, recording, ruleOptions(vector));
  const input = { x, offset: 0, rowStride: T * vector.sizes.inputs, targets, lossWeight: 1 };
  learner.begin(B);
  for (let t = 0; t < T; t++) {
    input.offset = t * vector.sizes.inputs;
    input.lossWeight = vector.lossMask.data[t]!;
    learner.step(input);
  }
  learner.end();
  const parameters: ParameterComparison[] = [];
  const problems: string[] = [];
  for (const [name, expected] of Object.entries(vector.expected.grads)) {
    const actual: RealArray | undefined = sink.total.get(name);
    if (!actual) {
      problems.push(`expected.grads names ${name}, which a ${vector.cell} network does not have (it has ${[...sink.total.keys()].join(', ')})`);
      parameters.push({ name, relativeError: Infinity, ok: false });
      continue;
    }
    if (expected.data.length !== actual.length) {
      problems.push(`expected.grads.${name} holds ${expected.data.length} values, the parameter has ${actual.length}`);
      parameters.push({ name, relativeError: Infinity, ok: false });
      continue;
    }
    // A parameter the rule never sent a gradient for is compared as zero: right only if the vector says zero.
    const err = relativeError(actual, expected.data);
    parameters.push({ name, relativeError: err, ok: err <= tol.gradient });
  }
  const missing = [...produced].filter((name) => !(name in vector.expected.grads));
  for (const name of missing) {
    problems.push(`expected.grads lacks ${name}, which rule ${vector.rule.name} produces: the vector cannot check it`);
    parameters.push({ name, relativeError: Infinity, ok: false });
  }
  if (parameters.length === 0) problems.push('expected.grads is empty: nothing would be checked');
  const worst = parameters.reduce<ParameterComparison | undefined>((w, p) => (!w || p.relativeError > w.relativeError ? p : w), undefined);
  const ok = !outputMismatch && loss.ok && problems.length === 0 && parameters.every((p) => p.ok);
  const result: VectorResult = { ...base, status: ok ? 'pass' : 'fail', parameters, loss };
  if (worst) result.worst = worst;
  if (outputMismatch) result.outputMismatch = outputMismatch;
  if (problems.length > 0) {
    result.message = problems.join('; ');
  } else if (outputMismatch) {
    result.message = `${outputMismatch.layer}[${outputMismatch.index}] is ${outputMismatch.actual}, expected ${outputMismatch.expected}`;
  } else if (!loss.ok) {
    result.message = `loss ${loss.actual} vs ${loss.expected} (relative error ${loss.relativeError.toExponential(2)})`;
  }
  return result;
}

/** Reads, validates and runs one vector file. Problems come back as status 'error' with a message. */
export function runGradientVectorFile(file: string, options: { dtype?: DType } = {}): VectorResult {
  const dtype = options.dtype ?? 'float32';
  const failed = (message: string, id = '?'): VectorResult => ({ file, id, status: 'error', dtype, parameters: [], message });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return failed(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return failed(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  let vector: GradientVector;
  try {
    vector = parseGradientVector(json, file);
  } catch (e) {
    if (SnnError.isInstance(e)) return failed(e.message);
    throw e;
  }
  try {
    return runGradientVector(vector, { dtype, file });
  } catch (e) {
    if (SnnError.isInstance(e)) return failed(e.message, vector.id);
    throw e;
  }
}
