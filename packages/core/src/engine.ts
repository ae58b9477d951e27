/**
 * The forward step shared by every rule: currents, cell step, readout and the per-step loss.
 * Forward values never depend on the rule (rules only cut gradients), so they all call these.
 */
import type { CellStepArgs, LayerV1, ReadoutV1, RealArray } from '@snn/protocol';
import { createTypedArrayOps, type ComputeOps } from './compute';

/** The weights of a layer as the kernels see them (the layer's own arrays, or workspace mirrors). */
export interface LayerWeights {
  /** W_in transposed `[I, G*H]`. */
  inputT: RealArray;
  /** W_in `[G*H, I]`. */
  input: RealArray;
  /** W_rec transposed `[H, G*H]`. */
  recurrentT: RealArray | null;
  /** W_rec `[G*H, H]`. */
  recurrent: RealArray | null;
}

/** The readout weights as the kernels see them. */
export interface ReadoutWeights {
  /** W_out `[O, H]`. */
  weights: RealArray;
  /** W_out transposed `[H, O]`. */
  weightsT: RealArray;
}

const defaultOps = { float32: createTypedArrayOps('float32'), float64: createTypedArrayOps('float64') };

export function ownLayerWeights(layer: LayerV1): LayerWeights {
  return {
    inputT: layer.inputWeightsT,
    input: layer.inputWeights.data,
    recurrentT: layer.recurrentWeightsT,
    recurrent: layer.recurrentWeights?.data ?? null,
  };
}

export function ownReadoutWeights(readout: ReadoutV1): ReadoutWeights {
  return { weights: readout.weights.data, weightsT: readout.weightsT };
}

/** Below this fraction of nonzero inputs, products skip the zeros (event-driven). */
export const SPARSE_DENSITY_THRESHOLD = 0.3;

/** Fraction of nonzero entries in `rows` rows of `cols` values starting at `offset`, `stride` apart. */
export function density(a: RealArray, offset: number, rows: number, cols: number, stride: number): number {
  let nonzero = 0;
  for (let r = 0; r < rows; r++) {
    const base = offset + r * stride;
    for (let c = 0; c < cols; c++) if (a[base + c] !== 0) nonzero++;
  }
  return nonzero / (rows * cols);
}

/**
 * Writes the currents of `layer` for one step:
 * current = W_in x + input biases (+ W_rec y_{t-1} when the cell does not split currents);
 * recurrentCurrent = W_rec y_{t-1} + recurrent biases for cells that split them.
 * Products with spike vectors skip zeros. Call `network.refreshCaches()` before the first step.
 */
export function layerCurrents(
  layer: LayerV1,
  batch: number,
  input: RealArray,
  inputOffset: number,
  inputRowStride: number,
  inputIsSparse: boolean,
  prevOutput: RealArray,
  current: RealArray,
  recurrentCurrent: RealArray | null,
  ops: ComputeOps = defaultOps.float32,
  weights: LayerWeights = ownLayerWeights(layer),
): void {
  const GH = layer.gates * layer.neurons;
  const split = layer.cell.splitsRecurrentCurrent;
  const recTarget = split ? recurrentCurrent! : current;
  current.fill(0, 0, batch * GH);
  if (split) recTarget.fill(0, 0, batch * GH);
  for (const b of layer.biases) {
    const target = b.adds === 'recurrent' && split ? recTarget : current;
    const bias = b.parameter.data;
    for (let r = 0; r < batch; r++) {
      const base = r * GH;
      for (let j = 0; j < GH; j++) target[base + j] = target[base + j]! + bias[j]!;
    }
  }
  // Products use the transposed weights so that both the event-driven and the dense kernel stream
  // contiguous rows.
  if (inputIsSparse) {
    ops.gemmSparseA(false, batch, GH, layer.inputs, 1, input, inputOffset, inputRowStride, weights.inputT, 0, GH, current, 0, GH);
  } else {
    ops.gemm(false, false, batch, GH, layer.inputs, 1, input, inputOffset, inputRowStride, weights.inputT, 0, GH, 1, current, 0, GH);
  }
  if (weights.recurrentT) {
    const H = layer.neurons;
    if (layer.cell.spiking) {
      ops.gemmSparseA(false, batch, GH, H, 1, prevOutput, 0, H, weights.recurrentT, 0, GH, recTarget, 0, GH);
    } else {
      ops.gemm(false, false, batch, GH, H, 1, prevOutput, 0, H, weights.recurrentT, 0, GH, 1, recTarget, 0, GH);
    }
  }
}

