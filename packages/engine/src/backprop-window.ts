/**
 * The VJP through a window of steps: stored-activation backpropagation through time over any @snn
 * network. `forward` keeps every step's states, outputs, currents and tapes; `backward` walks
 * t = T..1 with the adjoints of reference/algorithms.md section 2, optionally cutting every carried
 * state at chunk starts (TBPTT), and leaves the adjoints of the window's carried start state readable
 * (`boundaryState`, `boundaryOutput`, `boundaryReadout`) for rules that continue the gradient past the
 * window another way (HYPR+TBPTT). `carryOver` starts the next window from the last stored step.
 * BPTT is one window per sequence; TBPTT one window per chunk.
 *
 * Event-driven where it pays: products with spike vectors (inputs that are mostly zeros, spiking
 * layer outputs) skip the zeros, and their weight gradients accumulate into transposed buffers so
 * each spike adds one contiguous row.
 */
import type { CellStepArgs, CellVjpArgs, Gradients, NetworkV1, RealArray, StepInput } from '@snn/protocol';
import {
  createComputeOps,
  createGradients,
  type ComputeOps,
  layerStep,
  readoutLossStep,
  SPARSE_DENSITY_THRESHOLD,
} from '@snn/core';
import { UnsupportedError } from '@snn/errors';
import { weightMirror, type WeightMirror } from './weight-mirror';

/** What the window stores per layer and step (readable by rules built on it, e.g. an eligibility replay). */
export interface LayerHistory {
  /** Index t = 0..T: states s_t `[d, B, H]` (t = 0 is the zero initial state). */
  states: RealArray[];
  outputs: RealArray[];
  /** Index t = 1..T (slot 0 unused). */
  currents: RealArray[];
  recurrentCurrents: (RealArray | null)[];
  tapes: RealArray[];
}

interface LayerAdjoints {
  gradState: RealArray;
  gradPrevState: RealArray;
  gradOutput: RealArray;
  gradPrevOutput: RealArray;
  gradCurrent: RealArray;
  gradRecurrentCurrent: RealArray | null;
  /** Transposed accumulators for event-driven weight gradients. */
  gradInputWeightsT: RealArray;
  gradRecurrentWeightsT: RealArray | null;
  gradParams: Record<string, RealArray>;
}

export class BackpropWindow {
  readonly gradients: Map<string, RealArray>;
  private batch = 0;
  private capacity = 0;
  /** Steps stored so far. */
  steps = 0;
  /** Per layer: stored states/outputs (index 0..steps), currents and tapes (1..steps). Read only. */
  readonly history: LayerHistory[];
  /** Stored inputs x_t `[B, I]`, index 1..steps. Read only. */
  inputs: RealArray[] = [];
  private boundaryReadoutBuffer: RealArray | null = null;
  private inputSparse: boolean[] = [];
  private readoutGrads: RealArray[] = [];
  private readoutPrev: RealArray;
  private readoutNow: RealArray;
  private adjoints: LayerAdjoints[] = [];
  private gradOutputWeightsT: RealArray;
  private fixedReadoutScratch: { weights: RealArray; bias: RealArray } | null = null;

  private fixedReadoutGrads(): { weights: RealArray; bias: RealArray } {
    const r = this.network.readout;
    this.fixedReadoutScratch ??= { weights: this.ops.allocate(r.outputs * r.inputs), bias: this.ops.allocate(r.outputs) };
    this.fixedReadoutScratch.weights.fill(0);
    this.fixedReadoutScratch.bias.fill(0);
    return this.fixedReadoutScratch;
  }
  private readoutCarry: RealArray;
  private readoutAdjoint: RealArray;
  private readonly stepArgs: CellStepArgs;
  private readonly vjpArgs: CellVjpArgs;
  lossSum = 0;
  evidence: RealArray;
  private readonly ops: ComputeOps;
  /** `[d, B, H]` after `backward()`: dL/ds_0 of layer `l`, the adjoint of the carried start state (zero when cut). */
  boundaryState(l = 0): RealArray {
    return this.adjoints[l]!.gradState;
  }

