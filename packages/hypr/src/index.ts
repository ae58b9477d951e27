/**
 * @snn/hypr: HYPR (HYbrid PRopagation, Baronig et al., arXiv 2506.14464) for any @snn cell with
 * per-neuron Jacobians, on one recurrent layer or a stack. Computes the e-prop gradient (W_rec y_{t-1}
 * cut, every neuron-internal path and the readout leak kept; lower layers of a stack get the immediate
 * spatial learning signal) for every segment length lambda:
 * - S-stage: run lambda steps forward, caching per layer the per-neuron blocks (J, D, C, CI, P, CP), the
 *   presynaptic values and the layer's immediate learning signal;
 * - P-stage, per layer: fold the readout leak into each neuron as an extra state f_t = kappa f_{t-1} + y_t
 *   (reference/algorithms.md 6.5; kappa 0 below the top layer), run one reverse scan over the segment
 *   that yields both the in-segment credit q_t (q_t = Lambda_t + J_{t+1}^T q_{t+1}) and the Jacobian
 *   products Phi_t = J_end ... J_{t+1}; contract the carried-in eligibility with q_0 and push it through
 *   Phi_0 (one SIMD pass); then the segment gradient and the segment-end eligibility are products with
 *   the presynaptic values: event-driven for spikes, GEMMs for dense values.
 * Memory: the eligibility (O(n m d) per batch element) plus one segment's cache, independent of T.
 */
import type { Gradients, GradientSink, LearnerStats, LearnerV1, RealArray, RuleDefinition, StepInput } from '@snn/protocol';
import { createGradients, type ComputeOps, type Network } from '@snn/core';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';
import { checkStepInput, SPARSE_DENSITY_THRESHOLD } from '@snn/core';
import { ForwardStep, gatherGradients, LayerStep, presynapticGroups, ReadoutGradient, type PresynapticGroup } from '@snn/engine';
import { affineScan, composeAffine } from '@snn/traces';

export interface HyprOptions {
  /** Segment length lambda (steps per S-stage/P-stage). Default 8. Any lambda gives the same gradient. */
  lambda: number;
  /** 'segment': hand each segment's gradient to the sink (cadence 'chunk'); 'sequence' (default): once at `end()`. */
  emit: 'segment' | 'sequence';
  /**
   * How the P-stage runs its scan: 'sequential' (default; O(lambda) block products, fastest on a CPU)
   * or 'associative' (Hillis-Steele log-depth scan, O(lambda log lambda) products). Same result.
   */
  scan: 'sequential' | 'associative';
  /** Check every step's input for NaN and out-of-range targets. Default true. */
  validateInputs: boolean;
}

const knownOptions = new Set(['lambda', 'emit', 'scan', 'validateInputs']);

interface GroupState {
  group: PresynapticGroup;
  /** `[lambda, B, m]` presynaptic values of the segment's steps. */
  pre: RealArray;
  /**
   * `[B, m, G, d+1, H]` eligibility at the segment start (component d: the kappa-filtered trace),
   * presynaptic-major so that one presynaptic event adds one contiguous row, and plane-major inside
   * a row so that the carry-in maps run 4 neurons per SIMD instruction.
   */
  eps: RealArray;
  /** `[m, G*H]` gradient accumulator (presynaptic-major, for the same reason). */
  gradT: RealArray;
  /** `[G*H, m]` the gradient in the layout `gatherGradients` reads, filled from `gradT` at each flush. */
  grad: RealArray;
}

/** One layer's HYPR state: its eligibility, the segment cache and the P-stage work buffers. */
interface HyprLayer {
  step: LayerStep;
  groups: GroupState[];
  // Segment cache, index s = 0..lambda-1.
  cJ: RealArray;
  cD: RealArray;
  cDrec: RealArray | null;
  cC: RealArray;
  cCI: RealArray;
  cCIrec: RealArray | null;
  cP: RealArray;
  cCP: RealArray;
  cSignal: RealArray;
  // P-stage work.
  scanA: RealArray;
  scanB: RealArray;
  outA: RealArray;
  outB: RealArray;
  qd: RealArray;
  v: RealArray;
  epsP: RealArray;
  gradP: RealArray;
  /** `[B, e, e, H]` Phi_0 of each neuron, plane-major (the carry-in map). */
  phi0: RealArray;
  /** `[B, e, H]` q_0 of each neuron, plane-major. */
  q0: RealArray;
  tmp: Float64Array;
}

