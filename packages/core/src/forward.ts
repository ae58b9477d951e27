import type { CellStepArgs, NetworkV1, RealArray, StepInput } from '@snn/protocol';
import { assertFinite, InvalidArgumentError, ShapeError } from '@snn/errors';
import { allocate } from './dtype';
import { density, layerStep, ownLayerWeights, ownReadoutWeights, readoutLossStep, SPARSE_DENSITY_THRESHOLD } from './engine';
import { createTypedArrayOps } from './compute';
import type { Network } from './network';

export interface SequenceBatch {
  /** `[B, T, I]` inputs. */
  x: RealArray | Float32Array;
  batch: number;
  steps: number;
  /** `[B]` class per sequence. */
  targets: Int32Array;
  /** `[T]` weight of each step's loss. Default: 1 at every step. */
  lossMask?: ArrayLike<number>;
}

export interface ForwardResult {
  /** The vectors' loss: (1/B) sum_b sum_t mask_t CE(o_{b,t}, target_b). */
  loss: number;
  /** `[B, O]` loss-weighted sum of readout outputs; argmax gives the prediction. */
  evidence: RealArray;
  /** Predicted class per sequence. */
  predictions: Int32Array;
  /** When requested: each layer's outputs `[B, T, H_l]`. */
  outputs?: RealArray[];
}

/** Checks a batch against the network: shapes and finite values. Throws ShapeError / NonFiniteError. */
export function validateBatch(network: Network, data: SequenceBatch): void {
  const { batch, steps } = data;
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(steps) || steps < 1) {
    throw new ShapeError('x', [-1, -1, network.inputs], [batch, steps, network.inputs], 'batch and steps must be positive integers');
  }
  if (data.x.length !== batch * steps * network.inputs) {
    throw new ShapeError('x', [batch, steps, network.inputs], [data.x.length], `x must hold batch x steps x ${network.inputs} values`);
  }
  if (data.targets.length !== batch) throw new ShapeError('targets', [batch], [data.targets.length]);
  for (let i = 0; i < batch; i++) {
    const t = data.targets[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= network.outputs) {
      throw new ShapeError('targets', [batch], [batch], `targets[${i}] = ${t} is not a class index in [0, ${network.outputs})`);
    }
  }
  if (data.lossMask && data.lossMask.length !== steps) throw new ShapeError('lossMask', [steps], [data.lossMask.length]);
  assertFinite('x', data.x);
  if (data.lossMask) assertFinite('lossMask', data.lossMask);
}

export function argmaxRows(values: RealArray, rows: number, cols: number, out: Int32Array): Int32Array {
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < cols; k++) if (values[r * cols + k]! > values[r * cols + best]!) best = k;
    out[r] = best;
  }
  return out;
}

/**
 * Runs the network over a batch of sequences (no gradients): loss, predictions, optionally every
 * layer's outputs. Memory is constant in T unless outputs are recorded.
 */
