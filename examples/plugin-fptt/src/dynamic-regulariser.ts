import type { Parameter, RealArray } from '@snn/protocol';
import { allocate } from '@snn/core';
import { CheckpointError } from '@snn/errors';

/**
 * FPTT's dynamic regulariser (Kag & Saligrama 2021, Algorithm 1), per parameter W:
 *
 *   R(W) = (alpha / 2) ||W - Wbar||^2 - <lambda, W>,      dR/dW = alpha (W - Wbar) - lambda,
 *
 * and after each update, with the new weights W:
 *
 *   lambda <- lambda - alpha (W - Wbar)
 *   Wbar   <- (1 - beta) Wbar + beta W - (beta / alpha) lambda.
 *
 * lambda sums the drift of the weights away from their running average Wbar; the paper's beta is 1/2.
 * Both live across batches, which is why the learner exports them for checkpoints.
 */
export class DynamicRegulariser {
  /** Wbar per parameter name. */
  readonly mean = new Map<string, RealArray>();
  /** lambda per parameter name. */
  readonly dual = new Map<string, RealArray>();

  constructor(
    private readonly params: readonly Parameter[],
    readonly alpha: number,
    readonly beta: number,
  ) {
    for (const p of params) {
      this.mean.set(p.name, Float64Array.from(p.data) as RealArray);
      this.dual.set(p.name, allocate('float64', p.data.length));
    }
  }

  /** R at the current weights (for checks; training needs only the gradient). */
  value(): number {
    let r = 0;
    for (const p of this.params) {
      const w = p.data;
      const m = this.mean.get(p.name)!;
      const l = this.dual.get(p.name)!;
      for (let i = 0; i < w.length; i++) {
        const d = w[i]! - m[i]!;
        r += 0.5 * this.alpha * d * d - l[i]! * w[i]!;
      }
    }
    return r;
  }

  /** out[name] = g[name] + dR/dW at the current weights (g missing: zero). */
  addGradient(g: ReadonlyMap<string, RealArray>, out: Map<string, RealArray>): void {
    const a = this.alpha;
    for (const p of this.params) {
      const w = p.data;
      const m = this.mean.get(p.name)!;
      const l = this.dual.get(p.name)!;
      const src = g.get(p.name);
      const dst = out.get(p.name)!;
      for (let i = 0; i < w.length; i++) dst[i] = (src ? src[i]! : 0) + a * (w[i]! - m[i]!) - l[i]!;
    }
  }

  /** The post-update step of lambda and Wbar, reading the weights the optimizer just wrote. */
  update(): void {
    const a = this.alpha;
    const b = this.beta;
    // With alpha = 0 lambda stays 0 and R vanishes; the beta/alpha term is then 0, not 0/0.
    const c = a > 0 ? b / a : 0;
    for (const p of this.params) {
      const w = p.data;
      const m = this.mean.get(p.name)!;
      const l = this.dual.get(p.name)!;
      for (let i = 0; i < w.length; i++) {
        const li = l[i]! - a * (w[i]! - m[i]!);
        l[i] = li;
        m[i] = (1 - b) * m[i]! + b * w[i]! - c * li;
      }
    }
  }

  exportState(): Record<string, RealArray | number> {
    const out: Record<string, RealArray | number> = { alpha: this.alpha, beta: this.beta };
    for (const p of this.params) {
      out[`mean.${p.name}`] = Float64Array.from(this.mean.get(p.name)!);
      out[`dual.${p.name}`] = Float64Array.from(this.dual.get(p.name)!);
    }
    return out;
  }

  importState(state: Record<string, RealArray | number>): void {
    const where = 'fptt learner state';
    for (const p of this.params) {
      for (const [kind, target] of [['mean', this.mean], ['dual', this.dual]] as const) {
        const v = state[`${kind}.${p.name}`];
        if (v === undefined || typeof v === 'number') throw new CheckpointError(where, `lacks ${kind}.${p.name}; it was saved for another network`);
        if (v.length !== p.data.length) throw new CheckpointError(where, `${kind}.${p.name} holds ${v.length} values, the parameter ${p.data.length}`);
      }
    }
    const known = new Set(['alpha', 'beta', ...this.params.flatMap((p) => [`mean.${p.name}`, `dual.${p.name}`])]);
    const extra = Object.keys(state).filter((k) => !known.has(k));
    if (extra.length) throw new CheckpointError(where, `holds ${extra.join(', ')}, which this network has no parameter for`);
    for (const p of this.params) {
      this.mean.get(p.name)!.set(state[`mean.${p.name}`] as RealArray);
      this.dual.get(p.name)!.set(state[`dual.${p.name}`] as RealArray);
    }
  }
}