function allocateLayer(step: LayerStep, B: number, L: number, allocate: (n: number) => RealArray): HyprLayer {
  const { H, G, d, nP } = step;
  const e = d + 1;
  const a = allocate;
  const split = step.layer.cell.splitsRecurrentCurrent;
  return {
    step,
    groups: presynapticGroups(step.layer).map((group) => ({
      group,
      pre: a(L * B * group.width),
      eps: a(B * G * H * e * group.width),
      gradT: a(G * H * group.width),
      grad: a(G * H * group.width),
    })),
    cJ: a(L * B * H * d * d),
    cD: a(L * B * H * d * G),
    cDrec: split ? a(L * B * H * d * G) : null,
    cC: a(L * B * H * d),
    cCI: a(L * B * H * G),
    cCIrec: split ? a(L * B * H * G) : null,
    cP: a(L * B * H * d * nP),
    cCP: a(L * B * H * nP),
    cSignal: a(L * B * H),
    scanA: a((L + 1) * B * H * e * e),
    scanB: a((L + 1) * B * H * e),
    outA: a((L + 1) * B * H * e * e),
    outB: a((L + 1) * B * H * e),
    qd: a(L * B * G * H),
    v: a(B * L * G * H * e),
    epsP: a(B * H * e * nP),
    gradP: a(nP * H),
    phi0: a(B * e * e * H),
    q0: a(B * e * H),
    tmp: new Float64Array(Math.max(e * e, e * nP, 2 * e)),
  };
}

/** Copies one step's `size` values of `src` into slot `s` of the segment cache `dst` (both may be absent). */
function cacheStep(src: RealArray | null, dst: RealArray | null, size: number, s: number): void {
  if (src && dst) dst.set(src.subarray(0, size), s * size);
}

/**
 * Where a HYPR learner's time went since `begin` (milliseconds): the S-stage (forward steps and
 * caching), and the P-stage split into its parts. Cheap to keep (a few clock reads per step).
 */
export interface HyprTimings {
  /** S-stage: network step, per-neuron Jacobians, readout, caching the segment. */
  sStage: number;
  /** P-stage: building the scan items and the reverse scan (q_s and Phi_s). */
  scan: number;
  /** P-stage: the carry-in pass over the eligibility (q_0 . eps and eps <- Phi_0 eps). */
  carryIn: number;
  /** P-stage: the per-step factors q_s . D_s and Phi_s D_s. */
  factors: number;
  /** P-stage: the products with the presynaptic values (gradient and segment-end eligibility). */
  products: number;
  /** P-stage: the neuron-parameter eligibility and gradient. */
  parameters: number;
}

