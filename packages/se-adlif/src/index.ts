/**
 * @snn/se-adlif: adaptive LIF neurons discretised with symplectic Euler and a hard reset (SE-adLIF,
 * Baronig, Ferrand, Sabathiel, Legenstein 2024/25), exactly as in the @snn vectors
 * (shared/spec/vectors.md, reference/neurons.md section 5.3):
 *
 *   ut_t = alpha u_{t-1} + (1 - alpha) (I_t - w_{t-1})             (pre-reset membrane)
 *   z_t  = H(ut_t - theta)                                          (H(0) = 0)
 *   u_t  = ut_t * sg(1 - z_t)                                       (hard reset to 0, factor detached)
 *   w_t  = beta w_{t-1} + (1 - beta) q (adapt_a u_t + adapt_b z_t)  (post-reset u_t, z_t not detached)
 *
 * Neuron-wise trainable parameters `alpha`, `beta`, `adapt_a`, `adapt_b` `[H]`, used as given (no clamp).
 *
 * State choice. The protocol needs the output to be a function of the current state (y_t = G(s_t)), and
 * the post-reset u_t does not determine z_t. So the d = 2 state planes hold the PRE-reset membrane and
 * the adaptation, s_t = (ut_t, w_t) (neurons.md 5.3, "alternative state"); the post-reset potential is
 * u_t = ut_t (1 - z_t), with z_t the cell's output. The dynamics, spikes and gradients are those of the
 * reference form; in this state the transition reads
 *
 *   ut_t = alpha ut_{t-1} sg(1 - z_{t-1}) + (1 - alpha) (I_t - w_{t-1}),
 *
 * so the neuron's own previous spike enters only through the detached reset factor (no gradient: the
 * VJP adds nothing to dL/dy_{t-1}). With psi_t = psi(ut_t - theta), m = 1 - z_{t-1} and
 * K_t = (1 - beta) q (adapt_a (1 - z_t) + adapt_b psi_t):
 *
 *   J_t = [[alpha m, -(1 - alpha)], [K_t alpha m, beta - K_t (1 - alpha)]],
 *   D_t = ((1 - alpha), K_t (1 - alpha)),   C_t = (psi_t, 0),   CI = 0.
 */
import type { CellDefinition, CellJacobianArgs, CellStepArgs, CellV1, CellVjpArgs, DType, RealArray } from '@snn/protocol';
import { createSurrogate, type Surrogate, type SurrogateSpec } from '@snn/surrogate';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';

export interface SeAdlifOptions {
  /** Firing threshold, > 0. Default 1. */
  theta: number;
  /** Scale of the adaptation coupling (both adapt_a and adapt_b), >= 0. Default 120. */
  q: number;
  /** Surrogate for the spike derivative. Default slayer-exp with alpha 5, c 0.4 (SHD/SSC configs). */
  surrogate: SurrogateSpec | string;
  /** Clamp the neuron parameters to the reference ranges after every update. Default true. */
  clamp: boolean;
}

export const seAdlifDefaults: Readonly<SeAdlifOptions> = Object.freeze({
  theta: 1,
  q: 120,
  surrogate: { name: 'slayer-exp', alpha: 5, c: 0.4 },
  clamp: true,
});

/** Reference initialisation ranges (SE-adlif configs): tau_u in [5, 25], tau_w in [60, 300] steps. */
export const seAdlifInitialisation = Object.freeze({
  tauMembrane: [5, 25] as const,
  tauAdaptation: [60, 300] as const,
  adaptA: [0, 1] as const,
  adaptB: [0, 2] as const,
});

const knownOptions = new Set(Object.keys(seAdlifDefaults));

