import type { CellJacobianArgs, CellStepArgs, GradientSink, LearnerStats, LearnerV1, NetworkV1, RealArray, StepInput } from '@snn/protocol';
import {
  checkStepInput,
  createGradients,
  createTypedArrayOps,
  crossEntropyStep,
  density,
  layerStep,
  readoutStep,
  SPARSE_DENSITY_THRESHOLD,
  type ComputeOps,
} from '@snn/core';
import { CapabilityError, InvalidArgumentError, MemoryLimitError, rejectUnknownOptions } from '@snn/errors';
import { weightMirror, type WeightMirror } from '@snn/engine';
import { influenceBytes, parameterLayout, type ParameterLayout } from './layout';

export interface RtrlOptions {
  /** 'sequence' (default): the exact gradient of the whole sequence at `end()`; 'step': each step's part at that step. */
  emit: 'step' | 'sequence';
  /** Refuse networks whose influence tensor for the batch would need more bytes. Default 256 MiB. */
  maxInfluenceBytes: number;
  /** Check every step's input for NaN and out-of-range targets. Default true. */
  validateInputs: boolean;
}

export const defaultMaxInfluenceBytes = 256 * 2 ** 20;
const knownOptions = new Set(['emit', 'maxInfluenceBytes', 'validateInputs']);

interface LayerState {
  prevState: RealArray;
  state: RealArray;
  prevOutput: RealArray;
  output: RealArray;
  current: RealArray;
  recurrentCurrent: RealArray | null;
  tape: RealArray;
  jac: { J: RealArray; D: RealArray; Drec: RealArray | null; C: RealArray; CI: RealArray; CIrec: RealArray | null; P: RealArray; CP: RealArray };
  /** Influence d s / d theta `[B, d H, P]` (row j H + h), previous and current. */
  Mprev: RealArray;
  M: RealArray;
  /** d y / d theta `[B, H, P]`, previous and current. */
  Yprev: RealArray;
  Y: RealArray;
  /** d I / d theta `[B, G H, P]` (and of the recurrent current for cells that split it). */
  dI: RealArray;
  dIrec: RealArray | null;
  /** The layer's input rows of this step `[B, m]`. */
  pre: RealArray;
}

/**
 * Exact forward-mode gradients (RTRL, Williams and Zipser 1989): per sequence the influence of every
 * layer parameter on every state, `M_t = J M_{t-1} + D dI_t/dtheta + P`, with `dI_t/dtheta` through the
 * layer below's and the layer's own previous outputs (`W_in dy^{l-1}_t/dtheta + W_rec dy^l_{t-1}/dtheta`
 * plus the direct terms), and `dy/dtheta = C M + CI dI/dtheta + CP`. The readout leak is handled by a
 * kappa-filtered copy of the top layer's output influence; W_out and b_out get their exact gradients
 * from kappa-filtered traces. Equals BPTT; memory O(B n d P) and time O(B n^2 P) per step with P the
 * number of parameters, so only for small networks (`maxInfluenceBytes`).
 */