export class HyprLearner implements LearnerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly rule = 'hypr';
  readonly cadence: 'chunk' | 'sequence';
  readonly lambda: number;
  readonly forwardStep: ForwardStep;
  private readonly scanMode: 'sequential' | 'associative';
  private readonly validate: boolean;
  private readonly gradients: Map<string, RealArray>;
  private readonly readout: ReadoutGradient;
  private layers: HyprLayer[] = [];
  /** Steps cached in the current segment. */
  private filled = 0;
  private pendingLoss = 0;
  /** Milliseconds spent per stage since the last `begin` (see HyprTimings). */
  readonly timings: HyprTimings = { sStage: 0, scan: 0, carryIn: 0, factors: 0, products: 0, parameters: 0 };
  /** Whether the last P-stage ran its products event-driven (few nonzero presynaptic values). */
  lastProductsSparse = false;

  constructor(
    readonly network: Network,
    private readonly sink: GradientSink,
    options: Partial<HyprOptions> = {},
    ops?: ComputeOps,
  ) {
    rejectUnknownOptions('hypr', options, knownOptions);
    const lambda = options.lambda ?? 8;
    if (!Number.isInteger(lambda) || lambda < 1) throw new InvalidArgumentError('hypr option "lambda"', `must be a positive integer, got ${String(lambda)}`);
    const emit = options.emit ?? 'sequence';
    if (emit !== 'segment' && emit !== 'sequence') throw new InvalidArgumentError('hypr option "emit"', `must be 'segment' or 'sequence', got ${String(emit)}`);
    const scan = options.scan ?? 'sequential';
    if (scan !== 'sequential' && scan !== 'associative') throw new InvalidArgumentError('hypr option "scan"', `must be 'sequential' or 'associative', got ${String(scan)}`);
    this.lambda = lambda;
    this.cadence = emit === 'segment' ? 'chunk' : 'sequence';
    this.scanMode = scan;
    this.validate = options.validateInputs ?? true;
    this.forwardStep = new ForwardStep(network, ops);
    this.gradients = createGradients(network);
    this.readout = new ReadoutGradient(this.forwardStep);
  }

  /** Bytes of every buffer the learner holds (eligibility, segment cache, P-stage work, accumulators). */
  get memoryBytes(): number {
    let s = this.forwardStep.bytes;
    for (const x of [this.readout.ybar, this.readout.gradW, this.readout.gradB]) s += x ? x.byteLength : 0;
    for (const l of this.layers) {
      const arrays = [l.cJ, l.cD, l.cDrec, l.cC, l.cCI, l.cCIrec, l.cP, l.cCP, l.cSignal, l.scanA, l.scanB, l.outA, l.outB, l.qd, l.v, l.epsP, l.gradP, l.phi0, l.q0, l.tmp];
      s += arrays.reduce((a, x) => a + (x ? x.byteLength : 0), 0);
      for (const g of l.groups) s += g.pre.byteLength + g.eps.byteLength + g.gradT.byteLength + g.grad.byteLength;
    }
    for (const g of this.gradients.values()) s += g.byteLength;
    return s;
  }

  begin(batch: number): void {
    const f = this.forwardStep;
    const changed = batch !== f.batch;
    f.begin(batch);
    if (changed) {
      this.layers = f.layers.map((step) => allocateLayer(step, batch, this.lambda, (n) => f.ops.allocate(n)));
      this.readout.allocate();
    }
    for (const l of this.layers) {
      for (const g of l.groups) {
        g.eps.fill(0);
        g.gradT.fill(0);
        g.grad.fill(0);
      }
      l.epsP.fill(0);
      l.gradP.fill(0);
    }
    this.readout.reset();
    this.readout.zero();
    this.filled = 0;
    this.pendingLoss = 0;
    const t = this.timings;
    t.sStage = t.scan = t.carryIn = t.factors = t.products = t.parameters = 0;
  }

  step(input: StepInput): void {
    const f = this.forwardStep;
    if (f.batch === 0) throw new InvalidArgumentError('hypr', 'call begin(batch) before step()');
    if (input.targets.length !== f.batch) throw new InvalidArgumentError('targets', `has ${input.targets.length} entries, the batch is ${f.batch}`);
    if (this.validate) checkStepInput(input, this.network, f.steps + 1);
    const started = performance.now();
    f.forward(input);
    // S-stage: cache what the P-stage needs, per layer.
    const s = this.filled;
    const B = f.batch;
    for (const l of this.layers) {
      const ls = l.step;
      const { H, G, d, nP } = ls;
      cacheStep(ls.J, l.cJ, B * H * d * d, s);
      cacheStep(ls.D, l.cD, B * H * d * G, s);
      cacheStep(ls.Drec, l.cDrec, B * H * d * G, s);
      cacheStep(ls.C, l.cC, B * H * d, s);
      cacheStep(ls.CI, l.cCI, B * H * G, s);
      cacheStep(ls.CIrec, l.cCIrec, B * H * G, s);
      cacheStep(ls.P, l.cP, B * H * d * nP, s);
      cacheStep(ls.CP, l.cCP, B * H * nP, s);
      cacheStep(ls.signal, l.cSignal, B * H, s);
      for (const g of l.groups) ls.fillPresynaptic(g.group, g.pre.subarray(s * B * g.group.width, (s + 1) * B * g.group.width));
    }
    this.readout.step();
    this.pendingLoss += f.lastLoss;
    f.advance();
    this.filled++;
    this.timings.sStage += performance.now() - started;
    if (this.filled === this.lambda) {
      this.pStageAll();
      if (this.cadence === 'chunk') this.flush('chunk');
    }
  }

  end(): void {
    if (this.filled > 0) {
      this.pStageAll();
      if (this.cadence === 'chunk') this.flush('chunk');
    }
    if (this.cadence === 'sequence' && this.forwardStep.steps > 0) this.flush('sequence');
  }

  private pStageAll(): void {
    for (const l of this.layers) this.pStage(l);
    this.filled = 0;
  }

  /** P-stage of one layer over the `filled` cached steps: segment gradient, eligibility pushed to the segment end. */
  private pStage(layer: HyprLayer): void {
    const f = this.forwardStep;
    const Ls = this.filled;
    const B = f.batch;
    const { H, G, d, nP, kappa } = layer.step;
    const e = d + 1;
    const ee = e * e;
    const n = B * H;
    const A = layer.scanA;
    const b = layer.scanB;
    const J = layer.cJ;
    const C = layer.cC;
    const timings = this.timings;
    let clock = performance.now();
    const lap = (key: keyof HyprTimings) => {
      const now = performance.now();
      timings[key] += now - clock;
      clock = now;
    };
    // Scan items u = 0..Ls over the reversed segment: item u stands for step s = Ls - u (s = 0: the state
    // entering the segment). A_u = J_aug(s + 1)^T (identity for u = 0), b_u = Lambda_s (zero for u = Ls).
    // Then the scan gives b-part = q_s and A-part = Phi_s^T.
    buildScanItems(Ls, n, d, kappa, J, C, layer.cSignal, A, b);
    const outA = layer.outA;
    const outB = layer.outB;
    if (this.scanMode === 'associative') {
      outA.set(A.subarray(0, (Ls + 1) * n * ee));
      outB.set(b.subarray(0, (Ls + 1) * n * e));
      affineScan(Ls + 1, n, e, outA, outB, A, b);
    } else {
      outA.set(A.subarray(0, n * ee));
      outB.set(b.subarray(0, n * e));
      for (let u = 1; u <= Ls; u++) {
        composeAffine(n, e, A, u * n * ee, b, u * n * e, outA, (u - 1) * n * ee, outB, (u - 1) * n * e, outA, u * n * ee, outB, u * n * e);
      }
    }
    lap('scan');
    // q_s = outB[u = Ls - s], Phi_s^T = outA[u = Ls - s].
    const GH = G * H;
    const GHe = GH * e;
    const qd = layer.qd;
    const v = layer.v;
    const tmp = layer.tmp;
    const ops = f.ops;
    // The carry-in map of each neuron, plane-major: M[r][c] = Phi_0[r][c] = (Phi_0^T)[c][r], Q[c] = q_0[c].
    {
      const phi0 = layer.phi0;
      const q0 = layer.q0;
      const pb = Ls * n * ee;
      const qb = Ls * n * e;
      for (let bb = 0; bb < B; bb++) {
        for (let j = 0; j < H; j++) {
          const nn = bb * H + j;
          for (let r = 0; r < e; r++) {
            q0[(bb * e + r) * H + j] = outB[qb + nn * e + r]!;
            for (let c = 0; c < e; c++) phi0[((bb * e + r) * e + c) * H + j] = outA[pb + nn * ee + c * e + r]!;
          }
        }
      }
    }
    for (const gs of layer.groups) {
      const rec = gs.group.kind === 'recurrent';
      const Dc = rec ? layer.cDrec! : layer.cD;
      const CIc = rec ? layer.cCIrec : layer.cCI;
      const m = gs.group.width;
      // 1. Carry-in term q_0 . eps_0 and eps <- Phi_0 eps (one pass over the eligibility).
      for (let bb = 0; bb < B; bb++) {
        ops.blockCarry(m * G, e, H, gs.eps, bb * m * G * e * H, e * H, gs.gradT, 0, H, layer.phi0, bb * ee * H, layer.q0, bb * e * H);
      }
      lap('carryIn');
      // 2. Per step: QD[s, b, (k, j)] = q_s . Daug_s[:, k] and V[b, s, (k, r, j)] = (Phi_s Daug_s[:, k])_r.
      stepFactors(Ls, B, H, G, d, Dc, CIc, C, outA, outB, qd, v, tmp);
      // 3./4. Segment gradient gradT[m, GH] += Pre^T QD and eligibility at the segment end
      // eps_b[m, GH e] += Pre_b^T V_b. Pre holds spikes (and a bias column of ones): where few are
      // nonzero the products run event-driven, one row-add per nonzero, otherwise as dense GEMMs.
      lap('factors');
      const pre = gs.pre;
      const total = Ls * B * m;
      let nonzero = 0;
      for (let x = 0; x < total; x++) if (pre[x] !== 0) nonzero++;
      const sparse = nonzero < SPARSE_DENSITY_THRESHOLD * total;
      this.lastProductsSparse = sparse;
      if (!sparse) ops.gemm(true, false, m, GH, Ls * B, 1, pre, 0, m, qd, 0, GH, 1, gs.gradT, 0, GH);
      for (let bb = 0; bb < B; bb++) {
        if (sparse) {
          ops.gemmSparseA(true, m, GH, Ls, 1, pre, bb * m, B * m, qd, bb * GH, B * GH, gs.gradT, 0, GH);
          ops.gemmSparseA(true, m, GHe, Ls, 1, pre, bb * m, B * m, v, bb * Ls * GHe, GHe, gs.eps, bb * m * GHe, GHe);
        } else {
          ops.gemm(true, false, m, GHe, Ls, 1, pre, bb * m, B * m, v, bb * Ls * GHe, GHe, 1, gs.eps, bb * m * GHe, GHe);
        }
      }
      lap('products');
    }
    // Neuron parameters (small): dp += q_0 . epsP_0 + sum_s q_s . Paug_s; epsP <- Phi_0 epsP + sum_s Phi_s Paug_s.
    if (nP > 0) parameterPass(Ls, B, H, d, nP, layer.cP, layer.cCP, C, outA, outB, layer.epsP, layer.gradP, tmp);
    lap('parameters');
  }

  private flush(cadence: 'chunk' | 'sequence'): void {
    const out = this.gradients;
    for (const l of this.layers) {
      const GH = l.step.G * l.step.H;
      for (const g of l.groups) {
        const m = g.group.width;
        const { grad, gradT } = g;
        for (let r = 0; r < GH; r++) for (let i = 0; i < m; i++) grad[r * m + i] = gradT[i * GH + r]!;
        gradT.fill(0);
      }
    }
    gatherGradients(this.layers.map((l) => ({ layer: l.step.layer, groups: l.groups, gradP: l.gradP })), this.readout, out);
    const loss = this.pendingLoss;
    this.pendingLoss = 0;
    this.sink(out as Gradients, { step: this.forwardStep.steps, loss, cadence });
  }

  get stats(): LearnerStats {
    const f = this.forwardStep;
    return { steps: f.steps, loss: f.lossSum, evidence: f.evidence };
  }
}

