/**
 * @snn/hypr-tbptt: HYPR+TBPTT (reference/algorithms.md section 7, definition B of shared/spec/vectors.md).
 *
 * The stream is cut into chunks of k steps. Inside a chunk nothing is cut: full backprop through the
 * chunk (W_rec paths, neuron-internal paths, readout leak). The state entering a chunk (cell state
 * s_{t0}, previous output y_{t0}, readout state o_{t0}) carries the derivative of the e-prop graph of all
 * earlier steps (W_rec y_{t-1} cut at every step, neuron-internal paths and the readout leak kept):
 *
 *   grad_c = [backprop of L_c inside the chunk, start state constant]
 *          + a^s_{t0} . eps_{t0} + a^y_{t0} . (C_{t0} eps_{t0} + CI_{t0} pre_{t0}) + (a^o_{t0} W_out) . ebar_{t0}
 *
 * with the adjoints a^s, a^y, a^o of the start state from the chunk's own backward pass and the e-prop
 * eligibility eps (per synapse, d values), its kappa-filtered output trace ebar, the neuron-parameter
 * eligibility and the kappa-filtered outputs ybar (for W_out, b_out) at the chunk start.
 *
 * Schedule: the eligibility is advanced lazily. At the end of a chunk it still describes the chunk
 * start, so it is contracted with the chunk's boundary adjoints first, then replayed through the
 * chunk's stored steps (Jacobians recomputed from the stored states, currents and tapes) to the chunk
 * end. No second copy of the eligibility is needed: memory is O(k (n d + n_in)) for the stored steps
 * plus one e-prop eligibility (B G H d m values, and as many filtered traces when kappa != 0),
 * independent of the sequence length T.
 */
import type { CellJacobianArgs, GradientSink, LayerV1, LearnerStats, LearnerV1, NetworkV1, RealArray, RuleDefinition, StepInput } from '@snn/protocol';
import { allocate } from '@snn/core';
import { InvalidArgumentError, rejectUnknownOptions, UnsupportedError } from '@snn/errors';
import { checkStepInput } from '@snn/core';
import { BackpropWindow, eligibilityGroups, fillPresynaptic, scatterGroupGradient, type EligibilityGroup } from '@snn/engine';
import { eligibilityStep, parameterEligibilityStep } from '@snn/traces';


export interface HyprTbpttOptions {
  /** Chunk length in steps (positive integer). The last chunk of a sequence may be shorter. */
  k: number;
  /**
   * 'chunk' (default): hand each chunk's gradient to the sink when the chunk ends (online updates).
   * 'sequence': sum the chunk gradients and hand them over once at the end of the sequence.
   */
  emit?: 'chunk' | 'sequence';
  /** Check every step's input for NaN and bad targets. Default true. */
  validateInputs?: boolean;
}

const knownOptions = new Set(['k', 'emit', 'validateInputs']);

function checkOptions(options: unknown): Required<HyprTbpttOptions> {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object') throw new InvalidArgumentError('hypr-tbptt options', `must be an object, got ${typeof o}`);
  rejectUnknownOptions('hypr-tbptt', o, knownOptions);
  const k = o.k;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw new InvalidArgumentError('hypr-tbptt option "k"', `the chunk length must be a positive integer, got ${String(k)}`);
  }
  const emit = o.emit ?? 'chunk';
  if (emit !== 'chunk' && emit !== 'sequence') {
    throw new InvalidArgumentError('hypr-tbptt option "emit"', `must be 'chunk' or 'sequence', got ${String(emit)}`);
  }
  const validateInputs = o.validateInputs ?? true;
  if (typeof validateInputs !== 'boolean') {
    throw new InvalidArgumentError('hypr-tbptt option "validateInputs"', `must be a boolean, got ${String(validateInputs)}`);
  }
  return { k, emit, validateInputs };
}