  /** `[B, H]` after `backward()`: dL/dy_0 of layer `l` (the W_rec path and the neuron's own use of y_0). */
  boundaryOutput(l = 0): RealArray {
    return this.adjoints[l]!.gradOutput;
  }

  /** `[B, O]` after `backward()`: dL/do_0 = kappa a^o_1, the adjoint of the carried readout state. */
  get boundaryReadout(): RealArray {
    const n = this.readoutCarry.length;
    if (!this.boundaryReadoutBuffer || this.boundaryReadoutBuffer.length !== n) this.boundaryReadoutBuffer = this.ops.allocate(n);
    const kappa = this.network.readout.kappa;
    for (let i = 0; i < n; i++) this.boundaryReadoutBuffer[i] = kappa * this.readoutCarry[i]!;
    return this.boundaryReadoutBuffer;
  }

  /** Bytes of the arrays this engine holds (stored steps, adjoints, accumulators). */
  get memoryBytes(): number {
    let bytes = 0;
    const add = (a: RealArray | null | undefined) => {
      if (a) bytes += a.byteLength;
    };
    for (const h of this.history) {
      h.states.forEach(add);
      h.outputs.forEach(add);
      h.currents.forEach(add);
      h.recurrentCurrents.forEach(add);
      h.tapes.forEach(add);
    }
    this.inputs.forEach(add);
    this.readoutGrads.forEach(add);
    for (const a of this.adjoints) {
      [a.gradState, a.gradPrevState, a.gradOutput, a.gradPrevOutput, a.gradCurrent, a.gradRecurrentCurrent, a.gradInputWeightsT, a.gradRecurrentWeightsT].forEach(add);
    }
    for (const g of this.gradients.values()) add(g);
    return bytes;
  }

  /** Which kernels run the products ('wasm-simd' or 'reference'). */
  get kernels(): string {
    return this.ops.name;
  }
  /** The kernels' view of the weights (shared with anything else on the same ops). */
  private readonly weights: WeightMirror;

  constructor(
    readonly network: NetworkV1,
    ops?: ComputeOps,
  ) {
    this.ops = ops ?? createComputeOps(network.dtype);
    for (const layer of network.layers) {
      if (!layer.cell.vjp) throw new UnsupportedError(`backprop through cell "${layer.cell.name}"`, 'the cell provides no vjp');
    }
    this.gradients = createGradients(network);
    const allocate = (_dtype: unknown, n: number) => this.ops.allocate(n);
    this.history = network.layers.map(() => ({ states: [], outputs: [], currents: [], recurrentCurrents: [], tapes: [] }));
    const dtype = network.dtype;
    this.readoutPrev = allocate(dtype, 0);
    this.readoutNow = allocate(dtype, 0);
    this.readoutCarry = allocate(dtype, 0);
    this.readoutAdjoint = allocate(dtype, 0);
    this.evidence = allocate(dtype, 0);
    this.gradOutputWeightsT = allocate(dtype, network.readout.inputs * network.outputs);
    this.weights = weightMirror(network, this.ops);
    const empty = allocate(dtype, 0);
    this.stepArgs = { batch: 0, inputCurrent: empty, recurrentCurrent: null, prevState: empty, prevOutput: empty, state: empty, output: empty, tape: empty, params: {} };
    this.vjpArgs = {
      ...this.stepArgs,
      gradState: empty,
      gradOutput: empty,
      gradPrevState: empty,
      gradPrevOutput: empty,
      gradInputCurrent: empty,
      gradRecurrentCurrent: null,
      gradParams: {},
    };
  }