/** parameterPass's sweep over the cached steps, straight-line for state size 2 (augmented size 3). */
function parameterSweep2(Ls: number, n: number, H: number, nP: number, P: RealArray, CP: RealArray, C: RealArray, phiT: RealArray, q: RealArray, epsP: RealArray, gradP: RealArray): void {
  for (let s = 1; s <= Ls; s++) {
    const u = Ls - s;
    const ci = s - 1;
    for (let nn = 0; nn < n; nn++) {
      const j = nn % H;
      const base = nn * 3 * nP;
      const pb = (ci * n + nn) * 2 * nP;
      const cb = (ci * n + nn) * 2;
      const qo = u * n * 3 + nn * 3;
      const Pt = u * n * 9 + nn * 9;
      const c0 = C[cb + 0]!;
      const c1 = C[cb + 1]!;
      const q0 = q[qo + 0]!;
      const q1 = q[qo + 1]!;
      const q2 = q[qo + 2]!;
      const f0 = phiT[Pt + 0]!;
      const f1 = phiT[Pt + 1]!;
      const f2 = phiT[Pt + 2]!;
      const f3 = phiT[Pt + 3]!;
      const f4 = phiT[Pt + 4]!;
      const f5 = phiT[Pt + 5]!;
      const f6 = phiT[Pt + 6]!;
      const f7 = phiT[Pt + 7]!;
      const f8 = phiT[Pt + 8]!;
      for (let p = 0; p < nP; p++) {
        const x0 = P[pb + 0 * nP + p]!;
        const x1 = P[pb + 1 * nP + p]!;
        const x2 = CP[(ci * n + nn) * nP + p]! + c0 * x0 + c1 * x1;
        gradP[p * H + j] = gradP[p * H + j]! + q0 * x0 + q1 * x1 + q2 * x2;
        epsP[base + 0 * nP + p] = epsP[base + 0 * nP + p]! + f0 * x0 + f3 * x1 + f6 * x2;
        epsP[base + 1 * nP + p] = epsP[base + 1 * nP + p]! + f1 * x0 + f4 * x1 + f7 * x2;
        epsP[base + 2 * nP + p] = epsP[base + 2 * nP + p]! + f2 * x0 + f5 * x1 + f8 * x2;
      }
    }
  }
}