export class HyprTbpttLearner implements LearnerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly rule = 'hypr-tbptt';
  readonly cadence: 'chunk' | 'sequence';
  readonly k: number;
  private readonly engine: BackpropWindow;
  private readonly validate: boolean;
  private readonly layer: LayerV1;
  private readonly H: number;
  private readonly G: number;
  private readonly d: number;
  private readonly nP: number;
  private readonly O: number;
  private readonly kappa: number;
  private readonly total: Map<string, RealArray> | null;
  private batch = 0;
  private stepsSeen = 0;
  private lossTotal = 0;
  /** Steps whose eligibility has been replayed (the start of the current chunk). */
  private replayed = 0;
  // Eligibility state (allocated in begin).
  /**
   * Per presynaptic group: `pre` holds the last replayed step (the chunk start after a replay), `grad` the
   * cross-term accumulator of one chunk; eligibilityStep itself accumulates into a dummy (no signal).
   */
  private groups: EligibilityGroup[] = [];
  private epsP!: RealArray;
  private traceP: RealArray | null = null;
  private gradP!: RealArray;
  private ybar!: RealArray;
  private cbar = 0;
  private u!: RealArray;
  private w!: RealArray;
  private readonly scratch: Float64Array;
  private readonly jac: CellJacobianArgs;
  private readonly dummy: RealArray;

  constructor(
    readonly network: NetworkV1,
    private readonly sink: GradientSink,
    options: HyprTbpttOptions,
  ) {
    const o = checkOptions(options);
    if (network.layers.length !== 1) {
      throw new UnsupportedError(`a ${network.layers.length}-layer network`, 'hypr-tbptt carries e-prop eligibilities of a single recurrent layer');
    }
    const layer = network.layers[0]!;
    if (!layer.cell.jacobians) throw new UnsupportedError(`hypr-tbptt through cell "${layer.cell.name}"`, 'the cell provides no jacobians');
    if (!layer.cell.vjp) throw new UnsupportedError(`hypr-tbptt through cell "${layer.cell.name}"`, 'the cell provides no vjp');
    this.k = o.k;
    this.cadence = o.emit;
    this.validate = o.validateInputs;
    this.layer = layer;
    this.H = layer.neurons;
    this.G = layer.gates;
    this.d = layer.cell.stateSize;
    this.nP = layer.cell.neuronParameters.length;
    this.O = network.outputs;
    this.kappa = network.readout.kappa;
    this.engine = new BackpropWindow(network);
    this.total = o.emit === 'sequence' ? new Map() : null;
    this.scratch = new Float64Array(Math.max(2 * this.d, this.d * this.nP, 4));
    this.dummy = allocate(network.dtype, 1);
    const empty = allocate(network.dtype, 0);
    this.jac = {
      batch: 0, inputCurrent: empty, recurrentCurrent: null, prevState: empty, prevOutput: empty, state: empty, output: empty, tape: empty,
      params: layer.neuronParams, J: empty, D: empty, Drec: null, C: empty, CI: empty, CIrec: null, P: empty, CP: empty,
    };
  }

  /** Which kernels run the backprop products: 'wasm-simd' (float32 default) or 'reference'. */
  get kernels(): string {
    return this.engine.kernels;
  }

  /** Bytes of every buffer the learner holds: k stored steps, eligibilities, Jacobians, accumulators. */
  get memoryBytes(): number {
    let s = this.engine.memoryBytes + this.epsP.byteLength + (this.traceP?.byteLength ?? 0) + this.gradP.byteLength;
    s += this.ybar.byteLength + this.u.byteLength + this.w.byteLength;
    for (const g of this.groups) s += g.pre.byteLength + g.eps.byteLength + (g.trace?.byteLength ?? 0) + g.grad.byteLength;
    const j = this.jac;
    for (const a of [j.J, j.D, j.Drec, j.C, j.CI, j.CIrec, j.P, j.CP]) if (a) s += a.byteLength;
    if (this.total) for (const g of this.total.values()) s += g.byteLength;
    return s;
  }

  begin(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new InvalidArgumentError('batch', `must be a positive integer, got ${batch}`);
    this.engine.begin(batch);
    const { H, G, d, nP, kappa } = this;
    const B = batch;
    const a = (n: number) => allocate(this.network.dtype, n);
    if (batch !== this.batch) {
      this.batch = B;
      const split = this.layer.cell.splitsRecurrentCurrent;
      const j = this.jac;
      j.J = a(B * H * d * d);
      j.D = a(B * H * d * G);
      j.Drec = split ? a(B * H * d * G) : null;
      j.C = a(B * H * d);
      j.CI = a(B * H * G);
      j.CIrec = split ? a(B * H * G) : null;
      j.P = a(B * H * d * nP);
      j.CP = a(B * H * nP);
      this.groups = eligibilityGroups(this.layer, { batch: B, H, G, d, kappa }, j, a, this.scratch, this.dummy);
      this.epsP = a(B * H * d * nP);
      this.traceP = kappa !== 0 ? a(B * H * nP) : null;
      this.gradP = a(nP * H);
      this.ybar = a(B * H);
      this.u = a(B * H * d);
      this.w = a(B * H);
    }
    for (const g of this.groups) {
      g.pre.fill(0);
      g.eps.fill(0);
      g.trace?.fill(0);
    }
    const j = this.jac;
    for (const x of [j.J, j.D, j.Drec, j.C, j.CI, j.CIrec, j.P, j.CP]) x?.fill(0);
    this.epsP.fill(0);
    this.traceP?.fill(0);
    this.ybar.fill(0);
    this.cbar = 0;
    this.stepsSeen = 0;
    this.replayed = 0;
    this.lossTotal = 0;
    if (this.total) for (const g of this.total.values()) g.fill(0);
  }

  step(input: StepInput): void {
    if (this.batch === 0) throw new InvalidArgumentError('hypr-tbptt', 'call begin(batch) before step()');
    if (input.targets.length !== this.batch) throw new InvalidArgumentError('targets', `has ${input.targets.length} entries, the batch is ${this.batch}`);
    if (this.validate) checkStepInput(input, this.network, this.stepsSeen + 1);
    this.engine.forward(input);
    this.stepsSeen++;
    if (this.engine.steps === this.k) this.flushChunk();
  }

  end(): void {
    if (this.engine.steps > 0) this.flushChunk();
    if (this.total && this.stepsSeen > 0) {
      this.sink(this.total, { step: this.stepsSeen, loss: this.lossTotal, cadence: 'sequence' });
    }
  }

  get stats(): LearnerStats {
    return { steps: this.stepsSeen, loss: this.lossTotal + this.engine.lossSum, evidence: this.engine.evidence };
  }

  private flushChunk(): void {
    const engine = this.engine;
    const chunkLoss = engine.lossSum;
    this.lossTotal += chunkLoss;
    engine.backward();
    const gradients = engine.gradients;
    if (this.replayed > 0) this.addCarriedTerm(gradients);
    // Advance the eligibility through the chunk with the weights the chunk used (before any update).
    for (let t = 1; t <= engine.steps; t++) this.replayStep(t);
    this.replayed += engine.steps;
    if (this.total) {
      for (const [name, g] of gradients) {
        let acc = this.total.get(name);
        if (!acc) {
          acc = allocate(this.network.dtype, g.length);
          this.total.set(name, acc);
        }
        for (let i = 0; i < g.length; i++) acc[i] = acc[i]! + g[i]!;
      }
    } else {
      // The sink may update the weights here; carryOver() re-reads them for the next chunk.
      this.sink(gradients, { step: this.stepsSeen, loss: chunkLoss, cadence: 'chunk' });
    }
    engine.carryOver();
  }

  /** Eligibility step for stored step t of the current chunk (Jacobians recomputed from the stored values). */
  private replayStep(t: number): void {
    const engine = this.engine;
    const h = engine.history[0]!;
    const j = this.jac;
    const B = this.batch;
    const { H, d, nP, kappa } = this;
    j.batch = B;
    j.inputCurrent = h.currents[t]!;
    j.recurrentCurrent = h.recurrentCurrents[t]!;
    j.prevState = h.states[t - 1]!;
    j.prevOutput = h.outputs[t - 1]!;
    j.state = h.states[t]!;
    j.output = h.outputs[t]!;
    j.tape = h.tapes[t]!;
    j.params = this.layer.neuronParams;
    j.CI.fill(0);
    j.CIrec?.fill(0);
    j.CP.fill(0);
    j.P.fill(0);
    this.layer.cell.jacobians!(j);
    const x = engine.inputs[t]!;
    const yPrev = h.outputs[t - 1]!;
    const I = this.layer.inputs;
    for (const g of this.groups) {
      const { group, pre } = g;
      fillPresynaptic(group, B, I, H, x, yPrev, pre);
      const a = g.args;
      const rec = group.kind === 'recurrent';
      a.J = j.J;
      a.D = rec ? j.Drec! : j.D;
      a.C = j.C;
      a.CI = rec ? j.CIrec : j.CI;
      a.signal = null;
      eligibilityStep(a);
    }
    parameterEligibilityStep(B, H, d, nP, j.J, j.P, j.C, j.CP, this.epsP, kappa, this.traceP, null, this.dummy, this.scratch);
    const y = h.outputs[t]!;
    const ybar = this.ybar;
    for (let i = 0; i < B * H; i++) ybar[i] = kappa * ybar[i]! + y[i]!;
    this.cbar = kappa * this.cbar + 1;
  }

  /**
   * Adds the chunk's credit for its start state, contracted with the e-prop derivatives of that state
   * (the eligibility, not yet advanced past the chunk start; C, CI, CP and pre still hold the start step's values).
   */
  private addCarriedTerm(out: Map<string, RealArray>): void {
    const engine = this.engine;
    const B = this.batch;
    const { H, G, d, nP, O, kappa } = this;
    const BH = B * H;
    const aS = engine.boundaryState(0);
    const aY = engine.boundaryOutput(0);
    const j = this.jac;
    const C = j.C;
    // u = a^s + a^y C  (per neuron, d values), layout [B, H, d].
    const u = this.u;
    for (let n = 0; n < BH; n++) {
      const ay = aY[n]!;
      for (let r = 0; r < d; r++) u[n * d + r] = aS[r * BH + n]! + ay * C[n * d + r]!;
    }
    // w = (dL/do_{t0}) W_out, [B, H]; only with a readout leak.
    const w = this.w;
    const dLdo = engine.boundaryReadout;
    const useReadout = kappa !== 0;
    if (useReadout) {
      const Wout = this.network.readout.weights.data;
      w.fill(0);
      for (let b = 0; b < B; b++) {
        for (let o = 0; o < O; o++) {
          const v = dLdo[b * O + o]!;
          if (v === 0) continue;
          for (let jj = 0; jj < H; jj++) w[b * H + jj] = w[b * H + jj]! + v * Wout[o * H + jj]!;
        }
      }
    }
    for (const g of this.groups) {
      const { group, eps, trace, pre, grad } = g;
      const m = group.width;
      const CI = group.kind === 'recurrent' ? j.CIrec : j.CI;
      grad.fill(0);
      contractGroup(B, G, H, d, m, eps, useReadout ? trace : null, pre, u, aY, CI, w, grad);
      scatterGroupGradient(this.layer, group, grad, out);
    }
    // Neuron parameters: epsP [B, H, d, nP], CP [B, H, nP], traceP [B, H, nP].
    if (nP > 0) {
      const gradP = this.gradP;
      gradP.fill(0);
      const epsP = this.epsP;
      const CP = j.CP;
      const traceP = this.traceP;
      for (let n = 0; n < BH; n++) {
        const jj = n % H;
        const ay = aY[n]!;
        const wn = useReadout ? w[n]! : 0;
        for (let q = 0; q < nP; q++) {
          let s = ay * CP[n * nP + q]!;
          for (let r = 0; r < d; r++) s += u[n * d + r]! * epsP[(n * d + r) * nP + q]!;
          if (traceP && wn !== 0) s += wn * traceP[n * nP + q]!;
          gradP[q * H + jj] = gradP[q * H + jj]! + s;
        }
      }
      this.layer.neuronParameterList.forEach((p, q) => {
        const g = out.get(p.name)!;
        for (let jj = 0; jj < H; jj++) g[jj] = g[jj]! + gradP[q * H + jj]!;
      });
    }
    // Readout: do_{t0}/dW_out[o, :] = ybar_{t0}, do_{t0}/db_out = cbar_{t0}.
    if (useReadout) {
      const gW = out.get('W_out')!;
      const gB = out.get('b_out')!;
      const ybar = this.ybar;
      for (let b = 0; b < B; b++) {
        for (let o = 0; o < O; o++) {
          const v = dLdo[b * O + o]!;
          if (v === 0) continue;
          for (let jj = 0; jj < H; jj++) gW[o * H + jj] = gW[o * H + jj]! + v * ybar[b * H + jj]!;
          gB[o] = gB[o]! + v * this.cbar;
        }
      }
    }
  }
}

