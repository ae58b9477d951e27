import type { Gradients, Parameter, RealArray } from '@snn/protocol';
import { InvalidArgumentError, NonFiniteError, UnknownNameError } from '@snn/errors';
import { allocate, dtypeOf } from './dtype';

/** Per-parameter learning-rate factors, shared by every optimizer. */
export interface LearningRateScaleOptions {
  /**
   * Factor on the learning rate for the named parameters (others: 1); 0 freezes a parameter: its gradient is
   * ignored, also by the clipping. E.g. `{ beta: 0 }` keeps SE-adLIF's adaptation decays at their initial values.
   */
  learningRateScale?: Readonly<Record<string, number>>;
}

export interface ClipOptions {
  /** Rescale all gradients together so their global L2 norm is at most this. */
  maxNorm?: number;
  /** Clamp every gradient entry to [-maxValue, maxValue] (applied after maxNorm). */
  maxValue?: number;
}

export interface Optimizer {
  readonly name: string;
  /** Learning rate; may be changed between steps (schedules). */
  learningRate: number;
  /** Applies one update to `parameters` from `gradients` (missing names are left alone). */
  step(gradients: Gradients): void;
  /** Internal state (moments) by name, for checkpoints. */
  state(): Record<string, RealArray>;
  /** A copy of everything a later `importState` needs to continue exactly: the step count and every moment. */
  exportState(): OptimizerState;
  /** Restores `exportState` output (typed errors for another optimizer, unknown parameters or wrong sizes). */
  importState(state: OptimizerState): void;
}

/** What an optimizer needs to continue bit-identically (see `Optimizer.exportState`). */
export interface OptimizerState {
  name: string;
  /** Updates applied so far (Adam's bias correction depends on it). */
  step: number;
  /** Moment buffers per parameter name, in the optimizer's own order (Adam: m, v; SGD: velocity). */
  slots: Record<string, RealArray[]>;
}

export interface SgdOptions extends ClipOptions, LearningRateScaleOptions {
  learningRate: number;
  momentum?: number;
  weightDecay?: number;
}
export interface AdamOptions extends ClipOptions, LearningRateScaleOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

/** Global L2 norm of all gradients. */
export function gradientNorm(gradients: Gradients): number {
  let sum = 0;
  for (const g of gradients.values()) for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  return Math.sqrt(sum);
}

/** Returns the factor applied (1 when nothing was clipped). Gradients are changed in place. */
export function clipGradients(gradients: Gradients, options: ClipOptions): number {
  let factor = 1;
  if (options.maxNorm !== undefined) {
    const norm = gradientNorm(gradients);
    if (!Number.isFinite(norm)) {
      for (const [name, g] of gradients) {
        for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i]!)) throw new NonFiniteError(`gradient of ${name}`, i, g[i]!);
      }
    }
    if (norm > options.maxNorm) factor = options.maxNorm / norm;
  }
  const maxValue = options.maxValue ?? Infinity;
  if (factor !== 1 || Number.isFinite(maxValue)) {
    for (const g of gradients.values()) {
      for (let i = 0; i < g.length; i++) {
        const v = g[i]! * factor;
        g[i] = v > maxValue ? maxValue : v < -maxValue ? -maxValue : v;
      }
    }
  }
  return factor;
}

function checkRate(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new InvalidArgumentError(`${name}.learningRate`, `must be a positive number, got ${value}`);
}

abstract class BaseOptimizer implements Optimizer {
  abstract readonly name: string;
  learningRate: number;
  protected readonly byName: Map<string, Parameter>;
  protected readonly moments = new Map<string, RealArray[]>();
  private onUpdate: () => void;

  private readonly scales = new Map<string, number>();