/** parameterPass's sweep over the cached steps, straight-line for state size 3 (augmented size 4). */
function parameterSweep3(Ls: number, n: number, H: number, nP: number, P: RealArray, CP: RealArray, C: RealArray, phiT: RealArray, q: RealArray, epsP: RealArray, gradP: RealArray): void {
  for (let s = 1; s <= Ls; s++) {
    const u = Ls - s;
    const ci = s - 1;
    for (let nn = 0; nn < n; nn++) {
      const j = nn % H;
      const base = nn * 4 * nP;
      const pb = (ci * n + nn) * 3 * nP;
      const cb = (ci * n + nn) * 3;
      const qo = u * n * 4 + nn * 4;
      const Pt = u * n * 16 + nn * 16;
      const c0 = C[cb + 0]!;
      const c1 = C[cb + 1]!;
      const c2 = C[cb + 2]!;
      const q0 = q[qo + 0]!;
      const q1 = q[qo + 1]!;
      const q2 = q[qo + 2]!;
      const q3 = q[qo + 3]!;
      const f0 = phiT[Pt + 0]!;
      const f1 = phiT[Pt + 1]!;
      const f2 = phiT[Pt + 2]!;
      const f3 = phiT[Pt + 3]!;
      const f4 = phiT[Pt + 4]!;
      const f5 = phiT[Pt + 5]!;
      const f6 = phiT[Pt + 6]!;
      const f7 = phiT[Pt + 7]!;
      const f8 = phiT[Pt + 8]!;
      const f9 = phiT[Pt + 9]!;
      const f10 = phiT[Pt + 10]!;
      const f11 = phiT[Pt + 11]!;
      const f12 = phiT[Pt + 12]!;
      const f13 = phiT[Pt + 13]!;
      const f14 = phiT[Pt + 14]!;
      const f15 = phiT[Pt + 15]!;
      for (let p = 0; p < nP; p++) {
        const x0 = P[pb + 0 * nP + p]!;
        const x1 = P[pb + 1 * nP + p]!;
        const x2 = P[pb + 2 * nP + p]!;
        const x3 = CP[(ci * n + nn) * nP + p]! + c0 * x0 + c1 * x1 + c2 * x2;
        gradP[p * H + j] = gradP[p * H + j]! + q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3;
        epsP[base + 0 * nP + p] = epsP[base + 0 * nP + p]! + f0 * x0 + f4 * x1 + f8 * x2 + f12 * x3;
        epsP[base + 1 * nP + p] = epsP[base + 1 * nP + p]! + f1 * x0 + f5 * x1 + f9 * x2 + f13 * x3;
        epsP[base + 2 * nP + p] = epsP[base + 2 * nP + p]! + f2 * x0 + f6 * x1 + f10 * x2 + f14 * x3;
        epsP[base + 3 * nP + p] = epsP[base + 3 * nP + p]! + f3 * x0 + f7 * x1 + f11 * x2 + f15 * x3;
      }
    }
  }
}

