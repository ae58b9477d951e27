/**
 * The forward half shared by the forward-mode rules (e-prop, HYPR, e-prop-style plugins): one step of a network of stacked
 * layers (currents, cell step, per-neuron Jacobians), readout, masked cross-entropy, and every layer's
 * immediate learning signal: L_t = W_out^T dl_t/do_t for the top layer and, below it, the immediate
 * spatial signal dl_t/dy^l_t through the layers above AT THE SAME STEP (reference/algorithms.md 6.6
 * item 2, 6.7: what the official HYPR code does; the upper layers' temporal paths are not seen by the
 * lower layers). Everything is allocated in `begin`; a step allocates nothing.
 */
import type { CellJacobianArgs, LayerV1, NetworkV1, RealArray, StepInput } from '@snn/protocol';
import {
  createComputeOps,
  layerStep,
  readoutLossStep,
  SPARSE_DENSITY_THRESHOLD,
  type ComputeOps,
  type LayerWeights,
} from '@snn/core';
import { InvalidArgumentError, UnsupportedError } from '@snn/errors';
import { fillPresynaptic, type PresynapticGroup } from './presynaptic';
import { weightMirror, type WeightMirror } from './weight-mirror';

/** One layer's step buffers: currents, state, per-neuron Jacobians and the layer's learning signal. */
export class LayerStep {
  readonly H: number;
  readonly G: number;
  readonly d: number;
  readonly nP: number;
  /** Inputs of this layer (the network inputs, or the neurons of the layer below). */
  readonly I: number;
  /**
   * The readout leak seen by this layer's learning signal: the network's kappa for the top layer,
   * 0 below it (the signal of a lower layer is immediate, so its "filtered output" is y_t itself).
   */
  readonly kappa: number;
  batch = 0;
  /** `[B, I]` this step's input: a copy of the network input (layer 0), or the lower layer's output itself. */
  x!: RealArray;
  xSparse = false;
  current!: RealArray;
  recurrentCurrent: RealArray | null = null;
  prevState!: RealArray;
  state!: RealArray;
  prevOutput!: RealArray;
  output!: RealArray;
  tape!: RealArray;
  J!: RealArray;
  D!: RealArray;
  Drec: RealArray | null = null;
  C!: RealArray;
  CI!: RealArray;
  CIrec: RealArray | null = null;
  P!: RealArray;
  CP!: RealArray;
  /** `[B, H]` the immediate learning signal dl_t/dy_t of this layer's outputs. */
  signal!: RealArray;
  /** `[B, G*H]` scratch: signal times the current derivative of y (to pass the signal down). */
  signalCurrent!: RealArray;
  weights!: LayerWeights;
  private readonly args: CellJacobianArgs;

  constructor(
    readonly layer: LayerV1,
    readonly index: number,
    readonly ops: ComputeOps,
    top: boolean,
    networkKappa: number,
  ) {
    if (!layer.cell.jacobians) throw new UnsupportedError(`forward-mode learning through cell "${layer.cell.name}"`, 'the cell provides no jacobians');
    this.H = layer.neurons;
    this.G = layer.gates;
    this.d = layer.cell.stateSize;
    this.nP = layer.cell.neuronParameters.length;
    this.I = layer.inputs;
    this.kappa = top ? networkKappa : 0;
    const empty = ops.allocate(0);
    this.args = {
      batch: 0, inputCurrent: empty, recurrentCurrent: null, prevState: empty, prevOutput: empty, state: empty, output: empty, tape: empty,
      params: layer.neuronParams, J: empty, D: empty, Drec: null, C: empty, CI: empty, CIrec: null, P: empty, CP: empty,
    };
  }

  get bytes(): number {
    const list = [this.x, this.current, this.recurrentCurrent, this.prevState, this.state, this.prevOutput, this.output, this.tape, this.J, this.D,
      this.Drec, this.C, this.CI, this.CIrec, this.P, this.CP, this.signal, this.signalCurrent];
    return list.reduce((s, a) => s + (a ? a.byteLength : 0), 0);
  }

