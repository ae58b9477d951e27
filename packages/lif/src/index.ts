/**
 * @snn/lif: leaky integrate-and-fire neurons, exactly as in the @snn vectors (vectors.md, "Reset
 * variants of LIF, and the current-based LIF"). With r_{t-1} the neuron's own previous spike as it
 * enters the reset (z_{t-1}, or sg(z_{t-1}) with `detachReset`):
 *
 *   subtract (default):    u_t = alpha (u_{t-1} - theta r_{t-1}) + I_t
 *   subtract-after-decay:  u_t = alpha u_{t-1} + I_t - theta r_{t-1}
 *   zero:                  u_t = alpha u_{t-1} (1 - r_{t-1}) + I_t
 *   none:                  u_t = alpha u_{t-1} + I_t
 *   z_t = H(u_t - theta)   (H(0) = 0)
 *
 * d = 1 state variable (membrane `u`), no trainable neuron parameters. The spike derivative is the
 * surrogate psi(u_t - theta). Because the reset uses the neuron's own previous spike
 * z_{t-1} = H(u_{t-1} - theta), the per-neuron Jacobian is J_t = du/du_{t-1} + du/dz_{t-1} psi(u_{t-1} - theta)
 * (the second term dropped with `detachReset`).
 */
import type { CellDefinition, CellJacobianArgs, CellStepArgs, CellV1, CellVjpArgs } from '@snn/protocol';
import { createSurrogate, type Surrogate, type SurrogateSpec } from '@snn/surrogate';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';

/** How a spike resets the membrane (vectors.md). */
export type LifReset = 'subtract' | 'subtract-after-decay' | 'zero' | 'none';
export const lifResets: readonly LifReset[] = Object.freeze(['subtract', 'subtract-after-decay', 'zero', 'none']);

export interface LifOptions {
  /** Membrane decay per step, exp(-dt/tau) or 1 - dt/tau; in [0, 1]. Default 0.9. */
  alpha: number;
  /** Firing threshold, > 0. Default 1. */
  theta: number;
  /** Reset variant. Default 'subtract' (inside the leak). */
  reset: LifReset;
  /** When true the spike in the reset term carries no gradient (snnTorch / SpikingJelly detach). Default false. */
  detachReset: boolean;
  /** Surrogate for the spike derivative. Default fast-sigmoid with slope 25. */
  surrogate: SurrogateSpec | string;
}

export const lifDefaults: Readonly<LifOptions> = Object.freeze({
  alpha: 0.9,
  theta: 1,
  reset: 'subtract' as LifReset,
  detachReset: false,
  surrogate: { name: 'fast-sigmoid', slope: 25 },
});

const knownOptions = new Set(Object.keys(lifDefaults));

/** Reset variant as a small integer for the hot loops. */
export const ResetCode = Object.freeze({ Subtract: 0, SubtractAfterDecay: 1, Zero: 2, None: 3 } as const);
export type ResetCode = (typeof ResetCode)[keyof typeof ResetCode];

/**
 * Checks `reset` and `detachReset` (shared by every LIF-like cell) and returns the reset code.
 * `cell` names the cell in the error messages.
 */
export function resolveReset(cell: string, reset: unknown, detachReset: unknown): ResetCode {
  const code = lifResets.indexOf(reset as LifReset);
  if (code < 0) {
    throw new InvalidArgumentError(`${cell} reset`, `must be one of ${lifResets.map((r) => `"${r}"`).join(', ')}, got ${JSON.stringify(reset)}`);
  }
  if (typeof detachReset !== 'boolean') {
    throw new InvalidArgumentError(`${cell} detachReset`, `must be a boolean (true stops the gradient through the reset), got ${JSON.stringify(detachReset)}`);
  }
  return code as ResetCode;
}

/**
 * One membrane update: `carried` = u_{t-1}, `z` = z_{t-1}, `drive` = D_t. Shared by the LIF-like cells so
 * that every variant is written once.
 */
export function membraneUpdate(code: ResetCode, alpha: number, theta: number, carried: number, z: number, drive: number): number {
  switch (code) {
    case ResetCode.Subtract:
      return alpha * (carried - theta * z) + drive;
    case ResetCode.SubtractAfterDecay:
      return alpha * carried + drive - theta * z;
    case ResetCode.Zero:
      return alpha * carried * (1 - z) + drive;
    default:
      return alpha * carried + drive;
  }
}

/** du_t/du_{t-1} with z_{t-1} held fixed (its value). */
export function membraneLeak(code: ResetCode, alpha: number, z: number): number {
  return code === ResetCode.Zero ? alpha * (1 - z) : alpha;
}