/**
 * Scan items of the reversed segment (see pStage): A_u = J_aug(s+1)^T with J_aug = [[J, 0], [C J, kappa]]
 * (the readout filter folded in as state component d), identity for u = 0; b_u = (0, ..., 0, Lambda_s).
 */
function buildScanItems(Ls: number, n: number, d: number, kappa: number, J: RealArray, C: RealArray, signal: RealArray, A: RealArray, b: RealArray): void {
  const e = d + 1;
  const ee = e * e;
  for (let u = 0; u <= Ls; u++) {
    const s = Ls - u; // 1-based step in the segment
    const aBase = u * n * ee;
    const bBase = u * n * e;
    for (let m = 0; m < n; m++) {
      const a0 = aBase + m * ee;
      if (u === 0) {
        for (let x = 0; x < ee; x++) A[a0 + x] = 0;
        for (let r = 0; r < e; r++) A[a0 + r * e + r] = 1;
      } else {
        const jb = (s * n + m) * d * d;
        const cb = (s * n + m) * d;
        for (let r = 0; r < d; r++) {
          for (let c = 0; c < d; c++) A[a0 + c * e + r] = J[jb + r * d + c]!;
          A[a0 + d * e + r] = 0; // (J_aug)[r][d] = 0
        }
        for (let c = 0; c < d; c++) {
          let s2 = 0;
          for (let r = 0; r < d; r++) s2 += C[cb + r]! * J[jb + r * d + c]!;
          A[a0 + c * e + d] = s2; // (J_aug)[d][c]
        }
        A[a0 + d * e + d] = kappa;
      }
      const v0 = bBase + m * e;
      for (let r = 0; r < d; r++) b[v0 + r] = 0;
      b[v0 + d] = u === Ls ? 0 : signal[(s - 1) * n + m]!;
    }
  }
}

