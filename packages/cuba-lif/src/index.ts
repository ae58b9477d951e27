/**
 * @snn/cuba-lif: current-based (synaptic) leaky integrate-and-fire neurons, exactly as in the @snn
 * vectors (vectors.md, "Reset variants of LIF, and the current-based LIF"):
 *
 *   i_t = alphaSyn i_{t-1} + I_t                       (synaptic current; I_t = W_in x + W_rec y + b)
 *   u_t = <LIF reset variant of @snn/lif with drive i_t>
 *   z_t = H(u_t - theta)                               (H(0) = 0)
 *
 * d = 2 state variables per neuron, planes `[synaptic current i, membrane u]`, no trainable neuron
 * parameters. Per-neuron blocks (rows: new state, columns: previous state):
 *
 *   J_t = [[alphaSyn, 0], [alphaSyn, du_t/du_{t-1} + du_t/dz_{t-1} psi(u_{t-1} - theta)]],
 *   D = (1, 1),  C_t = (0, psi(u_t - theta)).
 */
import type { CellDefinition, CellJacobianArgs, CellStepArgs, CellV1, CellVjpArgs } from '@snn/protocol';
import { createSurrogate, type Surrogate, type SurrogateSpec } from '@snn/surrogate';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';
import { membraneLeak, membraneUpdate, ResetCode, resetDerivative, resolveReset, type LifReset } from '@snn/lif';

export type { LifReset } from '@snn/lif';

export interface CubaLifOptions {
  /** Synaptic current decay per step, exp(-dt/tau_syn) or 1 - dt/tau_syn; in [0, 1]. Default 0.8. */
  alphaSyn: number;
  /** Membrane decay per step; in [0, 1]. Default 0.9. */
  alpha: number;
  /** Firing threshold, > 0. Default 1. */
  theta: number;
  /** Reset variant, as in @snn/lif. Default 'subtract'. */
  reset: LifReset;
  /** When true the spike in the reset term carries no gradient. Default false. */
  detachReset: boolean;
  /** Surrogate for the spike derivative. Default fast-sigmoid with slope 25. */
  surrogate: SurrogateSpec | string;
}

export const cubaLifDefaults: Readonly<CubaLifOptions> = Object.freeze({
  alphaSyn: 0.8,
  alpha: 0.9,
  theta: 1,
  reset: 'subtract' as LifReset,
  detachReset: false,
  surrogate: { name: 'fast-sigmoid', slope: 25 },
});

const knownOptions = new Set(Object.keys(cubaLifDefaults));