export function forwardSequence(network: Network, data: SequenceBatch, options: { recordOutputs?: boolean; validate?: boolean } = {}): ForwardResult {
  if (options.validate !== false) validateBatch(network, data);
  const { batch: B, steps: T, x } = data;
  const dtype = network.dtype;
  const I = network.inputs;
  const O = network.outputs;
  network.refreshCaches();
  const xs = x instanceof Float64Array || dtype === 'float32' ? (x as RealArray) : Float64Array.from(x);
  const layers = network.layers.map((layer) => {
    const H = layer.neurons;
    const d = layer.cell.stateSize;
    const GH = layer.gates * H;
    return {
      layer,
      prevState: allocate(dtype, d * B * H),
      state: allocate(dtype, d * B * H),
      prevOutput: allocate(dtype, B * H),
      output: allocate(dtype, B * H),
      current: allocate(dtype, B * GH),
      recurrentCurrent: layer.cell.splitsRecurrentCurrent ? allocate(dtype, B * GH) : null,
      tape: allocate(dtype, Math.max(1, layer.cell.tapeSize) * B * H),
      recorded: options.recordOutputs ? allocate(dtype, B * T * H) : null,
      weights: ownLayerWeights(layer),
    };
  });
  const ops = createTypedArrayOps(dtype);
  const readoutWeights = ownReadoutWeights(network.readout);
  let oPrev = allocate(dtype, B * O);
  let o = allocate(dtype, B * O);
  const evidence = allocate(dtype, B * O);
  let loss = 0;
  const args: CellStepArgs = {
    batch: B,
    inputCurrent: layers[0]!.current,
    recurrentCurrent: null,
    prevState: layers[0]!.prevState,
    prevOutput: layers[0]!.prevOutput,
    state: layers[0]!.state,
    output: layers[0]!.output,
    tape: layers[0]!.tape,
    params: {},
  };
  for (let t = 0; t < T; t++) {
    let input: RealArray = xs;
    let offset = t * I;
    let stride = T * I;
    let width = I;
    let sparse = density(xs, offset, B, I, stride) < SPARSE_DENSITY_THRESHOLD;
    for (const L of layers) {
      args.inputCurrent = L.current;
      args.recurrentCurrent = L.recurrentCurrent;
      args.prevState = L.prevState;
      args.prevOutput = L.prevOutput;
      args.state = L.state;
      args.output = L.output;
      args.tape = L.tape;
      layerStep(L.layer, B, input, offset, stride, sparse, args, ops, L.weights);
      const H = L.layer.neurons;
      if (L.recorded) {
        for (let b = 0; b < B; b++) L.recorded.set(L.output.subarray(b * H, (b + 1) * H), (b * T + t) * H);
      }
      input = L.output;
      offset = 0;
      stride = H;
      width = H;
      sparse = L.layer.cell.spiking;
    }
    void width;
    const top = layers[layers.length - 1]!;
    const w = data.lossMask ? data.lossMask[t]! : 1;
    loss += readoutLossStep(network.readout, top.layer.cell.spiking, B, top.output, oPrev, o, data.targets, w, null, evidence, ops, readoutWeights);
    for (const L of layers) {
      [L.prevState, L.state] = [L.state, L.prevState];
      [L.prevOutput, L.output] = [L.output, L.prevOutput];
    }
    [oPrev, o] = [o, oPrev];
  }
  const result: ForwardResult = { loss, evidence, predictions: argmaxRows(evidence, B, O, new Int32Array(B)) };
  if (options.recordOutputs) result.outputs = layers.map((L) => L.recorded!);
  return result;
}

/**
 * Typed errors for a malformed step of a stream (too short, NaN inputs, bad targets, bad loss weight),
 * naming the step. Every learner calls it at its `step` unless told not to.
 */
export function checkStepInput(input: StepInput, network: NetworkV1, step: number): void {
  const I = network.inputs;
  const B = input.targets.length;
  if (input.offset + (B - 1) * input.rowStride + I > input.x.length) {
    throw new InvalidArgumentError('step input', `step ${step}: x holds ${input.x.length} values, too few for ${B} rows of ${I} inputs at offset ${input.offset}, stride ${input.rowStride}`);
  }
  for (let b = 0; b < B; b++) {
    const base = input.offset + b * input.rowStride;
    for (let i = 0; i < I; i++) {
      const v = input.x[base + i]!;
      if (!Number.isFinite(v)) throw new InvalidArgumentError('step input', `x[batch ${b}, input ${i}] at step ${step} is ${v}; inputs must be finite`);
    }
    const c = input.targets[b]!;
    if (c < 0 || c >= network.outputs) throw new InvalidArgumentError('targets', `targets[${b}] = ${c} is not a class in [0, ${network.outputs})`);
  }
  if (!Number.isFinite(input.lossWeight)) throw new InvalidArgumentError('lossWeight', `is ${input.lossWeight} at step ${step}`);
}