/**
 * Per step s of the segment and neuron: QD[s, b, (k, j)] = q_s . Daug_s[:, k] (the factor of the
 * segment gradient) and V[b, s, (k, r, j)] = (Phi_s Daug_s[:, k])_r (the factor of the segment-end
 * eligibility), with Daug = (D[:, k], C . D[:, k] + CI[k]) the current derivative of the augmented state.
 */
function stepFactors(Ls: number, B: number, H: number, G: number, d: number, D: RealArray, CI: RealArray | null, C: RealArray,
  phiT: RealArray, q: RealArray, qd: RealArray, v: RealArray, tmp: Float64Array): void {
  const e = d + 1;
  const ee = e * e;
  const n = B * H;
  const GH = G * H;
  for (let s = 1; s <= Ls; s++) {
    const u = Ls - s;
    const ci = s - 1;
    for (let bb = 0; bb < B; bb++) {
      for (let j = 0; j < H; j++) {
        const nn = bb * H + j;
        const qo = u * n * e + nn * e;
        const Pt = u * n * ee + nn * ee;
        const db = (ci * n + nn) * d * G;
        const cb = (ci * n + nn) * d;
        for (let k = 0; k < G; k++) {
          let last = CI ? CI[(ci * n + nn) * G + k]! : 0;
          for (let r = 0; r < d; r++) {
            const x = D[db + r * G + k]!;
            tmp[r] = x;
            last += C[cb + r]! * x;
          }
          tmp[d] = last;
          let acc = 0;
          for (let r = 0; r < e; r++) acc += q[qo + r]! * tmp[r]!;
          qd[(ci * B + bb) * GH + k * H + j] = acc;
          const vb = ((bb * Ls + ci) * G + k) * e * H + j;
          for (let r = 0; r < e; r++) {
            let s2 = 0;
            for (let c = 0; c < e; c++) s2 += phiT[Pt + c * e + r]! * tmp[c]!;
            v[vb + r * H] = s2;
          }
        }
      }
    }
  }
}

