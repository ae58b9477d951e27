import type { CellJacobianArgs, CellStepArgs, Gradients, GradientSink, LearnerStats, LearnerV1, NetworkV1, RealArray, StepInput } from '@snn/protocol';
import {
  checkStepInput,
  createGradients,
  createTypedArrayOps,
  type ComputeOps,
  crossEntropyStep,
  layerStep,
  readoutStep,
} from '@snn/core';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';
import { checkFeedForwardNetwork } from './checks';
import { weightMirror, type WeightMirror } from '../weight-mirror';
import type { LayerRule, LayerRuleFactory } from './layer-rule';

export interface FeedForwardOnlineOptions {
  /**
   * 'sequence' (default, offline): sum every step's contribution and hand the total to the sink at
   * `end()`. 'step' (online): hand each step's contribution to the sink at that step (an optimizer
   * sink then updates the weights every time step; the next step's forward uses the new weights).
   */
  emit: 'step' | 'sequence';
  /** Check every step's input for NaN and out-of-range targets. Default true. */
  validateInputs: boolean;
}

const knownOptions = new Set(['emit', 'validateInputs']);

/** Per-layer forward buffers of the driver. */
interface LayerBuffers {
  prevState: RealArray;
  state: RealArray;
  prevOutput: RealArray;
  output: RealArray;
  current: RealArray;
  tape: RealArray;
  J: RealArray;
  D: RealArray;
  C: RealArray;
  CI: RealArray;
  P: RealArray;
  CP: RealArray;
  /** Cotangent of this layer's spikes `[B, H]`, and the scaled `g * q`. */
  g: RealArray;
  q: RealArray;
  rule: LayerRule;
}

/**
 * The learner of a feed-forward online rule (OTTT, OSTL, OTPE, ...): per step, the forward of every
 * layer (each layer's rule folds the step into its traces), the step's loss and its cotangent at the
 * logits, then one top-down pass in which every layer adds its contribution and sends
 * `(g * q) W` to the layer below. Nothing crosses time steps except the layers' own traces, so memory
 * does not depend on the sequence length.
 *
 * Logits: in the output-layer form (`NetworkSpec.output`) the top layer's spikes or their leaky sum,
 * whose cotangent is taken with respect to o_t only (never carried to o_{t-1}); with the standard
 * leaky-integrator readout, W_out and b_out get their exact gradients through kappa-filtered traces
 * of the top layer's outputs and g = dl_t/do_t W_out reaches the top layer.
 */