export class CubaLifCell implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'cuba-lif';
  readonly stateSize = 2;
  readonly stateNames = ['synaptic', 'membrane'] as const;
  readonly gates = 1;
  readonly spiking = true;
  readonly splitsRecurrentCurrent = false;
  readonly biases = [{ name: 'b', adds: 'input' }] as const;
  readonly neuronParameters = [] as const;
  readonly tapeSize = 0;
  readonly capabilities = { vjp: true, jacobians: true, diagonalJacobian: false } as const;
  readonly options: Readonly<CubaLifOptions>;
  private readonly alphaSyn: number;
  private readonly alpha: number;
  private readonly theta: number;
  private readonly reset: ResetCode;
  private readonly detach: boolean;
  private readonly surrogate: Surrogate;

  constructor(
    readonly neurons: number,
    options: Partial<CubaLifOptions> = {},
  ) {
    rejectUnknownOptions('cuba-lif', options, knownOptions);
    if (!Number.isInteger(neurons) || neurons < 1) {
      throw new InvalidArgumentError('neurons', `must be a positive integer, got ${neurons}`);
    }
    const resolved = { ...cubaLifDefaults, ...options };
    if (!(resolved.alphaSyn >= 0 && resolved.alphaSyn <= 1)) {
      throw new InvalidArgumentError('cuba-lif alphaSyn', `must be in [0, 1] (alphaSyn = exp(-dt/tau_syn)), got ${resolved.alphaSyn}`);
    }
    if (!(resolved.alpha >= 0 && resolved.alpha <= 1)) {
      throw new InvalidArgumentError('cuba-lif alpha', `must be in [0, 1] (alpha = exp(-dt/tau_mem)), got ${resolved.alpha}`);
    }
    if (!(resolved.theta > 0) || !Number.isFinite(resolved.theta)) {
      throw new InvalidArgumentError('cuba-lif theta', `must be a positive finite threshold, got ${resolved.theta}`);
    }
    this.reset = resolveReset('cuba-lif', resolved.reset, resolved.detachReset);
    this.options = Object.freeze(resolved);
    this.alphaSyn = resolved.alphaSyn;
    this.alpha = resolved.alpha;
    this.theta = resolved.theta;
    this.detach = resolved.detachReset;
    this.surrogate = createSurrogate(resolved.surrogate);
  }

  step(args: CellStepArgs): void {
    const { inputCurrent: current, prevState: prev, prevOutput: prevSpikes, state, output } = args;
    const n = args.batch * this.neurons;
    const { alphaSyn, alpha, theta, reset } = this;
    for (let k = 0; k < n; k++) {
      const i = alphaSyn * prev[k]! + current[k]!;
      const u = membraneUpdate(reset, alpha, theta, prev[n + k]!, prevSpikes[k]!, i);
      state[k] = i;
      state[n + k] = u;
      output[k] = u - theta > 0 ? 1 : 0;
    }
  }

  vjp(args: CellVjpArgs): void {
    const { prevState, prevOutput, state, gradState, gradOutput, gradPrevState, gradPrevOutput, gradInputCurrent } = args;
    const n = args.batch * this.neurons;
    const { alphaSyn, alpha, theta, reset, detach, surrogate } = this;
    for (let k = 0; k < n; k++) {
      const gradU = gradState[n + k]! + gradOutput[k]! * surrogate.derivative(state[n + k]! - theta);
      const gradI = gradState[k]! + gradU; // du_t/di_t = 1
      gradInputCurrent[k] = gradI;
      gradPrevState[k] = alphaSyn * gradI;
      gradPrevState[n + k] = membraneLeak(reset, alpha, prevOutput[k]!) * gradU;
      gradPrevOutput[k] = gradPrevOutput[k]! + resetDerivative(reset, detach, alpha, theta, prevState[n + k]!) * gradU;
    }
  }

  jacobians(args: CellJacobianArgs): void {
    const { prevState, prevOutput, state, J, D, C, CI } = args;
    const n = args.batch * this.neurons;
    const { alphaSyn, alpha, theta, reset, detach, surrogate } = this;
    const throughReset = !detach && reset !== ResetCode.None;
    for (let k = 0; k < n; k++) {
      const p = prevState[n + k]!;
      let juu = membraneLeak(reset, alpha, prevOutput[k]!);
      if (throughReset) juu += resetDerivative(reset, false, alpha, theta, p) * surrogate.derivative(p - theta);
      const j = 4 * k;
      J[j] = alphaSyn;
      J[j + 1] = 0;
      J[j + 2] = alphaSyn;
      J[j + 3] = juu;
      D[2 * k] = 1;
      D[2 * k + 1] = 1;
      C[2 * k] = 0;
      C[2 * k + 1] = surrogate.derivative(state[n + k]! - theta);
      CI[k] = 0;
    }
  }
}

/** A CellV1 of `neurons` CuBa-LIF neurons; options not given take `cubaLifDefaults`. */
export function createCubaLif(neurons: number, options?: Partial<CubaLifOptions>): CubaLifCell {
  return new CubaLifCell(neurons, options);
}

/** Registry entry: `registerCell(cubaLif)` from @snn/core makes `'cuba-lif'` available by name. */
export const cubaLif: CellDefinition<CubaLifOptions> = {
  kind: 'cell',
  specificationVersion: 'v1',
  name: 'cuba-lif',
  description: 'Current-based LIF: i = alphaSyn i + I, u = alpha u + i with the LIF reset variants, spike when u > theta',
  capabilities: { vjp: true, jacobians: true, diagonalJacobian: false },
  create: (neurons, options) => new CubaLifCell(neurons, options),
};