/**
 * Neuron parameters (few per neuron): dp += q_0 . epsP_0 + sum_s q_s . Paug_s and
 * epsP <- Phi_0 epsP + sum_s Phi_s Paug_s, with Paug = (P[:, p], C . P[:, p] + CP[p]).
 */
function parameterPass(Ls: number, B: number, H: number, d: number, nP: number, P: RealArray, CP: RealArray, C: RealArray,
  phiT: RealArray, q: RealArray, epsP: RealArray, gradP: RealArray, tmp: Float64Array): void {
  const e = d + 1;
  const ee = e * e;
  const n = B * H;
  // Carry-in (epsP [n, e, nP] in place), then one sweep over the cached steps in memory order.
  for (let nn = 0; nn < n; nn++) {
    const j = nn % H;
    const base = nn * e * nP;
    const q0 = Ls * n * e + nn * e;
    const P0 = Ls * n * ee + nn * ee;
    for (let p = 0; p < nP; p++) {
      let acc = 0;
      for (let c = 0; c < e; c++) {
        const x = epsP[base + c * nP + p]!;
        tmp[c] = x;
        acc += q[q0 + c]! * x;
      }
      for (let r = 0; r < e; r++) {
        let s2 = 0;
        for (let c = 0; c < e; c++) s2 += phiT[P0 + c * e + r]! * tmp[c]!;
        epsP[base + r * nP + p] = s2;
      }
      gradP[p * H + j] = gradP[p * H + j]! + acc;
    }
  }
  if (d === 2) return parameterSweep2(Ls, n, H, nP, P, CP, C, phiT, q, epsP, gradP);
  if (d === 3) return parameterSweep3(Ls, n, H, nP, P, CP, C, phiT, q, epsP, gradP);
  for (let s = 1; s <= Ls; s++) {
    const u = Ls - s;
    const ci = s - 1;
    for (let nn = 0; nn < n; nn++) {
      const j = nn % H;
      const base = nn * e * nP;
      const pb = (ci * n + nn) * d * nP;
      const cb = (ci * n + nn) * d;
      const qo = u * n * e + nn * e;
      const Pt = u * n * ee + nn * ee;
      for (let p = 0; p < nP; p++) {
        let last = CP[(ci * n + nn) * nP + p]!;
        for (let r = 0; r < d; r++) {
          const x = P[pb + r * nP + p]!;
          tmp[r] = x;
          last += C[cb + r]! * x;
        }
        tmp[d] = last;
        let acc = 0;
        for (let r = 0; r < e; r++) acc += q[qo + r]! * tmp[r]!;
        gradP[p * H + j] = gradP[p * H + j]! + acc;
        for (let r = 0; r < e; r++) {
          let s2 = 0;
          for (let c = 0; c < e; c++) s2 += phiT[Pt + c * e + r]! * tmp[c]!;
          epsP[base + r * nP + p] = epsP[base + r * nP + p]! + s2;
        }
      }
    }
  }
}

export function createHypr(network: Network, sink: GradientSink, options?: Partial<HyprOptions>): HyprLearner {
  return new HyprLearner(network, sink, options);
}

/** Registry entry: `registerRule(hypr)` from @snn/core makes `'hypr'` available by name. */
export const hypr: RuleDefinition<Network, HyprOptions> = {
  kind: 'rule',
  specificationVersion: 'v1',
  name: 'hypr',
  description: 'HYPR: segment-wise e-prop (S-stage forward, P-stage scan + GEMMs); same gradient as e-prop for any lambda; memory independent of T',
  requires: { capabilities: ['jacobians'] },
  cadence: 'sequence',
  create: (network, sink, options) => new HyprLearner(network, sink, options),
};
