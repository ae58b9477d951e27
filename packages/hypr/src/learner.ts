import type { Gradients, GradientSink, LearnerStats, LearnerV1, NetworkV1, RealArray, StepInput } from '@snn/protocol';
import { checkStepInput, createGradients, SPARSE_DENSITY_THRESHOLD, type ComputeOps } from '@snn/core';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';
import { ForwardStep, gatherGradients, ReadoutGradient } from '@snn/engine';
import { affineScan, composeAffine } from '@snn/traces';
import { buildScanItems, parameterPass, stepFactors } from './kernels';
import { allocateLayer, cacheStep, type HyprLayer } from './layer-state';

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
    readonly network: NetworkV1,
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