export class FeedForwardOnlineLearner implements LearnerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly cadence: 'step' | 'sequence';
  private readonly emit: 'step' | 'sequence';
  private readonly validate: boolean;
  private readonly alphas: number[];
  private readonly gradients: Map<string, RealArray>;
  private readonly layerGrads: Array<{ W: RealArray; b: RealArray }>;
  private readonly readoutGrads: { W: RealArray; b: RealArray } | null;
  private layers: LayerBuffers[] = [];
  private batch = 0;
  private oPrev: RealArray;
  private o: RealArray;
  private gO: RealArray;
  /** Readout traces (standard readout only): `[B, H_top]` kappa-filtered top outputs and the bias's scalar trace. */
  private yTrace: RealArray;
  private biasTrace = 0;
  private evidence: RealArray;
  private readonly stepArgs: CellStepArgs;
  private readonly jacArgs: CellJacobianArgs;
  private stepCount = 0;
  private readonly ops: ComputeOps;
  /** The kernels' view of the weights (no per-step objects; transposes refreshed after updates). */
  private readonly weights: WeightMirror;
  private lossSum = 0;
  private pendingLoss = 0;

  constructor(
    readonly rule: string,
    private readonly network: NetworkV1,
    private readonly sink: GradientSink,
    private readonly factories: readonly LayerRuleFactory[],
    options: Partial<FeedForwardOnlineOptions> = {},
  ) {
    rejectUnknownOptions(rule, options, knownOptions);
    const emit = options.emit ?? 'sequence';
    if (emit !== 'step' && emit !== 'sequence') throw new InvalidArgumentError(`${rule} option "emit"`, `must be 'step' or 'sequence', got ${String(emit)}`);
    const validate = options.validateInputs ?? true;
    if (typeof validate !== 'boolean') throw new InvalidArgumentError(`${rule} option "validateInputs"`, `must be true or false, got ${String(validate)}`);
    this.emit = emit;
    this.validate = validate;
    this.cadence = emit;
    this.alphas = checkFeedForwardNetwork(rule, network);
    if (factories.length !== network.layers.length) {
      throw new InvalidArgumentError(`${rule} layer rules`, `${factories.length} given for ${network.layers.length} layers`);
    }
    this.ops = createTypedArrayOps(network.dtype);
    this.weights = weightMirror(network, this.ops);
    this.gradients = createGradients(network);
    this.layerGrads = network.layers.map((layer) => ({
      W: this.gradients.get(layer.inputWeights.name)!,
      b: this.gradients.get(layer.biases[0]!.parameter.name)!,
    }));
    this.readoutGrads = network.readout.trainable ? { W: this.gradients.get('W_out')!, b: this.gradients.get('b_out')! } : null;
    const a = (n: number) => this.allocate(n);
    this.oPrev = a(0);
    this.o = a(0);
    this.gO = a(0);
    this.yTrace = a(0);
    this.evidence = a(0);
    const empty = a(0);
    this.stepArgs = { batch: 0, inputCurrent: empty, recurrentCurrent: null, prevState: empty, prevOutput: empty, state: empty, output: empty, tape: empty, params: {} };
    this.jacArgs = { ...this.stepArgs, J: empty, D: empty, Drec: null, C: empty, CI: empty, CIrec: null, P: empty, CP: empty };
  }

  private allocate(n: number): RealArray {
    return this.network.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  }

  /** Bytes of every layer's traces for the current batch (constant in T). */
  get memoryBytes(): number {
    return this.layers.reduce((s, L) => s + L.rule.memoryBytes, 0);
  }

  get stats(): LearnerStats {
    return { steps: this.stepCount, loss: this.lossSum, evidence: this.evidence };
  }

  begin(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new InvalidArgumentError('batch', `must be a positive integer, got ${batch}`);
    const net = this.network;
    if (batch !== this.batch) {
      const a = (n: number) => this.allocate(n);
      let inputs = net.inputs;
      this.layers = net.layers.map((layer, l) => {
        const H = layer.neurons;
        const n = batch * H;
        const buffers: LayerBuffers = {
          prevState: a(n), state: a(n), prevOutput: a(n), output: a(n), current: a(n),
          tape: a(Math.max(1, layer.cell.tapeSize) * n), J: a(n), D: a(n), C: a(n), CI: a(n), P: a(0), CP: a(0),
          g: a(n), q: a(n),
          rule: this.factories[l]!({ batch, neurons: H, inputs, alpha: this.alphas[l]!, allocate: a }),
        };
        inputs = H;
        return buffers;
      });
      const O = net.outputs;
      this.oPrev = a(batch * O);
      this.o = a(batch * O);
      this.gO = a(batch * O);
      this.evidence = a(batch * O);
      this.yTrace = a(net.readout.trainable ? batch * net.readout.inputs : 0);
      this.batch = batch;
    }
    for (const L of this.layers) {
      L.prevState.fill(0);
      L.prevOutput.fill(0);
      L.rule.begin();
    }
    this.oPrev.fill(0);
    this.yTrace.fill(0);
    this.biasTrace = 0;
    this.evidence.fill(0);
    for (const g of this.gradients.values()) g.fill(0);
    this.stepCount = 0;
    this.lossSum = 0;
    this.pendingLoss = 0;
  }

  step(input: StepInput): void {
    const B = this.batch;
    if (B === 0) throw new InvalidArgumentError(`${this.rule} learner`, 'call begin(batch) before step()');
    if (input.targets.length !== B) throw new InvalidArgumentError('targets', `holds ${input.targets.length} classes, the batch has ${B} sequences`);
    if (this.validate) checkStepInput(input, this.network, this.stepCount + 1);
    const net = this.network;
    this.weights.refresh();
    const args = this.stepArgs;
    const jac = this.jacArgs;
    args.batch = B;
    jac.batch = B;
    // Forward of every layer; each layer's rule folds the step into its traces.
    let pre: RealArray = input.x;
    let offset = input.offset;
    let stride = input.rowStride;
    let sparse = false;
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l]!;
      const layer = net.layers[l]!;
      args.inputCurrent = L.current;
      args.prevState = L.prevState;
      args.prevOutput = L.prevOutput;
      args.state = L.state;
      args.output = L.output;
      args.tape = L.tape;
      layerStep(layer, B, pre, offset, stride, sparse, args, this.ops, this.weights.layers[l]!);
      Object.assign(jac, args);
      jac.J = L.J;
      jac.D = L.D;
      jac.C = L.C;
      jac.CI = L.CI;
      jac.P = L.P;
      jac.CP = L.CP;
      layer.cell.jacobians!(jac);
      const view = this.preView(l, pre, offset, stride);
      L.rule.update({ pre: view, psi: L.C, leak: L.J, gain: L.D });
      pre = L.output;
      offset = 0;
      stride = layer.neurons;
      sparse = true;
    }
    // Logits, the step's loss and its cotangent at o_t.
    const top = this.layers[this.layers.length - 1]!;
    const readout = net.readout;
    const O = net.outputs;
    readoutStep(readout, true, B, top.output, this.oPrev, this.o, this.ops, this.weights.readout);
    const w = input.lossWeight;
    const Htop = readout.inputs;
    if (this.readoutGrads) {
      const kappa = readout.kappa;
      const yT = this.yTrace;
      const y = top.output;
      for (let i = 0; i < B * Htop; i++) yT[i] = kappa * yT[i]! + y[i]!;
      this.biasTrace = kappa * this.biasTrace + 1;
    }
    if (w !== 0) {
      const stepLoss = crossEntropyStep(this.o, B, O, input.targets, w, this.gO);
      this.lossSum += stepLoss;
      this.pendingLoss += stepLoss;
      const o = this.o;
      const ev = this.evidence;
      for (let i = 0; i < B * O; i++) ev[i] = ev[i]! + w * o[i]!;
      this.topDown();
    }
    this.stepCount++;
    for (const L of this.layers) {
      [L.prevState, L.state] = [L.state, L.prevState];
      [L.prevOutput, L.output] = [L.output, L.prevOutput];
    }
    [this.oPrev, this.o] = [this.o, this.oPrev];
    if (this.emit === 'step' && w !== 0) this.flush('step');
  }

  /** The layer's input rows `[B, m]` as one contiguous block (copied when x is a strided slice). */
  private preScratch: RealArray | null = null;
  private preView(l: number, pre: RealArray, offset: number, stride: number): RealArray {
    const m = this.network.layers[l]!.inputs;
    const B = this.batch;
    if (offset === 0 && stride === m && pre.length === B * m) return pre;
    if (!this.preScratch || this.preScratch.length !== B * m) this.preScratch = this.allocate(B * m);
    const out = this.preScratch;
    for (let b = 0; b < B; b++) for (let i = 0; i < m; i++) out[b * m + i] = pre[offset + b * stride + i]!;
    return out;
  }

  private topDown(): void {
    const net = this.network;
    const B = this.batch;
    const O = net.outputs;
    const readout = net.readout;
    const Htop = readout.inputs;
    const gO = this.gO;
    const top = this.layers[this.layers.length - 1]!;
    // g_top = dl/do_t W_out (the identity in the output-layer form).
    const Wout = readout.weights.data;
    const gTop = top.g;
    gTop.fill(0);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < O; k++) {
        const gk = gO[b * O + k]!;
        if (gk === 0) continue;
        const row = k * Htop;
        const base = b * Htop;
        for (let h = 0; h < Htop; h++) gTop[base + h] = gTop[base + h]! + gk * Wout[row + h]!;
      }
    }
    if (this.readoutGrads) {
      const { W, b: gb } = this.readoutGrads;
      const yT = this.yTrace;
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < O; k++) {
          const gk = gO[b * O + k]!;
          gb[k] = gb[k]! + gk * this.biasTrace;
          const row = k * Htop;
          const base = b * Htop;
          for (let h = 0; h < Htop; h++) W[row + h] = W[row + h]! + gk * yT[base + h]!;
        }
      }
    }
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const L = this.layers[l]!;
      const grads = this.layerGrads[l]!;
      L.rule.contribute(L.g, grads.W, grads.b, L.q);
      if (l === 0) break;
      // g^{l-1} = (g * q) W^l.
      const layer = net.layers[l]!;
      const H = layer.neurons;
      const m = layer.inputs;
      const W = layer.inputWeights.data;
      const below = this.layers[l - 1]!.g;
      below.fill(0);
      const g = L.g;
      const q = L.q;
      for (let b = 0; b < B; b++) {
        const base = b * m;
        for (let h = 0; h < H; h++) {
          const s = g[b * H + h]! * q[b * H + h]!;
          if (s === 0) continue;
          const row = h * m;
          for (let i = 0; i < m; i++) below[base + i] = below[base + i]! + s * W[row + i]!;
        }
      }
    }
  }

  private flush(cadence: 'step' | 'sequence'): void {
    const gradients: Gradients = this.gradients;
    this.sink(gradients, { step: this.stepCount, loss: this.pendingLoss, cadence });
    for (const g of this.gradients.values()) g.fill(0);
    this.pendingLoss = 0;
  }

  end(): void {
    if (this.emit === 'sequence') this.flush('sequence');
  }
}