  /** Forget stored steps and start new sequences of `batch` streams. */
  begin(batch: number): void {
    const dtype = this.network.dtype;
    const allocate = (_dtype: unknown, n: number) => this.ops.allocate(n);
    if (batch !== this.batch) {
      this.batch = batch;
      this.capacity = 0;
      for (const h of this.history) {
        h.states.length = h.outputs.length = h.currents.length = h.recurrentCurrents.length = h.tapes.length = 0;
      }
      this.inputs = [];
      this.inputSparse = [];
      this.readoutGrads = [];
      const O = this.network.outputs;
      this.readoutPrev = allocate(dtype, batch * O);
      this.readoutNow = allocate(dtype, batch * O);
      this.readoutCarry = allocate(dtype, batch * O);
      this.readoutAdjoint = allocate(dtype, batch * O);
      this.evidence = allocate(dtype, batch * O);
      this.adjoints = this.network.layers.map((layer) => {
        const H = layer.neurons;
        const d = layer.cell.stateSize;
        const GH = layer.gates * H;
        const gradParams: Record<string, RealArray> = {};
        for (const p of layer.neuronParameterList) {
          gradParams[p.name.slice(p.name.lastIndexOf('.') + 1)] = this.gradients.get(p.name)!;
        }
        return {
          gradState: allocate(dtype, d * batch * H),
          gradPrevState: allocate(dtype, d * batch * H),
          gradOutput: allocate(dtype, batch * H),
          gradPrevOutput: allocate(dtype, batch * H),
          gradCurrent: allocate(dtype, batch * GH),
          gradRecurrentCurrent: layer.cell.splitsRecurrentCurrent ? allocate(dtype, batch * GH) : null,
          gradInputWeightsT: allocate(dtype, layer.inputs * GH),
          gradRecurrentWeightsT: layer.recurrentWeights ? allocate(dtype, H * GH) : null,
          gradParams,
        };
      });
      this.ensureCapacity(0);
    }
    for (const h of this.history) {
      h.states[0]!.fill(0);
      h.outputs[0]!.fill(0);
    }
    this.readoutPrev.fill(0);
    this.evidence.fill(0);
    this.steps = 0;
    this.lossSum = 0;
    this.weights.refresh();
  }

  /**
   * Starts a new stretch of storage from the current state (truncated BPTT): the last stored step's
   * states and outputs become step 0, the readout state carries on, stored steps are forgotten.
   * Nothing flows back past this point. Weights may have changed since (an update after a chunk).
   */
  carryOver(): void {
    const T = this.steps;
    if (T > 0) {
      for (const h of this.history) {
        h.states[0]!.set(h.states[T]!);
        h.outputs[0]!.set(h.outputs[T]!);
      }
    }
    this.steps = 0;
    this.lossSum = 0;
    this.weights.refresh();
  }

  private ensureCapacity(t: number): void {
    const dtype = this.network.dtype;
    const allocate = (_dtype: unknown, n: number) => this.ops.allocate(n);
    const B = this.batch;
    while (this.capacity <= t) {
      const s = this.capacity;
      this.network.layers.forEach((layer, l) => {
        const h = this.history[l]!;
        const H = layer.neurons;
        const GH = layer.gates * H;
        h.states[s] = allocate(dtype, layer.cell.stateSize * B * H);
        h.outputs[s] = allocate(dtype, B * H);
        h.currents[s] = s === 0 ? allocate(dtype, 0) : allocate(dtype, B * GH);
        h.recurrentCurrents[s] = s > 0 && layer.cell.splitsRecurrentCurrent ? allocate(dtype, B * GH) : null;
        h.tapes[s] = s === 0 ? allocate(dtype, 0) : allocate(dtype, layer.cell.tapeSize * B * H);
      });
      this.inputs[s] = s === 0 ? allocate(dtype, 0) : allocate(dtype, B * this.network.inputs);
      this.inputSparse[s] = false;
      this.readoutGrads[s] = s === 0 ? allocate(dtype, 0) : allocate(dtype, B * this.network.outputs);
      this.capacity++;
    }
  }

