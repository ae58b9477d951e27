/**
 * @snn/alif: adaptive leaky integrate-and-fire neurons (adaptive threshold, Bellec et al. 2018/2020),
 * exactly as in the @snn vectors (shared/spec/vectors.md, reference/neurons.md section 3.1):
 *
 *   a_t = rho a_{t-1} + z_{t-1}                 (adaptation, driven by the neuron's own previous spike)
 *   A_t = theta + beta a_t                      (adaptive threshold)
 *   u_t = alpha u_{t-1} + I_t - theta z_{t-1}   (reset subtracts the baseline theta, outside the leak)
 *   z_t = H(u_t - A_t)                          (H(0) = 0)
 *
 * d = 2 state variables per neuron, planes `[membrane u, adaptation a]`, no trainable neuron
 * parameters. The spike derivative is the surrogate psi_t = psi(u_t - A_t), so the output map is
 * C_t = psi_t (1, -beta), and with the reset and adaptation paths through z_{t-1} = H(u_{t-1} - A_{t-1})
 * the per-neuron Jacobian is
 *
 *   J_t = [[alpha - theta psi_{t-1},  theta beta psi_{t-1}],
 *          [psi_{t-1},                rho - beta psi_{t-1}]],   D = (1, 0).
 */
import type { CellDefinition, CellJacobianArgs, CellStepArgs, CellV1, CellVjpArgs } from '@snn/protocol';
import { createSurrogate, type Surrogate, type SurrogateSpec } from '@snn/surrogate';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';

export interface AlifOptions {
  /** Membrane decay per step, exp(-dt/tau_m); in [0, 1]. Default exp(-1/20) (tau_m = 20 steps). */
  alpha: number;
  /** Adaptation decay per step, exp(-dt/tau_a); in [0, 1]. Default exp(-1/2000) (tau_a = 2000 steps). */
  rho: number;
  /** Threshold increase per unit of adaptation, >= 0 (0 gives a LIF with the reset outside the leak). */
  beta: number;
  /** Baseline threshold, > 0; also the amount the reset subtracts. Default 0.6. */
  theta: number;
  /** Surrogate for the spike derivative. Default fast-sigmoid with slope 25. */
  surrogate: SurrogateSpec | string;
}

const defaultAlpha = Math.exp(-1 / 20);
const defaultRho = Math.exp(-1 / 2000);

/**
 * Defaults: the e-prop evidence-accumulation tutorial (Bellec et al. 2020; neurons.md 3.1) with
 * dt = 1 ms: tau_m = 20, tau_a = 2000, threshold 0.6, beta = 1.7 (1 - rho) / (1 - alpha).
 */
export const alifDefaults: Readonly<AlifOptions> = Object.freeze({
  alpha: defaultAlpha,
  rho: defaultRho,
  beta: (1.7 * (1 - defaultRho)) / (1 - defaultAlpha),
  theta: 0.6,
  surrogate: { name: 'fast-sigmoid', slope: 25 },
});

const knownOptions = new Set(Object.keys(alifDefaults));