/**
 * grad[k, j, i] += sum_b u[b, j] . eps[b, k, j, :, i] + aY[b, j] CI[b, j, k] pre[b, i] + w[b, j] trace[b, k, j, i]
 * (`eps [B, G, H, d, m]`, `trace [B, G, H, m]` or null, `pre [B, m]`, `u [B, H, d]`, `aY`, `w [B, H]`,
 * `CI [B, H, G]` or null, `grad [G, H, m]`): one fused pass per row.
 */
function contractGroup(
  B: number, G: number, H: number, d: number, m: number,
  eps: RealArray, trace: RealArray | null, pre: RealArray, u: RealArray, aY: RealArray, CI: RealArray | null, w: RealArray, grad: RealArray,
): void {
  for (let b = 0; b < B; b++) {
    const p0 = b * m;
    for (let k = 0; k < G; k++) {
      for (let jj = 0; jj < H; jj++) {
        const n = b * H + jj;
        const row = (b * G + k) * H + jj;
        const g0 = (k * H + jj) * m;
        const e0 = row * d * m;
        const ci = CI ? aY[n]! * CI[n * G + k]! : 0;
        const wn = trace ? w[n]! : 0;
        if (d === 1) {
          if (wn !== 0) rowD1Trace(m, grad, g0, eps, e0, u[n]!, pre, p0, ci, trace!, row * m, wn);
          else rowD1(m, grad, g0, eps, e0, u[n]!, pre, p0, ci);
        } else {
          for (let r = 0; r < d; r++) {
            const c = u[n * d + r]!;
            if (c !== 0) rowD1(m, grad, g0, eps, e0 + r * m, c, pre, p0, 0);
          }
          if (ci !== 0 || wn !== 0) rowD1Trace(m, grad, g0, pre, p0, ci, pre, p0, 0, trace ?? pre, trace ? row * m : p0, wn);
        }
      }
    }
  }
}