export class SeAdlifCell implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'se-adlif';
  readonly stateSize = 2;
  /** Plane 0 is the pre-reset membrane ut_t (see the module comment), plane 1 the adaptation w_t. */
  readonly stateNames = ['membrane', 'adaptation'] as const;
  readonly gates = 1;
  readonly spiking = true;
  readonly splitsRecurrentCurrent = false;
  readonly biases = [{ name: 'b', adds: 'input' }] as const;
  readonly neuronParameters = [
    { name: 'alpha', description: 'membrane decay per step, exp(-1/tau_u)' },
    { name: 'beta', description: 'adaptation decay per step, exp(-1/tau_w)' },
    { name: 'adapt_a', description: 'subthreshold coupling of the membrane into the adaptation (times q)' },
    { name: 'adapt_b', description: 'spike-triggered adaptation increment (times q)' },
  ] as const;
  readonly tapeSize = 0;
  readonly capabilities = { vjp: true, jacobians: true, diagonalJacobian: false } as const;
  readonly options: Readonly<SeAdlifOptions>;
  private readonly theta: number;
  private readonly q: number;
  private readonly surrogate: Surrogate;

  constructor(
    readonly neurons: number,
    options: Partial<SeAdlifOptions> = {},
  ) {
    rejectUnknownOptions('se-adlif', options, knownOptions);
    if (!Number.isInteger(neurons) || neurons < 1) {
      throw new InvalidArgumentError('neurons', `must be a positive integer, got ${neurons}`);
    }
    const resolved = { ...seAdlifDefaults, ...options };
    if (typeof resolved.clamp !== 'boolean') {
      throw new InvalidArgumentError('se-adlif clamp', `must be true or false, got ${String(resolved.clamp)}`);
    }
    if (!(resolved.theta > 0) || !Number.isFinite(resolved.theta)) {
      throw new InvalidArgumentError('se-adlif theta', `must be a positive finite threshold, got ${resolved.theta}`);
    }
    if (!(resolved.q >= 0) || !Number.isFinite(resolved.q)) {
      throw new InvalidArgumentError('se-adlif q', `must be a finite number >= 0 (adaptation coupling scale), got ${resolved.q}`);
    }
    this.options = Object.freeze(resolved);
    this.theta = resolved.theta;
    this.q = resolved.q;
    this.surrogate = createSurrogate(resolved.surrogate);
  }

  /**
   * The reference clamps after every optimizer step (neurons.md 5.2): tau_u in [5, 25], tau_w in
   * [60, 300] (so alpha and beta stay below 1 and the dynamics stable), adapt_a in [0, 1], adapt_b in [0, 2].
   */
  constrainNeuronParameters(params: Readonly<Record<string, RealArray>>): void {
    // `clamp: false` leaves the ranges to the caller (e.g. longer adaptation for long-delay tasks).
    if (!this.options.clamp) return;
    const clampDecay = (values: RealArray | undefined, [tauLo, tauHi]: readonly [number, number]) => {
      if (!values) return;
      const lo = Math.exp(-1 / tauLo);
      const hi = Math.exp(-1 / tauHi);
      for (let h = 0; h < values.length; h++) {
        const v = values[h]!;
        values[h] = v < lo ? lo : v > hi ? hi : v;
      }
    };
    const clamp = (values: RealArray | undefined, [lo, hi]: readonly [number, number]) => {
      if (!values) return;
      for (let h = 0; h < values.length; h++) {
        const v = values[h]!;
        values[h] = v < lo ? lo : v > hi ? hi : v;
      }
    };
    clampDecay(params.alpha, seAdlifInitialisation.tauMembrane);
    clampDecay(params.beta, seAdlifInitialisation.tauAdaptation);
    clamp(params.adapt_a, seAdlifInitialisation.adaptA);
    clamp(params.adapt_b, seAdlifInitialisation.adaptB);
  }

  step(args: CellStepArgs): void {
    const { inputCurrent: current, prevState: prev, prevOutput: prevSpikes, state, output } = args;
    const { alpha, beta, adapt_a: adaptA, adapt_b: adaptB } = args.params as Record<string, RealArray>;
    const H = this.neurons;
    const n = args.batch * H;
    const { theta, q } = this;
    for (let b = 0, i = 0; b < args.batch; b++) {
      for (let h = 0; h < H; h++, i++) {
        const al = alpha![h]!;
        const be = beta![h]!;
        const wPrev = prev[n + i]!;
        const ut = al * prev[i]! * (1 - prevSpikes[i]!) + (1 - al) * (current[i]! - wPrev);
        const z = ut - theta > 0 ? 1 : 0;
        state[i] = ut;
        state[n + i] = be * wPrev + (1 - be) * q * (adaptA![h]! * ut * (1 - z) + adaptB![h]! * z);
        output[i] = z;
      }
    }
  }

  vjp(args: CellVjpArgs): void {
    const { inputCurrent: current, prevState: prev, prevOutput: prevSpikes, state, output } = args;
    const { gradState, gradOutput, gradPrevState, gradInputCurrent, gradParams } = args;
    const { alpha, beta, adapt_a: adaptA, adapt_b: adaptB } = args.params as Record<string, RealArray>;
    const gAlpha = gradParams.alpha!;
    const gBeta = gradParams.beta!;
    const gA = gradParams.adapt_a!;
    const gB = gradParams.adapt_b!;
    const H = this.neurons;
    const n = args.batch * H;
    const { theta, q, surrogate } = this;
    for (let b = 0, i = 0; b < args.batch; b++) {
      for (let h = 0; h < H; h++, i++) {
        const al = alpha![h]!;
        const be = beta![h]!;
        const a = adaptA![h]!;
        const bb = adaptB![h]!;
        const ut = state[i]!;
        const z = output[i]!;
        const u = ut * (1 - z);
        const wPrev = prev[n + i]!;
        const keptPrev = prev[i]! * (1 - prevSpikes[i]!);
        const gw = gradState[n + i]!;
        const coupling = (1 - be) * q * gw;
        // The reset factor (1 - z_t) is detached; z_t reaches w_t undetached.
        const gut = gradState[i]! + coupling * a * (1 - z) + (gradOutput[i]! + coupling * bb) * surrogate.derivative(ut - theta);
        gradInputCurrent[i] = (1 - al) * gut;
        gradPrevState[i] = al * (1 - prevSpikes[i]!) * gut;
        gradPrevState[n + i] = be * gw - (1 - al) * gut;
        gAlpha[h] = gAlpha[h]! + gut * (keptPrev - (current[i]! - wPrev));
        gBeta[h] = gBeta[h]! + gw * (wPrev - q * (a * u + bb * z));
        gA[h] = gA[h]! + coupling * u;
        gB[h] = gB[h]! + coupling * z;
      }
    }
  }

  jacobians(args: CellJacobianArgs): void {
    const { inputCurrent: current, prevState: prev, prevOutput: prevSpikes, state, output, J, D, C, CI, P, CP } = args;
    const { alpha, beta, adapt_a: adaptA, adapt_b: adaptB } = args.params as Record<string, RealArray>;
    const H = this.neurons;
    const n = args.batch * H;
    const { theta, q, surrogate } = this;
    for (let b = 0, i = 0; b < args.batch; b++) {
      for (let h = 0; h < H; h++, i++) {
        const al = alpha![h]!;
        const be = beta![h]!;
        const a = adaptA![h]!;
        const bb = adaptB![h]!;
        const ut = state[i]!;
        const z = output[i]!;
        const u = ut * (1 - z);
        const kept = 1 - prevSpikes[i]!;
        const wPrev = prev[n + i]!;
        const psi = surrogate.derivative(ut - theta);
        const K = (1 - be) * q * (a * (1 - z) + bb * psi);
        const j = 4 * i;
        J[j] = al * kept;
        J[j + 1] = -(1 - al);
        J[j + 2] = K * al * kept;
        J[j + 3] = be - K * (1 - al);
        D[2 * i] = 1 - al;
        D[2 * i + 1] = K * (1 - al);
        C[2 * i] = psi;
        C[2 * i + 1] = 0;
        CI[i] = 0;
        // P [d, nP] per neuron, parameters in the order alpha, beta, adapt_a, adapt_b.
        const dAlpha = prev[i]! * kept - (current[i]! - wPrev);
        const p = 8 * i;
        P[p] = dAlpha;
        P[p + 1] = 0;
        P[p + 2] = 0;
        P[p + 3] = 0;
        P[p + 4] = K * dAlpha;
        P[p + 5] = wPrev - q * (a * u + bb * z);
        P[p + 6] = (1 - be) * q * u;
        P[p + 7] = (1 - be) * q * z;
        const cp = 4 * i;
        CP[cp] = CP[cp + 1] = CP[cp + 2] = CP[cp + 3] = 0;
      }
    }
  }

  /**
   * Reference initialisation (SE-adlif code): tau_u = 5 + 20 k, tau_w = 60 + 240 k with k ~ U(0, 1),
   * alpha = exp(-1/tau_u), beta = exp(-1/tau_w); adapt_a ~ U(0, 1), adapt_b ~ U(0, 2).
   */
  initNeuronParameters(dtype: DType, random: () => number): Record<string, RealArray> {
    const H = this.neurons;
    const make = () => (dtype === 'float64' ? new Float64Array(H) : new Float32Array(H));
    const alpha = make();
    const beta = make();
    const adaptA = make();
    const adaptB = make();
    const { tauMembrane: tu, tauAdaptation: tw, adaptA: ra, adaptB: rb } = seAdlifInitialisation;
    for (let h = 0; h < H; h++) {
      alpha[h] = Math.exp(-1 / (tu[0] + random() * (tu[1] - tu[0])));
      beta[h] = Math.exp(-1 / (tw[0] + random() * (tw[1] - tw[0])));
      adaptA[h] = ra[0] + random() * (ra[1] - ra[0]);
      adaptB[h] = rb[0] + random() * (rb[1] - rb[0]);
    }
    return { alpha, beta, adapt_a: adaptA, adapt_b: adaptB };
  }
}

/** A CellV1 of `neurons` SE-adLIF neurons; options not given take `seAdlifDefaults`. */
export function createSeAdlif(neurons: number, options?: Partial<SeAdlifOptions>): SeAdlifCell {
  return new SeAdlifCell(neurons, options);
}

/** Registry entry: `registerCell(seAdlif)` from @snn/core makes `'se-adlif'` available by name. */
export const seAdlif: CellDefinition<SeAdlifOptions> = {
  kind: 'cell',
  specificationVersion: 'v1',
  name: 'se-adlif',
  description: 'SE-adLIF (Baronig et al.): adaptive LIF, symplectic Euler, hard reset, trainable alpha, beta, adapt_a, adapt_b',
  capabilities: { vjp: true, jacobians: true, diagonalJacobian: false },
  create: (neurons, options) => new SeAdlifCell(neurons, options),
};