  allocate(batch: number): void {
    const { H, G, d, nP, I } = this;
    const split = this.layer.cell.splitsRecurrentCurrent;
    const a = (n: number) => this.ops.allocate(n);
    const B = batch;
    this.batch = B;
    // Layers above the first read the lower layer's output in place (`useInput`): no copy.
    this.x = this.index === 0 ? a(B * I) : a(0);
    this.current = a(B * G * H);
    this.recurrentCurrent = split ? a(B * G * H) : null;
    this.prevState = a(d * B * H);
    this.state = a(d * B * H);
    this.prevOutput = a(B * H);
    this.output = a(B * H);
    this.tape = a(this.layer.cell.tapeSize * B * H);
    this.J = a(B * H * d * d);
    this.D = a(B * H * d * G);
    this.Drec = split ? a(B * H * d * G) : null;
    this.C = a(B * H * d);
    this.CI = a(B * H * G);
    this.CIrec = split ? a(B * H * G) : null;
    this.P = a(B * H * d * nP);
    this.CP = a(B * H * nP);
    this.signal = a(B * H);
    this.signalCurrent = a(B * G * H);
  }

  reset(): void {
    this.prevState.fill(0);
    this.prevOutput.fill(0);
  }

  /** Copies `[B, I]` rows of `source` into `x` and notes whether they are sparse. */
  setInput(source: ArrayLike<number>, offset: number, rowStride: number): void {
    const { batch: B, I } = this;
    const x = this.x;
    let nonzero = 0;
    for (let b = 0; b < B; b++) {
      const src = offset + b * rowStride;
      const dst = b * I;
      for (let i = 0; i < I; i++) {
        const v = source[src + i]!;
        x[dst + i] = v;
        if (v !== 0) nonzero++;
      }
    }
    this.xSparse = nonzero < SPARSE_DENSITY_THRESHOLD * B * I;
  }

  /** Reads `[B, I]` values that already live in a kernel buffer (the lower layer's output) without copying. */
  useInput(values: RealArray): void {
    this.x = values;
    const n = this.batch * this.I;
    let nonzero = 0;
    for (let i = 0; i < n; i++) if (values[i] !== 0) nonzero++;
    this.xSparse = nonzero < SPARSE_DENSITY_THRESHOLD * n;
  }

  /** Currents, cell step and per-neuron Jacobians from `x` and prevState/prevOutput. */
  forward(): void {
    const B = this.batch;
    const layer = this.layer;
    const a = this.args;
    a.inputCurrent = this.current;
    a.recurrentCurrent = this.recurrentCurrent;
    a.prevState = this.prevState;
    a.prevOutput = this.prevOutput;
    a.state = this.state;
    a.output = this.output;
    a.tape = this.tape;
    a.J = this.J;
    a.D = this.D;
    a.Drec = this.Drec;
    a.C = this.C;
    a.CI = this.CI;
    a.CIrec = this.CIrec;
    a.P = this.P;
    a.CP = this.CP;
    layerStep(layer, B, this.x, 0, this.I, this.xSparse, a, this.ops, this.weights);
    this.CI.fill(0);
    this.CIrec?.fill(0);
    this.CP.fill(0);
    this.P.fill(0);
    layer.cell.jacobians!(a);
  }

  /**
   * The immediate signal of the layer below: dl_t/dx_t = sum_k (signal * (C . D[:, k] + CI[k])) W_in^(k),
   * written to `below` (`[B, I]`). Only the input current's path: x_t enters through W_in alone.
   */
  passSignalDown(below: RealArray): void {
    const { batch: B, H, G, d, I } = this;
    const GH = G * H;
    const sc = this.signalCurrent;
    const { signal, C, D, CI } = this;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const n = b * H + j;
        const l = signal[n]!;
        for (let k = 0; k < G; k++) {
          let s = CI[n * G + k]!;
          for (let r = 0; r < d; r++) s += C[n * d + r]! * D[(n * d + r) * G + k]!;
          sc[b * GH + k * H + j] = l * s;
        }
      }
    }
    this.ops.gemm(false, false, B, I, GH, 1, sc, 0, GH, this.weights.input, 0, I, 0, below, 0, I);
  }

  /** Writes the presynaptic row values of `group` for this step into `pre` (`[B, width]`). */
  fillPresynaptic(group: PresynapticGroup, pre: RealArray): void {
    fillPresynaptic(group, this.batch, this.I, this.H, this.x, this.prevOutput, pre);
  }

  /** Swaps state/output buffers so the results of the last step become the previous ones. */
  advance(): void {
    let s = this.prevState;
    this.prevState = this.state;
    this.state = s;
    s = this.prevOutput;
    this.prevOutput = this.output;
    this.output = s;
  }
}