/** grad[g0 + i] += c eps[e0 + i] + ci pre[p0 + i]. */
function rowD1(m: number, grad: RealArray, g0: number, eps: RealArray, e0: number, c: number, pre: RealArray, p0: number, ci: number): void {
  if (ci === 0) for (let i = 0; i < m; i++) grad[g0 + i] = grad[g0 + i]! + c * eps[e0 + i]!;
  else for (let i = 0; i < m; i++) grad[g0 + i] = grad[g0 + i]! + c * eps[e0 + i]! + ci * pre[p0 + i]!;
}

/** grad[g0 + i] += c eps[e0 + i] + ci pre[p0 + i] + wn trace[t0 + i]. */
function rowD1Trace(
  m: number, grad: RealArray, g0: number, eps: RealArray, e0: number, c: number, pre: RealArray, p0: number, ci: number,
  trace: RealArray, t0: number, wn: number,
): void {
  if (ci === 0) for (let i = 0; i < m; i++) grad[g0 + i] = grad[g0 + i]! + c * eps[e0 + i]! + wn * trace[t0 + i]!;
  else for (let i = 0; i < m; i++) grad[g0 + i] = grad[g0 + i]! + c * eps[e0 + i]! + ci * pre[p0 + i]! + wn * trace[t0 + i]!;
}

export function createHyprTbptt(network: NetworkV1, sink: GradientSink, options: HyprTbpttOptions): HyprTbpttLearner {
  return new HyprTbpttLearner(network, sink, options);
}

/** Registry entry: `registerRule(hyprTbptt)` from @snn/core makes `'hypr-tbptt'` available by name. */
export const hyprTbptt: RuleDefinition<NetworkV1, HyprTbpttOptions> = {
  kind: 'rule',
  specificationVersion: 'v1',
  name: 'hypr-tbptt',
  description: 'HYPR+TBPTT: full backprop inside chunks of k steps, e-prop eligibility carries credit into each chunk start; memory independent of T',
  requires: { capabilities: ['vjp', 'jacobians'], maxLayers: 1 },
  cadence: 'chunk',
  create: (network, sink, options) => new HyprTbpttLearner(network, sink, options as HyprTbpttOptions),
};