  constructor(
    parameters: readonly Parameter[],
    learningRate: number,
    protected readonly clip: ClipOptions & LearningRateScaleOptions,
    onUpdate?: () => void,
  ) {
    this.learningRate = learningRate;
    this.byName = new Map(parameters.map((p) => [p.name, p]));
    this.onUpdate = onUpdate ?? (() => {});
    for (const [name, scale] of Object.entries(clip.learningRateScale ?? {})) {
      if (!this.byName.has(name)) throw new UnknownNameError('parameter (learningRateScale)', name, [...this.byName.keys()]);
      if (!(scale >= 0) || !Number.isFinite(scale)) {
        throw new InvalidArgumentError(`learningRateScale.${name}`, `must be a finite number >= 0 (0 freezes the parameter), got ${scale}`);
      }
      this.scales.set(name, scale);
    }
  }

  protected slots(name: string, count: number): RealArray[] {
    let m = this.moments.get(name);
    if (!m) {
      const p = this.byName.get(name)!;
      m = Array.from({ length: count }, () => allocate(dtypeOf(p.data), p.data.length));
      this.moments.set(name, m);
    }
    return m;
  }

  step(gradients: Gradients): void {
    for (const name of gradients.keys()) if (!this.byName.has(name)) throw new UnknownNameError('parameter', name, [...this.byName.keys()]);
    // Frozen parameters (scale 0) take no part in the update, nor in the gradient norm that clipping sees.
    let active = gradients;
    for (const [name, scale] of this.scales) {
      if (scale === 0 && active.has(name)) {
        if (active === gradients) active = new Map(gradients);
        (active as Map<string, RealArray>).delete(name);
      }
    }
    if (this.clip.maxNorm !== undefined || this.clip.maxValue !== undefined) clipGradients(active, this.clip);
    this.beforeStep();
    for (const [name, grad] of active) this.update(name, this.byName.get(name)!.data, grad, this.learningRate * (this.scales.get(name) ?? 1));
    this.onUpdate();
  }

  protected beforeStep(): void {}
  /** Steps applied so far (only optimizers whose update depends on it keep a count). */
  protected get stepCount(): number {
    return 0;
  }
  protected set stepCount(_value: number) {}
  /** Moment buffers per parameter (Adam 2, SGD with momentum 1). */
  protected abstract readonly slotCount: number;

  exportState(): OptimizerState {
    const slots: Record<string, RealArray[]> = {};
    for (const [name, m] of this.moments) slots[name] = m.map((a) => a.slice());
    return { name: this.name, step: this.stepCount, slots };
  }

  importState(state: OptimizerState): void {
    if (!state || state.name !== this.name) {
      throw new InvalidArgumentError('optimizer state', `was saved by optimizer "${String(state?.name)}", this one is "${this.name}"; resume with the same --optimizer`);
    }
    if (!Number.isInteger(state.step) || state.step < 0) throw new InvalidArgumentError('optimizer state.step', `must be an integer >= 0, got ${String(state.step)}`);
    const restored = new Map<string, RealArray[]>();
    for (const [name, buffers] of Object.entries(state.slots)) {
      const p = this.byName.get(name);
      if (!p) throw new UnknownNameError('parameter (optimizer state)', name, [...this.byName.keys()]);
      if (buffers.length !== this.slotCount) throw new InvalidArgumentError(`optimizer state.slots.${name}`, `holds ${buffers.length} moment buffers, ${this.name} keeps ${this.slotCount}`);
      restored.set(
        name,
        buffers.map((b, i) => {
          if (b.length !== p.data.length) throw new InvalidArgumentError(`optimizer state.slots.${name}[${i}]`, `holds ${b.length} values, the parameter has ${p.data.length}`);
          const copy = allocate(dtypeOf(p.data), p.data.length);
          copy.set(b);
          return copy;
        }),
      );
    }
    this.moments.clear();
    for (const [name, m] of restored) this.moments.set(name, m);
    this.stepCount = state.step;
  }
  /** `lr` is the learning rate for this parameter (the optimizer's times its learningRateScale). */
  protected abstract update(name: string, w: RealArray, g: RealArray, lr: number): void;

  state(): Record<string, RealArray> {
    const out: Record<string, RealArray> = {};
    for (const [name, m] of this.moments) m.forEach((a, i) => (out[`${name}#${i}`] = a));
    return out;
  }
}