/** The network's forward step: every layer, the readout, the loss, and every layer's learning signal. */
export class ForwardStep {
  readonly ops: ComputeOps;
  readonly layers: LayerStep[];
  /** The top layer (the readout reads its outputs). */
  readonly top: LayerStep;
  readonly O: number;
  readonly kappa: number;
  batch = 0;
  /** Steps consumed since `begin`. */
  steps = 0;
  lossSum = 0;
  /** Loss of the last step. */
  lastLoss = 0;
  /** Whether the last step had a nonzero loss weight (signal and gradO are then meaningful). */
  lastHadLoss = false;
  oPrev!: RealArray;
  oNow!: RealArray;
  /** `[B, O]` dl_t/do_t of the last step. */
  gradO!: RealArray;
  evidence!: RealArray;
  /** The kernels' view of the weights (shared with anything else on the same ops). */
  private readonly weights: WeightMirror;

  constructor(
    readonly network: NetworkV1,
    ops?: ComputeOps,
  ) {
    this.ops = ops ?? createComputeOps(network.dtype);
    const L = network.layers.length;
    this.layers = network.layers.map((layer, l) => new LayerStep(layer, l, this.ops, l === L - 1, network.readout.kappa));
    this.top = this.layers[L - 1]!;
    this.O = network.outputs;
    this.kappa = network.readout.kappa;
    this.weights = weightMirror(network, this.ops);
    this.layers.forEach((l, i) => (l.weights = this.weights.layers[i]!));
  }

  /** Bytes of the buffers this object holds (batch-sized, independent of T). */
  get bytes(): number {
    const list = [this.oPrev, this.oNow, this.gradO, this.evidence];
    return this.layers.reduce((s, l) => s + l.bytes, 0) + list.reduce((s, a) => s + (a ? a.byteLength : 0), 0);
  }

  begin(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new InvalidArgumentError('batch', `must be a positive integer, got ${batch}`);
    const O = this.O;
    if (batch !== this.batch) {
      const a = (n: number) => this.ops.allocate(n);
      this.batch = batch;
      for (const l of this.layers) l.allocate(batch);
      this.oPrev = a(batch * O);
      this.oNow = a(batch * O);
      this.gradO = a(batch * O);
      this.evidence = a(batch * O);
    }
    for (const l of this.layers) l.reset();
    this.oPrev.fill(0);
    this.evidence.fill(0);
    this.steps = 0;
    this.lossSum = 0;
    this.refreshWeights();
  }

  /** Points the kernels at the current weights (the shared mirror re-copies them when they changed). */
  refreshWeights(): void {
    this.weights.refresh();
  }

  /** Swaps state/output/readout buffers so the results of the last step become the previous ones. */
  advance(): void {
    for (const l of this.layers) l.advance();
    const s = this.oPrev;
    this.oPrev = this.oNow;
    this.oNow = s;
  }

  /**
   * Runs step t (uses the previous states and oPrev; writes states, outputs, Jacobians, oNow, gradO and
   * every layer's signal). Call `advance()` after the caller has used the step's values.
   */
  forward(input: StepInput): void {
    this.refreshWeights();
    this.steps++;
    const { batch: B, O } = this;
    const layers = this.layers;
    layers[0]!.setInput(input.x, input.offset, input.rowStride);
    for (let l = 0; l < layers.length; l++) {
      const ls = layers[l]!;
      if (l > 0) {
        ls.useInput(layers[l - 1]!.output);
      }
      ls.forward();
    }
    const top = this.top;
    const w = input.lossWeight;
    this.lastHadLoss = w !== 0;
    this.lastLoss = readoutLossStep(this.network.readout, top.layer.cell.spiking, B, top.output, this.oPrev, this.oNow, input.targets, w, this.gradO, this.evidence, this.ops, this.weights.readout);
    this.lossSum += this.lastLoss;
    if (w !== 0) {
      this.ops.gemm(false, false, B, top.H, O, 1, this.gradO, 0, O, this.weights.readout.weights, 0, top.H, 0, top.signal, 0, top.H);
      for (let l = layers.length - 1; l > 0; l--) layers[l]!.passSignalDown(layers[l - 1]!.signal);
    } else {
      for (const l of layers) l.signal.fill(0);
    }
  }
}
