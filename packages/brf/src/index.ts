/**
 * @snn/brf: balanced resonate-and-fire neurons (Higuchi, Kairat, Bohte, Otte, ICML 2024), in the
 * r-form of reference/neurons.md 4.2, exactly as in the @snn vectors (shared/spec/vectors.md):
 *
 *   om = |omega|, boff = |b_offset|, p(om) = (-1 + sqrt(1 - (dt om)^2)) / dt
 *   r_t = gamma r_{t-1} + z_{t-1}                       (refractory trace, the neuron's own spike)
 *   b_t = p(om) - boff - r_t                            (damping incl. the "smooth reset")
 *   u_t = u_{t-1} + dt (b_t u_{t-1} - om v_{t-1} + I_t)
 *   v_t = v_{t-1} + dt (om u_{t-1} + b_t v_{t-1})       (old u_{t-1}: explicit Euler)
 *   z_t = H(u_t - theta - r_t)                          (H(0) = 0); no reset of u or v
 *
 * d = 3 state planes (u, v, r), neuron-wise trainable parameters `omega` and `b_offset` `[H]`. The input
 * current keeps the layer bias and is multiplied by dt. With psi_t = psi(u_t - theta - r_t), the output
 * map is C_t = psi_t (1, 0, -1), D = (dt, 0, 0), and (psi' = psi_{t-1}, primes = previous state)
 *
 *   J_t = [[1 + dt b_t - dt u' psi',  -dt om,     -dt u' (gamma - psi')],
 *          [dt om - dt v' psi',        1 + dt b_t, -dt v' (gamma - psi')],
 *          [psi',                      0,          gamma - psi'        ]].
 *
 * Domain of p: dt |omega| <= 1. `omega` is trainable, so the check runs in every `step` (O(H), once per
 * call, before the O(B H) loop): a larger value throws an InvalidArgumentError naming the neuron instead
 * of producing NaN. At exactly dt |omega| = 1 the forward pass is defined but p'(omega) is infinite, so
 * `vjp` and `jacobians` require dt |omega| < 1. No clamp is applied: keep omega in range with your
 * optimizer (e.g. a clamp after each update) if training may push it out.
 */
import type { CellDefinition, CellJacobianArgs, CellStepArgs, CellV1, CellVjpArgs, DType, RealArray } from '@snn/protocol';
import { createSurrogate, type Surrogate, type SurrogateSpec } from '@snn/surrogate';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';

export interface BrfOptions {
  /** Integration step (the paper's delta), > 0. Default 0.01; omega must satisfy dt |omega| <= 1. */
  dt: number;
  /** Firing threshold, > 0 (raised by the refractory trace r). Default 1. */
  theta: number;
  /** Decay of the refractory trace per step, in [0, 1]. Default 0.9. */
  gamma: number;
  /** Surrogate for the spike derivative. Default the BRF double Gaussian (p 0.15, s 0.5, c 6, gamma 0.5). */
  surrogate: SurrogateSpec | string;
}

export const brfDefaults: Readonly<BrfOptions> = Object.freeze({
  dt: 0.01,
  theta: 1,
  gamma: 0.9,
  surrogate: { name: 'double-gaussian', p: 0.15, s: 0.5, c: 6, gamma: 0.5 },
});

/** Reference initialisation (BRFCell class defaults of the reference code): omega ~ U(5, 10), b_offset ~ U(0, 3). */
export const brfInitialisation = Object.freeze({
  omega: [5, 10] as const,
  bOffset: [0, 3] as const,
});

const knownOptions = new Set(Object.keys(brfDefaults));

/** p(om) = (-1 + sqrt(1 - (dt om)^2)) / dt, the damping that puts the undamped eigenvalue on the unit circle. */
export function brfDivergenceBoundary(omega: number, dt: number): number {
  const x = dt * Math.abs(omega);
  return (-1 + Math.sqrt(1 - x * x)) / dt;
}

