/**
 * @snn/lif: leaky integrate-and-fire neurons with subtractive reset, exactly as in the @snn vectors:
 *
 *   u_t = alpha (u_{t-1} - theta z_{t-1}) + I_t,   z_t = H(u_t - theta)   (H(0) = 0)
 *
 * d = 1 state variable (membrane `u`), no trainable neuron parameters. The spike derivative is the
 * surrogate psi(u_t - theta). Because the reset uses the neuron's own previous spike, the per-neuron
 * Jacobian is J_t = alpha (1 - theta psi(u_{t-1} - theta)).
 */
import type { CellDefinition, CellJacobianArgs, CellStepArgs, CellV1, CellVjpArgs } from '@snn/protocol';
import { createSurrogate, type Surrogate, type SurrogateSpec } from '@snn/surrogate';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';

export interface LifOptions {
  /** Membrane decay per step, exp(-dt/tau); in [0, 1]. Default 0.9. */
  alpha: number;
  /** Firing threshold, > 0. Default 1. */
  theta: number;
  /** Surrogate for the spike derivative. Default fast-sigmoid with slope 25. */
  surrogate: SurrogateSpec | string;
}

export const lifDefaults: Readonly<LifOptions> = Object.freeze({
  alpha: 0.9,
  theta: 1,
  surrogate: { name: 'fast-sigmoid', slope: 25 },
});

const knownOptions = new Set(Object.keys(lifDefaults));

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
    this.options = Object.freeze(resolved);
    this.alpha = resolved.alpha;
    this.theta = resolved.theta;
    this.surrogate = createSurrogate(resolved.surrogate);
  }

  step(args: CellStepArgs): void {
    const { inputCurrent: current, prevState: prev, prevOutput: prevSpikes, state, output } = args;
    const n = args.batch * this.neurons;
    const alpha = this.alpha;
    const theta = this.theta;
    for (let i = 0; i < n; i++) {
      const u = alpha * (prev[i]! - theta * prevSpikes[i]!) + current[i]!;
      state[i] = u;
      output[i] = u - theta > 0 ? 1 : 0;
    }
  }

  vjp(args: CellVjpArgs): void {
    const { state, gradState, gradOutput, gradPrevState, gradPrevOutput, gradInputCurrent } = args;
    const n = args.batch * this.neurons;
    const alpha = this.alpha;
    const theta = this.theta;
    const surrogate = this.surrogate;
    for (let i = 0; i < n; i++) {
      const gradU = gradState[i]! + gradOutput[i]! * surrogate.derivative(state[i]! - theta);
      gradInputCurrent[i] = gradU;
      gradPrevState[i] = alpha * gradU;
      gradPrevOutput[i] = gradPrevOutput[i]! - alpha * theta * gradU;
    }
  }

  jacobians(args: CellJacobianArgs): void {
    const { prevState, state, J, D, C, CI } = args;
    const n = args.batch * this.neurons;
    const alpha = this.alpha;
    const theta = this.theta;
    const surrogate = this.surrogate;
    for (let i = 0; i < n; i++) {
      // z_{t-1} = H(u_{t-1} - theta) is a function of the previous state, so the reset path is inside J.
      J[i] = alpha * (1 - theta * surrogate.derivative(prevState[i]! - theta));
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
  description: 'Leaky integrate-and-fire, subtractive reset inside the leak: u = alpha (u - theta z) + I',
  capabilities: { vjp: true, jacobians: true, diagonalJacobian: true },
  create: (neurons, options) => new LifCell(neurons, options),
};