export class AlifCell implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'alif';
  readonly stateSize = 2;
  readonly stateNames = ['membrane', 'adaptation'] as const;
  readonly gates = 1;
  readonly spiking = true;
  readonly splitsRecurrentCurrent = false;
  readonly biases = [{ name: 'b', adds: 'input' }] as const;
  readonly neuronParameters = [] as const;
  readonly tapeSize = 0;
  readonly capabilities = { vjp: true, jacobians: true, diagonalJacobian: false } as const;
  readonly options: Readonly<AlifOptions>;
  private readonly alpha: number;
  private readonly rho: number;
  private readonly beta: number;
  private readonly theta: number;
  private readonly surrogate: Surrogate;

  constructor(
    readonly neurons: number,
    options: Partial<AlifOptions> = {},
  ) {
    rejectUnknownOptions('alif', options, knownOptions);
    if (!Number.isInteger(neurons) || neurons < 1) {
      throw new InvalidArgumentError('neurons', `must be a positive integer, got ${neurons}`);
    }
    const resolved = { ...alifDefaults, ...options };
    if (!(resolved.alpha >= 0 && resolved.alpha <= 1)) {
      throw new InvalidArgumentError('alif alpha', `must be in [0, 1] (alpha = exp(-dt/tau_m)), got ${resolved.alpha}`);
    }
    if (!(resolved.rho >= 0 && resolved.rho <= 1)) {
      throw new InvalidArgumentError('alif rho', `must be in [0, 1] (rho = exp(-dt/tau_a)), got ${resolved.rho}`);
    }
    if (!(resolved.beta >= 0) || !Number.isFinite(resolved.beta)) {
      throw new InvalidArgumentError('alif beta', `must be a finite number >= 0 (threshold increase per unit of adaptation), got ${resolved.beta}`);
    }
    if (!(resolved.theta > 0) || !Number.isFinite(resolved.theta)) {
      throw new InvalidArgumentError('alif theta', `must be a positive finite threshold, got ${resolved.theta}`);
    }
    this.options = Object.freeze(resolved);
    this.alpha = resolved.alpha;
    this.rho = resolved.rho;
    this.beta = resolved.beta;
    this.theta = resolved.theta;
    this.surrogate = createSurrogate(resolved.surrogate);
  }

  step(args: CellStepArgs): void {
    const { inputCurrent: current, prevState: prev, prevOutput: prevSpikes, state, output } = args;
    const n = args.batch * this.neurons;
    const { alpha, rho, beta, theta } = this;
    for (let i = 0; i < n; i++) {
      const z = prevSpikes[i]!;
      const a = rho * prev[n + i]! + z;
      const u = alpha * prev[i]! + current[i]! - theta * z;
      state[i] = u;
      state[n + i] = a;
      output[i] = u - theta - beta * a > 0 ? 1 : 0;
    }
  }

  vjp(args: CellVjpArgs): void {
    const { state, gradState, gradOutput, gradPrevState, gradPrevOutput, gradInputCurrent } = args;
    const n = args.batch * this.neurons;
    const { alpha, rho, beta, theta, surrogate } = this;
    for (let i = 0; i < n; i++) {
      const a = state[n + i]!;
      const gz = gradOutput[i]! * surrogate.derivative(state[i]! - theta - beta * a);
      const gradU = gradState[i]! + gz;
      const gradA = gradState[n + i]! - beta * gz;
      gradInputCurrent[i] = gradU;
      gradPrevState[i] = alpha * gradU;
      gradPrevState[n + i] = rho * gradA;
      // z_{t-1} drives the adaptation (+1) and the reset (-theta).
      gradPrevOutput[i] = gradPrevOutput[i]! + gradA - theta * gradU;
    }
  }

  jacobians(args: CellJacobianArgs): void {
    const { prevState, state, J, D, C, CI } = args;
    const n = args.batch * this.neurons;
    const { alpha, rho, beta, theta, surrogate } = this;
    for (let i = 0; i < n; i++) {
      // z_{t-1} = H(u_{t-1} - A_{t-1}) is a function of the previous state: reset and adaptation are inside J.
      const psiPrev = surrogate.derivative(prevState[i]! - theta - beta * prevState[n + i]!);
      const j = 4 * i;
      J[j] = alpha - theta * psiPrev;
      J[j + 1] = theta * beta * psiPrev;
      J[j + 2] = psiPrev;
      J[j + 3] = rho - beta * psiPrev;
      D[2 * i] = 1;
      D[2 * i + 1] = 0;
      const psi = surrogate.derivative(state[i]! - theta - beta * state[n + i]!);
      C[2 * i] = psi;
      C[2 * i + 1] = -beta * psi;
      CI[i] = 0;
    }
  }
}

/** A CellV1 of `neurons` ALIF neurons; options not given take `alifDefaults`. */
export function createAlif(neurons: number, options?: Partial<AlifOptions>): AlifCell {
  return new AlifCell(neurons, options);
}

/** Registry entry: `registerCell(alif)` from @snn/core makes `'alif'` available by name. */
export const alif: CellDefinition<AlifOptions> = {
  kind: 'cell',
  specificationVersion: 'v1',
  name: 'alif',
  description: 'Adaptive LIF (Bellec): a = rho a + z, u = alpha u + I - theta z, spike when u > theta + beta a',
  capabilities: { vjp: true, jacobians: true, diagonalJacobian: false },
  create: (neurons, options) => new AlifCell(neurons, options),
};