/** du_t/dz_{t-1} through the reset (0 when detached or without reset). */
export function resetDerivative(code: ResetCode, detach: boolean, alpha: number, theta: number, carried: number): number {
  if (detach) return 0;
  switch (code) {
    case ResetCode.Subtract:
      return -alpha * theta;
    case ResetCode.SubtractAfterDecay:
      return -theta;
    case ResetCode.Zero:
      return -alpha * carried;
    default:
      return 0;
  }
}

export class LifCell implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'lif';
  readonly stateSize = 1;
  readonly stateNames = ['membrane'] as const;
  readonly gates = 1;
  readonly spiking = true;
  readonly splitsRecurrentCurrent = false;
  readonly biases = [{ name: 'b', adds: 'input' }] as const;
  readonly neuronParameters = [] as const;
  readonly tapeSize = 0;
  readonly capabilities = { vjp: true, jacobians: true, diagonalJacobian: true } as const;
  readonly options: Readonly<LifOptions>;
  private readonly alpha: number;
  private readonly theta: number;
  private readonly reset: ResetCode;
  private readonly detach: boolean;
  private readonly surrogate: Surrogate;

  constructor(
    readonly neurons: number,
    options: Partial<LifOptions> = {},
  ) {
    rejectUnknownOptions('lif', options, knownOptions);
    if (!Number.isInteger(neurons) || neurons < 1) {
      throw new InvalidArgumentError('neurons', `must be a positive integer, got ${neurons}`);
    }
    const resolved = { ...lifDefaults, ...options };
    if (!(resolved.alpha >= 0 && resolved.alpha <= 1)) {
      throw new InvalidArgumentError('lif alpha', `must be in [0, 1] (alpha = exp(-dt/tau)), got ${resolved.alpha}`);
    }
    if (!(resolved.theta > 0) || !Number.isFinite(resolved.theta)) {
      throw new InvalidArgumentError('lif theta', `must be a positive finite threshold, got ${resolved.theta}`);
    }
    this.reset = resolveReset('lif', resolved.reset, resolved.detachReset);
    this.options = Object.freeze(resolved);
    this.alpha = resolved.alpha;
    this.theta = resolved.theta;
    this.detach = resolved.detachReset;
    this.surrogate = createSurrogate(resolved.surrogate);
  }

  step(args: CellStepArgs): void {
    const { inputCurrent: current, prevState: prev, prevOutput: prevSpikes, state, output } = args;
    const n = args.batch * this.neurons;
    const { alpha, theta, reset } = this;
    for (let i = 0; i < n; i++) {
      const u = membraneUpdate(reset, alpha, theta, prev[i]!, prevSpikes[i]!, current[i]!);
      state[i] = u;
      output[i] = u - theta > 0 ? 1 : 0;
    }
  }

  vjp(args: CellVjpArgs): void {
    const { prevState, prevOutput, state, gradState, gradOutput, gradPrevState, gradPrevOutput, gradInputCurrent } = args;
    const n = args.batch * this.neurons;
    const { alpha, theta, reset, detach, surrogate } = this;
    for (let i = 0; i < n; i++) {
      const gradU = gradState[i]! + gradOutput[i]! * surrogate.derivative(state[i]! - theta);
      gradInputCurrent[i] = gradU;
      gradPrevState[i] = membraneLeak(reset, alpha, prevOutput[i]!) * gradU;
      gradPrevOutput[i] = gradPrevOutput[i]! + resetDerivative(reset, detach, alpha, theta, prevState[i]!) * gradU;
    }
  }

  jacobians(args: CellJacobianArgs): void {
    const { prevState, prevOutput, state, J, D, C, CI } = args;
    const n = args.batch * this.neurons;
    const { alpha, theta, reset, detach, surrogate } = this;
    const throughReset = !detach && reset !== ResetCode.None;
    for (let i = 0; i < n; i++) {
      const p = prevState[i]!;
      // z_{t-1} = H(u_{t-1} - theta) is a function of the previous state, so the reset path is inside J.
      let j = membraneLeak(reset, alpha, prevOutput[i]!);
      if (throughReset) j += resetDerivative(reset, false, alpha, theta, p) * surrogate.derivative(p - theta);
      J[i] = j;
      D[i] = 1;
      C[i] = surrogate.derivative(state[i]! - theta);
      CI[i] = 0;
    }
  }
}

export function createLif(neurons: number, options?: Partial<LifOptions>): LifCell {
  return new LifCell(neurons, options);
}

/** Registry entry: `registerCell(lif)` from @snn/core makes `'lif'` available by name. */
export const lif: CellDefinition<LifOptions> = {
  kind: 'cell',
  specificationVersion: 'v1',
  name: 'lif',
  description: 'Leaky integrate-and-fire; reset subtract (inside the leak, default), subtract-after-decay, zero or none, optionally detached',
  capabilities: { vjp: true, jacobians: true, diagonalJacobian: true },
  create: (neurons, options) => new LifCell(neurons, options),
};