export class RtrlLearner implements LearnerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly rule = 'rtrl';
  readonly cadence: 'step' | 'sequence';
  private readonly emit: 'step' | 'sequence';
  private readonly validate: boolean;
  private readonly maxBytes: number;
  private readonly layout: ParameterLayout;
  private readonly ops: ComputeOps;
  /** The kernels' view of the weights (no per-step objects; transposes refreshed after updates). */
  private readonly weights: WeightMirror;
  private readonly gradients: Map<string, RealArray>;
  private flat: Float64Array;
  private layers: LayerState[] = [];
  private batch = 0;
  private oPrev: RealArray;
  private o: RealArray;
  private gO: RealArray;
  private evidence: RealArray;
  /** Readout-filtered influence of the top outputs `[B, H, P]`. */
  private N: RealArray;
  private signal: Float64Array;
  private yTrace: RealArray;
  private biasTrace = 0;
  private stepCount = 0;
  private lossSum = 0;
  private pendingLoss = 0;
  private readonly stepArgs: CellStepArgs;
  private readonly jacArgs: CellJacobianArgs;

  constructor(
    private readonly network: NetworkV1,
    private readonly sink: GradientSink,
    options: Partial<RtrlOptions> = {},
  ) {
    rejectUnknownOptions('rtrl', options, knownOptions);
    const emit = options.emit ?? 'sequence';
    if (emit !== 'step' && emit !== 'sequence') throw new InvalidArgumentError('rtrl option "emit"', `must be 'step' or 'sequence', got ${String(emit)}`);
    const maxBytes = options.maxInfluenceBytes ?? defaultMaxInfluenceBytes;
    if (!(typeof maxBytes === 'number' && maxBytes > 0)) throw new InvalidArgumentError('rtrl option "maxInfluenceBytes"', `must be a positive number of bytes, got ${String(maxBytes)}`);
    this.emit = emit;
    this.cadence = emit;
    this.maxBytes = maxBytes;
    this.validate = options.validateInputs ?? true;
    for (const layer of network.layers) {
      if (!layer.cell.capabilities.jacobians || !layer.cell.jacobians) throw new CapabilityError('rtrl', layer.cell.name, ['jacobians']);
    }
    this.checkMemory(1);
    this.layout = parameterLayout(network);
    this.ops = createTypedArrayOps(network.dtype);
    this.weights = weightMirror(network, this.ops);
    this.gradients = createGradients(network);
    this.flat = new Float64Array(this.layout.size);
    const a = (n: number) => this.allocate(n);
    this.oPrev = a(0);
    this.o = a(0);
    this.gO = a(0);
    this.evidence = a(0);
    this.N = a(0);
    this.signal = new Float64Array(0);
    this.yTrace = a(0);
    const empty = a(0);
    this.stepArgs = { batch: 0, inputCurrent: empty, recurrentCurrent: null, prevState: empty, prevOutput: empty, state: empty, output: empty, tape: empty, params: {} };
    this.jacArgs = { ...this.stepArgs, J: empty, D: empty, Drec: null, C: empty, CI: empty, CIrec: null, P: empty, CP: empty };
  }

  private checkMemory(batch: number): void {
    const need = influenceBytes(this.network, batch);
    if (need > this.maxBytes) {
      throw new MemoryLimitError(
        `rtrl's influence tensor for ${this.network.layers.map((l) => `${l.neurons} ${l.cell.name}`).join(' + ')} neurons, batch ${batch}`,
        need,
        this.maxBytes,
        'use fewer neurons or a smaller batch, raise the limit with the rule option maxInfluenceBytes, or use bptt',
      );
    }
  }

  private allocate(n: number): RealArray {
    return this.network.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  }

  /** Bytes of the influence tensor and its companions for the current batch (constant in T). */
  get memoryBytes(): number {
    return influenceBytes(this.network, this.batch);
  }

  get stats(): LearnerStats {
    return { steps: this.stepCount, loss: this.lossSum, evidence: this.evidence };
  }

  begin(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new InvalidArgumentError('batch', `must be a positive integer, got ${batch}`);
    const net = this.network;
    const P = this.layout.size;
    if (batch !== this.batch) {
      this.checkMemory(batch);
      const a = (n: number) => this.allocate(n);
      this.layers = net.layers.map((layer) => {
        const H = layer.neurons;
        const d = layer.cell.stateSize;
        const G = layer.gates;
        const nP = layer.neuronParameterList.length;
        const split = layer.cell.splitsRecurrentCurrent;
        const n = batch * H;
        return {
          prevState: a(d * n), state: a(d * n), prevOutput: a(n), output: a(n), current: a(G * n), recurrentCurrent: split ? a(G * n) : null,
          tape: a(Math.max(1, layer.cell.tapeSize) * n),
          jac: { J: a(n * d * d), D: a(n * d * G), Drec: split ? a(n * d * G) : null, C: a(n * d), CI: a(n * G), CIrec: split ? a(n * G) : null, P: a(n * d * nP), CP: a(n * nP) },
          Mprev: a(batch * d * H * P), M: a(batch * d * H * P), Yprev: a(n * P), Y: a(n * P),
          dI: a(batch * G * H * P), dIrec: split ? a(batch * G * H * P) : null,
          pre: a(batch * layer.inputs),
        };
      });
      const O = net.outputs;
      const Htop = net.readout.inputs;
      this.oPrev = a(batch * O);
      this.o = a(batch * O);
      this.gO = a(batch * O);
      this.evidence = a(batch * O);
      this.N = a(batch * Htop * P);
      this.signal = new Float64Array(Htop);
      this.yTrace = a(net.readout.trainable ? batch * Htop : 0);
      this.batch = batch;
    }
    for (const L of this.layers) {
      L.prevState.fill(0);
      L.prevOutput.fill(0);
      L.Mprev.fill(0);
      L.Yprev.fill(0);
    }
    this.N.fill(0);
    this.oPrev.fill(0);
    this.yTrace.fill(0);
    this.biasTrace = 0;
    this.evidence.fill(0);
    this.flat.fill(0);
    for (const g of this.gradients.values()) g.fill(0);
    this.stepCount = 0;
    this.lossSum = 0;
    this.pendingLoss = 0;
  }

  step(input: StepInput): void {
    const B = this.batch;
    if (B === 0) throw new InvalidArgumentError('rtrl learner', 'call begin(batch) before step()');
    if (input.targets.length !== B) throw new InvalidArgumentError('targets', `holds ${input.targets.length} classes, the batch has ${B} sequences`);
    if (this.validate) checkStepInput(input, this.network, this.stepCount + 1);
    const net = this.network;
    this.weights.refresh();
    const args = this.stepArgs;
    args.batch = B;
    let x: RealArray = input.x;
    let offset = input.offset;
    let stride = input.rowStride;
    let sparse = density(x, offset, B, net.inputs, stride) < SPARSE_DENSITY_THRESHOLD;
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l]!;
      const layer = net.layers[l]!;
      const m = layer.inputs;
      for (let b = 0; b < B; b++) for (let i = 0; i < m; i++) L.pre[b * m + i] = x[offset + b * stride + i]!;
      args.inputCurrent = L.current;
      args.recurrentCurrent = L.recurrentCurrent;
      args.prevState = L.prevState;
      args.prevOutput = L.prevOutput;
      args.state = L.state;
      args.output = L.output;
      args.tape = L.tape;
      layerStep(layer, B, x, offset, stride, sparse, args, this.ops, this.weights.layers[l]!);
      Object.assign(this.jacArgs, args, L.jac);
      this.jacArgs.batch = B;
      layer.cell.jacobians!(this.jacArgs);
      this.propagate(l);
      x = L.output;
      offset = 0;
      stride = layer.neurons;
      sparse = layer.cell.spiking;
    }
    const top = this.layers[this.layers.length - 1]!;
    const readout = net.readout;
    const O = net.outputs;
    const Htop = readout.inputs;
    const P = this.layout.size;
    readoutStep(readout, net.layers[net.layers.length - 1]!.cell.spiking, B, top.output, this.oPrev, this.o, this.ops, this.weights.readout);
    const kappa = readout.kappa;
    const N = this.N;
    const Y = top.Y;
    for (let i = 0; i < N.length; i++) N[i] = kappa * N[i]! + Y[i]!;
    if (readout.trainable) {
      const yT = this.yTrace;
      for (let i = 0; i < B * Htop; i++) yT[i] = kappa * yT[i]! + top.output[i]!;
      this.biasTrace = kappa * this.biasTrace + 1;
    }
    const w = input.lossWeight;
    if (w !== 0) {
      const stepLoss = crossEntropyStep(this.o, B, O, input.targets, w, this.gO);
      this.lossSum += stepLoss;
      this.pendingLoss += stepLoss;
      for (let i = 0; i < B * O; i++) this.evidence[i] = this.evidence[i]! + w * this.o[i]!;
      const Wout = readout.weights.data;
      const gO = this.gO;
      const flat = this.flat;
      const sig = this.signal;
      for (let b = 0; b < B; b++) {
        sig.fill(0);
        for (let k = 0; k < O; k++) {
          const g = gO[b * O + k]!;
          if (g !== 0) for (let h = 0; h < Htop; h++) sig[h] = sig[h]! + g * Wout[k * Htop + h]!;
        }
        for (let h = 0; h < Htop; h++) {
          const s = sig[h]!;
          if (s === 0) continue;
          const row = (b * Htop + h) * P;
          for (let p = 0; p < P; p++) flat[p] = flat[p]! + s * N[row + p]!;
        }
      }
      if (readout.trainable) {
        const gW = this.gradients.get('W_out')!;
        const gB = this.gradients.get('b_out')!;
        const yT = this.yTrace;
        for (let b = 0; b < B; b++) {
          for (let k = 0; k < O; k++) {
            const g = gO[b * O + k]!;
            gB[k] = gB[k]! + g * this.biasTrace;
            for (let h = 0; h < Htop; h++) gW[k * Htop + h] = gW[k * Htop + h]! + g * yT[b * Htop + h]!;
          }
        }
      }
    }
    this.stepCount++;
    for (const L of this.layers) {
      [L.prevState, L.state] = [L.state, L.prevState];
      [L.prevOutput, L.output] = [L.output, L.prevOutput];
      [L.Mprev, L.M] = [L.M, L.Mprev];
      [L.Yprev, L.Y] = [L.Y, L.Yprev];
    }
    [this.oPrev, this.o] = [this.o, this.oPrev];
    if (this.emit === 'step' && w !== 0) this.flush('step');
  }

  /** The influence recurrence of layer l for this step (forward and Jacobians already computed). */
  private propagate(l: number): void {
    const net = this.network;
    const layer = net.layers[l]!;
    const L = this.layers[l]!;
    const cols = this.layout.columns[l]!;
    const B = this.batch;
    const P = this.layout.size;
    const H = layer.neurons;
    const d = layer.cell.stateSize;
    const G = layer.gates;
    const GH = G * H;
    const m = layer.inputs;
    const nP = layer.neuronParameterList.length;
    const split = L.dIrec !== null;
    const Win = layer.inputWeights.data;
    const Wrec = layer.recurrentWeights?.data ?? null;
    const below = l > 0 ? this.layers[l - 1]!.Y : null;
    const { J, D, Drec, C, CI, CIrec, P: Pj, CP } = L.jac;
    const { dI, M, Mprev, Y } = L;
    const dIrec = L.dIrec;
    const Yprev = L.Yprev;
    for (let b = 0; b < B; b++) {
      const dIb = b * GH * P;
      dI.fill(0, dIb, dIb + GH * P);
      if (dIrec) dIrec.fill(0, dIb, dIb + GH * P);
      const recTarget = split ? dIrec! : dI;
      for (let r = 0; r < GH; r++) {
        const row = dIb + r * P;
        if (below) {
          const yb = b * m * P;
          for (let i = 0; i < m; i++) {
            const w = Win[r * m + i]!;
            if (w === 0) continue;
            const src = yb + i * P;
            for (let p = 0; p < P; p++) dI[row + p] = dI[row + p]! + w * below[src + p]!;
          }
        }
        if (Wrec) {
          const yb = b * H * P;
          for (let i = 0; i < H; i++) {
            const w = Wrec[r * H + i]!;
            if (w === 0) continue;
            const src = yb + i * P;
            for (let p = 0; p < P; p++) recTarget[row + p] = recTarget[row + p]! + w * Yprev[src + p]!;
          }
        }
        // Direct terms: the layer's own weights and biases.
        const preB = b * m;
        for (let i = 0; i < m; i++) dI[row + cols.inputWeights + r * m + i] = dI[row + cols.inputWeights + r * m + i]! + L.pre[preB + i]!;
        if (Wrec) {
          const yp = L.prevOutput;
          for (let i = 0; i < H; i++) recTarget[row + cols.recurrentWeights + r * H + i] = recTarget[row + cols.recurrentWeights + r * H + i]! + yp[b * H + i]!;
        }
        layer.biases.forEach((bias, k) => {
          const target = bias.adds === 'recurrent' && split ? dIrec! : dI;
          target[row + cols.biases[k]! + r] = target[row + cols.biases[k]! + r]! + 1;
        });
      }
      // M_t = J M_{t-1} + D dI + Drec dIrec + P (direct), per neuron h and state j.
      const Mb = b * d * H * P;
      for (let h = 0; h < H; h++) {
        const n = b * H + h;
        for (let j = 0; j < d; j++) {
          const out = Mb + (j * H + h) * P;
          M.fill(0, out, out + P);
          for (let jj = 0; jj < d; jj++) {
            const c = J[(n * d + j) * d + jj]!;
            if (c === 0) continue;
            const src = Mb + (jj * H + h) * P;
            for (let p = 0; p < P; p++) M[out + p] = M[out + p]! + c * Mprev[src + p]!;
          }
          for (let k = 0; k < G; k++) {
            const c = D[(n * d + j) * G + k]!;
            if (c !== 0) {
              const src = dIb + (k * H + h) * P;
              for (let p = 0; p < P; p++) M[out + p] = M[out + p]! + c * dI[src + p]!;
            }
            if (Drec) {
              const cr = Drec[(n * d + j) * G + k]!;
              if (cr !== 0) {
                const src = dIb + (k * H + h) * P;
                for (let p = 0; p < P; p++) M[out + p] = M[out + p]! + cr * dIrec![src + p]!;
              }
            }
          }
          for (let q = 0; q < nP; q++) M[out + cols.neuronParams[q]! + h] = M[out + cols.neuronParams[q]! + h]! + Pj[(n * d + j) * nP + q]!;
        }
        // y_t = C M + CI dI + CIrec dIrec + CP (direct).
        const yOut = n * P;
        Y.fill(0, yOut, yOut + P);
        for (let j = 0; j < d; j++) {
          const c = C[n * d + j]!;
          if (c === 0) continue;
          const src = Mb + (j * H + h) * P;
          for (let p = 0; p < P; p++) Y[yOut + p] = Y[yOut + p]! + c * M[src + p]!;
        }
        for (let k = 0; k < G; k++) {
          const c = CI[n * G + k]!;
          if (c !== 0) {
            const src = dIb + (k * H + h) * P;
            for (let p = 0; p < P; p++) Y[yOut + p] = Y[yOut + p]! + c * dI[src + p]!;
          }
          if (CIrec) {
            const cr = CIrec[n * G + k]!;
            if (cr !== 0) {
              const src = dIb + (k * H + h) * P;
              for (let p = 0; p < P; p++) Y[yOut + p] = Y[yOut + p]! + cr * dIrec![src + p]!;
            }
          }
        }
        for (let q = 0; q < nP; q++) Y[yOut + cols.neuronParams[q]! + h] = Y[yOut + cols.neuronParams[q]! + h]! + CP[n * nP + q]!;
      }
    }
  }

  private flush(cadence: 'step' | 'sequence'): void {
    const net = this.network;
    const flat = this.flat;
    net.layers.forEach((layer, l) => {
      const cols = this.layout.columns[l]!;
      const put = (name: string, offset: number) => {
        const g = this.gradients.get(name)!;
        for (let i = 0; i < g.length; i++) g[i] = flat[offset + i]!;
      };
      put(layer.inputWeights.name, cols.inputWeights);
      if (layer.recurrentWeights) put(layer.recurrentWeights.name, cols.recurrentWeights);
      layer.biases.forEach((b, k) => put(b.parameter.name, cols.biases[k]!));
      layer.neuronParameterList.forEach((p, k) => put(p.name, cols.neuronParams[k]!));
    });
    this.sink(this.gradients, { step: this.stepCount, loss: this.pendingLoss, cadence });
    flat.fill(0);
    for (const g of this.gradients.values()) g.fill(0);
    this.pendingLoss = 0;
  }

  end(): void {
    if (this.emit === 'sequence') this.flush('sequence');
  }
}