class Sgd extends BaseOptimizer {
  readonly name = 'sgd';
  protected readonly slotCount = 1;
  constructor(parameters: readonly Parameter[], private readonly o: SgdOptions, onUpdate?: () => void) {
    super(parameters, o.learningRate, o, onUpdate);
    checkRate('sgd', o.learningRate);
  }
  protected update(name: string, w: RealArray, g: RealArray, lr: number): void {
    const mu = this.o.momentum ?? 0;
    const wd = this.o.weightDecay ?? 0;
    if (mu === 0) {
      for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * (g[i]! + wd * w[i]!);
      return;
    }
    const [v] = this.slots(name, 1) as [RealArray];
    for (let i = 0; i < w.length; i++) {
      const vi = mu * v[i]! + g[i]! + wd * w[i]!;
      v[i] = vi;
      w[i] = w[i]! - lr * vi;
    }
  }
}

class Adam extends BaseOptimizer {
  readonly name: string;
  protected readonly slotCount = 2;
  private t = 0;
  protected override get stepCount(): number {
    return this.t;
  }
  protected override set stepCount(value: number) {
    this.t = value;
  }
  constructor(parameters: readonly Parameter[], private readonly o: AdamOptions, private readonly infinityNorm: boolean, onUpdate?: () => void) {
    super(parameters, o.learningRate, o, onUpdate);
    this.name = infinityNorm ? 'adamax' : 'adam';
    checkRate(this.name, o.learningRate);
  }
  protected override beforeStep(): void {
    this.t++;
  }
  protected update(name: string, w: RealArray, g: RealArray, lr: number): void {
    const b1 = this.o.beta1 ?? 0.9;
    const b2 = this.o.beta2 ?? 0.999;
    const eps = this.o.epsilon ?? 1e-8;
    const wd = this.o.weightDecay ?? 0;
    const [m, v] = this.slots(name, 2) as [RealArray, RealArray];
    const c1 = 1 - Math.pow(b1, this.t);
    if (this.infinityNorm) {
      // Adamax (Kingma & Ba, sec. 7.1): u = max(b2 u, |g|), step lr/(1-b1^t) m/u.
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]! + wd * w[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const ui = Math.max(b2 * v[i]!, Math.abs(gi));
        m[i] = mi;
        v[i] = ui;
        w[i] = w[i]! - (lr / c1) * mi / (ui + eps);
      }
      return;
    }
    const c2 = 1 - Math.pow(b2, this.t);
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]! + wd * w[i]!;
      const mi = b1 * m[i]! + (1 - b1) * gi;
      const vi = b2 * v[i]! + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i]! - lr * (mi / c1) / (Math.sqrt(vi / c2) + eps);
    }
  }
}

/** SGD with optional momentum and weight decay. `onUpdate` runs after each step (pass `network.markUpdated`). */
export function createSgd(parameters: readonly Parameter[], options: SgdOptions, onUpdate?: () => void): Optimizer {
  return new Sgd(parameters, options, onUpdate);
}
export function createAdam(parameters: readonly Parameter[], options: AdamOptions, onUpdate?: () => void): Optimizer {
  return new Adam(parameters, options, false, onUpdate);
}
export function createAdamax(parameters: readonly Parameter[], options: AdamOptions, onUpdate?: () => void): Optimizer {
  return new Adam(parameters, options, true, onUpdate);
}

export type OptimizerName = 'sgd' | 'adam' | 'adamax';
export const optimizerNames: readonly OptimizerName[] = ['sgd', 'adam', 'adamax'];

/** Builds an optimizer by name (UnknownNameError for others). */
export function createOptimizer(
  name: string,
  parameters: readonly Parameter[],
  options: AdamOptions & SgdOptions,
  onUpdate?: () => void,
): Optimizer {
  switch (name) {
    case 'sgd':
      return createSgd(parameters, options, onUpdate);
    case 'adam':
      return createAdam(parameters, options, onUpdate);
    case 'adamax':
      return createAdamax(parameters, options, onUpdate);
    default:
      throw new UnknownNameError('optimizer', name, [...optimizerNames]);
  }
}