export class BrfCell implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'brf';
  readonly stateSize = 3;
  /** u and v: real and imaginary parts of the complex membrane; r: the refractory trace in force at step t. */
  readonly stateNames = ['u', 'v', 'r'] as const;
  readonly gates = 1;
  readonly spiking = true;
  readonly splitsRecurrentCurrent = false;
  readonly biases = [{ name: 'b', adds: 'input' }] as const;
  readonly neuronParameters = [
    { name: 'omega', description: 'angular frequency of the oscillation (its absolute value is used); dt |omega| <= 1' },
    { name: 'b_offset', description: 'damping offset (its absolute value is used)' },
  ] as const;
  readonly tapeSize = 0;
  readonly capabilities = { vjp: true, jacobians: true, diagonalJacobian: false } as const;
  readonly options: Readonly<BrfOptions>;
  private readonly dt: number;
  private readonly theta: number;
  private readonly gamma: number;
  private readonly surrogate: Surrogate;
  /** Per-neuron scratch, refreshed from the parameters at the start of every call: p(|omega|) and dp/d omega. */
  private readonly divergence: Float64Array;
  private readonly divergenceSlope: Float64Array;

  constructor(
    readonly neurons: number,
    options: Partial<BrfOptions> = {},
  ) {
    rejectUnknownOptions('brf', options, knownOptions);
    if (!Number.isInteger(neurons) || neurons < 1) {
      throw new InvalidArgumentError('neurons', `must be a positive integer, got ${neurons}`);
    }
    const resolved = { ...brfDefaults, ...options };
    if (!(resolved.dt > 0) || !Number.isFinite(resolved.dt)) {
      throw new InvalidArgumentError('brf dt', `must be a positive finite step, got ${resolved.dt}`);
    }
    if (!(resolved.theta > 0) || !Number.isFinite(resolved.theta)) {
      throw new InvalidArgumentError('brf theta', `must be a positive finite threshold, got ${resolved.theta}`);
    }
    if (!(resolved.gamma >= 0 && resolved.gamma <= 1)) {
      throw new InvalidArgumentError('brf gamma', `must be in [0, 1] (refractory decay per step), got ${resolved.gamma}`);
    }
    this.options = Object.freeze(resolved);
    this.dt = resolved.dt;
    this.theta = resolved.theta;
    this.gamma = resolved.gamma;
    this.surrogate = createSurrogate(resolved.surrogate);
    this.divergence = new Float64Array(neurons);
    this.divergenceSlope = new Float64Array(neurons);
  }

  /**
   * Fills the per-neuron p(|omega|) (and, for derivatives, dp/d omega including sign(omega)), checking
   * the domain dt |omega| <= 1 (< 1 when the derivative is needed, where p' is finite).
   */
  private prepare(omega: RealArray, derivative: boolean): void {
    const dt = this.dt;
    const p = this.divergence;
    const slope = this.divergenceSlope;
    for (let h = 0; h < this.neurons; h++) {
      const w = omega[h]!;
      const x = dt * Math.abs(w);
      if (!(x < 1 || (x === 1 && !derivative))) {
        throw new InvalidArgumentError(
          `brf omega[${h}]`,
          `is ${w}, but BRF needs dt |omega| ${derivative ? '<' : '<='} 1 (|omega| ${derivative ? '<' : '<='} ${1 / dt} at dt = ${dt})` +
            `${derivative ? ': p\'(omega) is infinite at the boundary' : ''}; keep omega in range (e.g. clamp it after each optimizer step) or lower dt`,
        );
      }
      const root = Math.sqrt(1 - x * x);
      p[h] = (-1 + root) / dt;
      if (derivative) slope[h] = (-(dt * Math.abs(w)) / root) * Math.sign(w);
    }
  }

  step(args: CellStepArgs): void {
    const { inputCurrent: current, prevState: prev, prevOutput: prevSpikes, state, output } = args;
    const bOffset = args.params.b_offset!;
    this.prepare(args.params.omega!, false);
    const H = this.neurons;
    const n = args.batch * H;
    const n2 = 2 * n;
    const { dt, theta, gamma, divergence } = this;
    const omega = args.params.omega!;
    for (let b = 0, i = 0; b < args.batch; b++) {
      for (let h = 0; h < H; h++, i++) {
        const om = Math.abs(omega[h]!);
        const r = gamma * prev[n2 + i]! + prevSpikes[i]!;
        const damping = divergence[h]! - Math.abs(bOffset[h]!) - r;
        const uPrev = prev[i]!;
        const vPrev = prev[n + i]!;
        const u = uPrev + dt * (damping * uPrev - om * vPrev + current[i]!);
        state[i] = u;
        state[n + i] = vPrev + dt * (om * uPrev + damping * vPrev);
        state[n2 + i] = r;
        output[i] = u - theta - r > 0 ? 1 : 0;
      }
    }
  }

  vjp(args: CellVjpArgs): void {
    const { prevState: prev, state, gradState, gradOutput, gradPrevState, gradPrevOutput, gradInputCurrent, gradParams } = args;
    const omega = args.params.omega!;
    const bOffset = args.params.b_offset!;
    const gOmega = gradParams.omega!;
    const gOffset = gradParams.b_offset!;
    this.prepare(omega, true);
    const H = this.neurons;
    const n = args.batch * H;
    const n2 = 2 * n;
    const { dt, theta, gamma, surrogate, divergence, divergenceSlope } = this;
    for (let b = 0, i = 0; b < args.batch; b++) {
      for (let h = 0; h < H; h++, i++) {
        const om = Math.abs(omega[h]!);
        const r = state[n2 + i]!;
        const damping = divergence[h]! - Math.abs(bOffset[h]!) - r;
        const uPrev = prev[i]!;
        const vPrev = prev[n + i]!;
        const gz = gradOutput[i]! * surrogate.derivative(state[i]! - theta - r);
        const gu = gradState[i]! + gz;
        const gv = gradState[n + i]!;
        // dL/db_t: b_t enters u_t and v_t.
        const gDamping = dt * (gu * uPrev + gv * vPrev);
        const gr = gradState[n2 + i]! - gz - gDamping;
        gradInputCurrent[i] = dt * gu;
        gradPrevState[i] = gu * (1 + dt * damping) + gv * dt * om;
        gradPrevState[n + i] = gv * (1 + dt * damping) - gu * dt * om;
        gradPrevState[n2 + i] = gamma * gr;
        // z_{t-1} enters the refractory trace r_t.
        gradPrevOutput[i] = gradPrevOutput[i]! + gr;
        gOmega[h] = gOmega[h]! + gDamping * divergenceSlope[h]! + Math.sign(omega[h]!) * dt * (gv * uPrev - gu * vPrev);
        gOffset[h] = gOffset[h]! - Math.sign(bOffset[h]!) * gDamping;
      }
    }
  }

  jacobians(args: CellJacobianArgs): void {
    const { prevState: prev, state, J, D, C, CI, P, CP } = args;
    const omega = args.params.omega!;
    const bOffset = args.params.b_offset!;
    this.prepare(omega, true);
    const H = this.neurons;
    const n = args.batch * H;
    const n2 = 2 * n;
    const { dt, theta, gamma, surrogate, divergence, divergenceSlope } = this;
    for (let b = 0, i = 0; b < args.batch; b++) {
      for (let h = 0; h < H; h++, i++) {
        const om = Math.abs(omega[h]!);
        const uPrev = prev[i]!;
        const vPrev = prev[n + i]!;
        const rPrev = prev[n2 + i]!;
        const r = state[n2 + i]!;
        const diagonal = 1 + dt * (divergence[h]! - Math.abs(bOffset[h]!) - r);
        // z_{t-1} = H(u_{t-1} - theta - r_{t-1}) is a function of the previous state: it enters r_t (and b_t).
        const psiPrev = surrogate.derivative(uPrev - theta - rPrev);
        const viaTrace = gamma - psiPrev;
        const j = 9 * i;
        J[j] = diagonal - dt * uPrev * psiPrev;
        J[j + 1] = -dt * om;
        J[j + 2] = -dt * uPrev * viaTrace;
        J[j + 3] = dt * om - dt * vPrev * psiPrev;
        J[j + 4] = diagonal;
        J[j + 5] = -dt * vPrev * viaTrace;
        J[j + 6] = psiPrev;
        J[j + 7] = 0;
        J[j + 8] = viaTrace;
        const d = 3 * i;
        D[d] = dt;
        D[d + 1] = 0;
        D[d + 2] = 0;
        const psi = surrogate.derivative(state[i]! - theta - r);
        C[d] = psi;
        C[d + 1] = 0;
        C[d + 2] = -psi;
        CI[i] = 0;
        // P [d, nP] per neuron, parameters in the order omega, b_offset.
        const slope = divergenceSlope[h]!;
        const signOmega = Math.sign(omega[h]!);
        const signOffset = Math.sign(bOffset[h]!);
        const p = 6 * i;
        P[p] = dt * (uPrev * slope - signOmega * vPrev);
        P[p + 1] = -signOffset * dt * uPrev;
        P[p + 2] = dt * (signOmega * uPrev + vPrev * slope);
        P[p + 3] = -signOffset * dt * vPrev;
        P[p + 4] = 0;
        P[p + 5] = 0;
        CP[2 * i] = 0;
        CP[2 * i + 1] = 0;
      }
    }
  }

  /** Reference initialisation: omega ~ U(5, 10), b_offset ~ U(0, 3) (`brfInitialisation`). */
  initNeuronParameters(dtype: DType, random: () => number): Record<string, RealArray> {
    const H = this.neurons;
    const make = () => (dtype === 'float64' ? new Float64Array(H) : new Float32Array(H));
    const omega = make();
    const bOffset = make();
    const { omega: ro, bOffset: rb } = brfInitialisation;
    for (let h = 0; h < H; h++) {
      omega[h] = ro[0] + random() * (ro[1] - ro[0]);
      bOffset[h] = rb[0] + random() * (rb[1] - rb[0]);
    }
    return { omega, b_offset: bOffset };
  }
}

/** A CellV1 of `neurons` BRF neurons; options not given take `brfDefaults`. */
export function createBrf(neurons: number, options?: Partial<BrfOptions>): BrfCell {
  return new BrfCell(neurons, options);
}

/** Registry entry: `registerCell(brf)` from @snn/core makes `'brf'` available by name. */
export const brf: CellDefinition<BrfOptions> = {
  kind: 'cell',
  specificationVersion: 'v1',
  name: 'brf',
  description: 'Balanced resonate-and-fire (Higuchi et al. 2024): damped oscillator u + i v with p(omega) damping and a refractory trace',
  capabilities: { vjp: true, jacobians: true, diagonalJacobian: false },
  create: (neurons, options) => new BrfCell(neurons, options),
};