/** o_t = kappa o_{t-1} + W_out y_t + b_out, `[B, O]`. */
export function readoutStep(
  readout: ReadoutV1,
  spiking: boolean,
  batch: number,
  y: RealArray,
  prev: RealArray,
  out: RealArray,
  ops: ComputeOps = defaultOps.float32,
  weights: ReadoutWeights = ownReadoutWeights(readout),
): void {
  const O = readout.outputs;
  const H = readout.inputs;
  const kappa = readout.kappa;
  const bias = readout.bias.data;
  for (let r = 0; r < batch; r++) {
    const base = r * O;
    for (let k = 0; k < O; k++) out[base + k] = kappa * prev[base + k]! + bias[k]!;
  }
  if (spiking) ops.gemmSparseA(false, batch, O, H, 1, y, 0, H, weights.weightsT, 0, O, out, 0, O);
  else ops.gemm(false, false, batch, O, H, 1, y, 0, H, weights.weightsT, 0, O, 1, out, 0, O);
}

/**
 * Masked softmax cross-entropy of one step, the vectors' loss: returns
 * (weight / B) sum_b -log softmax(o_b)[target_b] and, when `grad` is given, writes
 * dLoss/do = (weight / B) (softmax(o) - onehot(target)).
 */
export function crossEntropyStep(
  o: RealArray,
  batch: number,
  classes: number,
  targets: Int32Array,
  weight: number,
  grad: RealArray | null,
): number {
  let loss = 0;
  const scale = weight / batch;
  for (let r = 0; r < batch; r++) {
    const base = r * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) if (o[base + k]! > max) max = o[base + k]!;
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(o[base + k]! - max);
    const logZ = max + Math.log(sum);
    const target = targets[r]!;
    loss -= o[base + target]! - logZ;
    if (grad) {
      for (let k = 0; k < classes; k++) grad[base + k] = scale * (Math.exp(o[base + k]! - logZ) - (k === target ? 1 : 0));
    }
  }
  return loss * scale;
}

/** Per-layer buffers for one step of forward. */
export interface LayerStepBuffers {
  current: RealArray;
  recurrentCurrent: RealArray | null;
  state: RealArray;
  output: RealArray;
  tape: RealArray;
}

/**
 * One layer's forward step, the one every forward orchestration runs: the currents from `input`
 * (rows `inputRowStride` apart from `inputOffset`) and the previous output, then the cell step.
 * `args` carries the layer's buffers (inputCurrent, recurrentCurrent, prevState, prevOutput, state,
 * output, tape); batch and params are set here.
 */
export function layerStep(
  layer: LayerV1,
  batch: number,
  input: RealArray,
  inputOffset: number,
  inputRowStride: number,
  inputIsSparse: boolean,
  args: CellStepArgs,
  ops: ComputeOps = defaultOps.float32,
  weights: LayerWeights = ownLayerWeights(layer),
): void {
  layerCurrents(layer, batch, input, inputOffset, inputRowStride, inputIsSparse, args.prevOutput, args.inputCurrent, args.recurrentCurrent, ops, weights);
  args.batch = batch;
  args.params = layer.neuronParams;
  layer.cell.step(args);
}

/**
 * Readout and loss of one step: o = kappa o_prev + W_out y + b_out into `out`; when `weight` is not 0
 * returns the step's loss, writes dl/do into `grad` (if given) and adds weight * o into `evidence`
 * (if given); when it is 0, returns 0 and zeroes `grad`.
 */
export function readoutLossStep(
  readout: ReadoutV1,
  spiking: boolean,
  batch: number,
  y: RealArray,
  prev: RealArray,
  out: RealArray,
  targets: Int32Array,
  weight: number,
  grad: RealArray | null,
  evidence: RealArray | null,
  ops: ComputeOps = defaultOps.float32,
  weights: ReadoutWeights = ownReadoutWeights(readout),
): number {
  readoutStep(readout, spiking, batch, y, prev, out, ops, weights);
  if (weight === 0) {
    grad?.fill(0);
    return 0;
  }
  const loss = crossEntropyStep(out, batch, readout.outputs, targets, weight, grad);
  if (evidence) {
    const n = batch * readout.outputs;
    for (let i = 0; i < n; i++) evidence[i] = evidence[i]! + weight * out[i]!;
  }
  return loss;
}