  /** Forward one step, storing what the backward pass needs. */
  forward(input: StepInput): void {
    const t = ++this.steps;
    this.ensureCapacity(t);
    const B = this.batch;
    const I = this.network.inputs;
    const x = this.inputs[t]!;
    const source = input.x;
    let nonzero = 0;
    for (let b = 0; b < B; b++) {
      const src = input.offset + b * input.rowStride;
      const dst = b * I;
      for (let i = 0; i < I; i++) {
        const v = source[src + i]!;
        x[dst + i] = v;
        if (v !== 0) nonzero++;
      }
    }
    const sparse = nonzero < SPARSE_DENSITY_THRESHOLD * B * I;
    this.inputSparse[t] = sparse;
    let layerInput = x;
    let layerInputSparse = sparse;
    const args = this.stepArgs;
    args.batch = B;
    const layers = this.network.layers;
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l]!;
      const h = this.history[l]!;
      args.inputCurrent = h.currents[t]!;
      args.recurrentCurrent = h.recurrentCurrents[t]!;
      args.prevState = h.states[t - 1]!;
      args.prevOutput = h.outputs[t - 1]!;
      args.state = h.states[t]!;
      args.output = h.outputs[t]!;
      args.tape = h.tapes[t]!;
      layerStep(layer, B, layerInput, 0, layer.inputs, layerInputSparse, args, this.ops, this.weights.layers[l]!);
      layerInput = h.outputs[t]!;
      layerInputSparse = layer.cell.spiking;
    }
    const top = this.network.layers[this.network.layers.length - 1]!;
    this.lossSum += readoutLossStep(this.network.readout, top.cell.spiking, B, layerInput, this.readoutPrev, this.readoutNow, input.targets, input.lossWeight,
      this.readoutGrads[t]!, this.evidence, this.ops, this.weights.readout);
    const swap = this.readoutPrev;
    this.readoutPrev = this.readoutNow;
    this.readoutNow = swap;
  }

  /**
   * Backward over all stored steps into `this.gradients` (zeroed first). With `truncation = k`, every
   * carried state (cell states, previous outputs, readout) is cut at the start of each chunk of k steps,
   * which gives the sum over chunks of each chunk's own gradient.
   */
  backward(truncation = 0): Gradients {
    const net = this.network;
    const B = this.batch;
    const O = net.outputs;
    const L = net.layers.length;
    const T = this.steps;
    for (const g of this.gradients.values()) g.fill(0);
    this.gradOutputWeightsT.fill(0);
    const kappa = net.readout.kappa;
    const top = net.layers[L - 1]!;
    const Htop = top.neurons;
    const carry = this.readoutCarry;
    const aO = this.readoutAdjoint;
    carry.fill(0);
    for (const a of this.adjoints) {
      a.gradState.fill(0);
      a.gradOutput.fill(0);
      a.gradInputWeightsT.fill(0);
      a.gradRecurrentWeightsT?.fill(0);
    }
    // A network in the output-layer form (NetworkSpec.output) has a fixed identity readout: its
    // gradients are computed into scratch and not handed out.
    const gradOut = this.gradients.get('b_out') ?? this.fixedReadoutGrads().bias;
    const gradOutW = this.gradients.get('W_out') ?? this.fixedReadoutGrads().weights;
    const vjp = this.vjpArgs;
    vjp.batch = B;
    const { gemm, gemmSparseA } = this.ops;
    const readoutW = this.weights.readout.weights;
    for (let t = T; t >= 1; t--) {
      // Readout: a^o_t = dl_t/do_t + kappa a^o_{t+1}.
      const gO = this.readoutGrads[t]!;
      for (let i = 0; i < B * O; i++) aO[i] = gO[i]! + kappa * carry[i]!;
      const yTop = this.history[L - 1]!.outputs[t]!;
      if (top.cell.spiking) gemmSparseA(true, Htop, O, B, 1, yTop, 0, Htop, aO, 0, O, this.gradOutputWeightsT, 0, O);
      else gemm(true, false, O, Htop, B, 1, aO, 0, O, yTop, 0, Htop, 1, gradOutW, 0, Htop);
      for (let b = 0; b < B; b++) for (let k = 0; k < O; k++) gradOut[k] = gradOut[k]! + aO[b * O + k]!;
      const topAdj = this.adjoints[L - 1]!;
      gemm(false, false, B, Htop, O, 1, aO, 0, O, readoutW, 0, Htop, 1, topAdj.gradOutput, 0, Htop);

      for (let l = L - 1; l >= 0; l--) {
        const layer = net.layers[l]!;
        const weights = this.weights.layers[l]!;
        const h = this.history[l]!;
        const a = this.adjoints[l]!;
        const H = layer.neurons;
        const GH = layer.gates * H;
        a.gradPrevOutput.fill(0);
        vjp.inputCurrent = h.currents[t]!;
        vjp.recurrentCurrent = h.recurrentCurrents[t]!;
        vjp.prevState = h.states[t - 1]!;
        vjp.prevOutput = h.outputs[t - 1]!;
        vjp.state = h.states[t]!;
        vjp.output = h.outputs[t]!;
        vjp.tape = h.tapes[t]!;
        vjp.params = layer.neuronParams;
        vjp.gradState = a.gradState;
        vjp.gradOutput = a.gradOutput;
        vjp.gradPrevState = a.gradPrevState;
        vjp.gradPrevOutput = a.gradPrevOutput;
        vjp.gradInputCurrent = a.gradCurrent;
        vjp.gradRecurrentCurrent = a.gradRecurrentCurrent;
        vjp.gradParams = a.gradParams;
        layer.cell.vjp!(vjp);

        const gI = a.gradCurrent;
        const gIrec = a.gradRecurrentCurrent ?? gI;
        // Biases.
        for (const bias of layer.biases) {
          const src = bias.adds === 'recurrent' && a.gradRecurrentCurrent ? gIrec : gI;
          const g = this.gradients.get(bias.parameter.name)!;
          for (let b = 0; b < B; b++) {
            const base = b * GH;
            for (let j = 0; j < GH; j++) g[j] = g[j]! + src[base + j]!;
          }
        }
        // Input weights and the gradient flowing to the layer below (same step, never cut).
        const input = l === 0 ? this.inputs[t]! : this.history[l - 1]!.outputs[t]!;
        const inputSparse = l === 0 ? this.inputSparse[t]! : net.layers[l - 1]!.cell.spiking;
        const I = layer.inputs;
        if (inputSparse) gemmSparseA(true, I, GH, B, 1, input, 0, I, gI, 0, GH, a.gradInputWeightsT, 0, GH);
        else gemm(true, false, GH, I, B, 1, gI, 0, GH, input, 0, I, 1, this.gradients.get(layer.inputWeights.name)!, 0, I);
        if (l > 0) {
          gemm(false, false, B, I, GH, 1, gI, 0, GH, weights.input, 0, I, 1, this.adjoints[l - 1]!.gradOutput, 0, I);
        }
        // Recurrent weights and the gradient to y_{t-1} through W_rec.
        if (layer.recurrentWeights) {
          const yPrev = h.outputs[t - 1]!;
          if (layer.cell.spiking) gemmSparseA(true, H, GH, B, 1, yPrev, 0, H, gIrec, 0, GH, a.gradRecurrentWeightsT!, 0, GH);
          else gemm(true, false, GH, H, B, 1, gIrec, 0, GH, yPrev, 0, H, 1, this.gradients.get(layer.recurrentWeights.name)!, 0, H);
          gemm(false, false, B, H, GH, 1, gIrec, 0, GH, weights.recurrent!, 0, H, 1, a.gradPrevOutput, 0, H);
        }
      }
      // Move the adjoints one step back; cut them at chunk starts (TBPTT).
      const cut = truncation > 0 && (t - 1) % truncation === 0;
      for (const a of this.adjoints) {
        const s = a.gradState;
        a.gradState = a.gradPrevState;
        a.gradPrevState = s;
        const y = a.gradOutput;
        a.gradOutput = a.gradPrevOutput;
        a.gradPrevOutput = y;
        if (cut) {
          a.gradState.fill(0);
          a.gradOutput.fill(0);
        }
      }
      if (cut) carry.fill(0);
      else carry.set(aO);
    }
    // Fold the transposed (event-driven) accumulators into the canonical layouts.
    net.layers.forEach((layer, l) => {
      const a = this.adjoints[l]!;
      const GH = layer.gates * layer.neurons;
      addTransposed(a.gradInputWeightsT, layer.inputs, GH, this.gradients.get(layer.inputWeights.name)!);
      if (layer.recurrentWeights) addTransposed(a.gradRecurrentWeightsT!, layer.neurons, GH, this.gradients.get(layer.recurrentWeights.name)!);
    });
    addTransposed(this.gradOutputWeightsT, Htop, O, gradOutW);
    return this.gradients;
  }
}

/** dst[c, r] += src[r, c] for src `[rows, cols]`. */
function addTransposed(src: RealArray, rows: number, cols: number, dst: RealArray): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = dst[c * rows + r]! + src[base + c]!;
  }
}
