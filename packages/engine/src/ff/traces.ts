/**
 * Trace primitives of the feed-forward online rules, per sequence and per layer; every trace is zero
 * at t = 0 and folds in step t before step t's contribution (vectors.md, feed-forward section).
 */
import type { RealArray } from '@snn/protocol';
import type { LayerRuleDims, LayerStepView } from './layer-rule';

/**
 * The exact in-layer eligibility of every weight and bias, `e_t = du_t/dW` with the reset kept:
 * `e_t[h,i] = J_t[h] e_{t-1}[h,i] + D_t[h] pre_t[i]` (`[B, H, m]`), and `e^b_t[h]` the same with pre = 1.
 */
export class Eligibility {
  readonly weights: RealArray;
  readonly bias: RealArray;
  constructor(private readonly dims: LayerRuleDims) {
    this.weights = dims.allocate(dims.batch * dims.neurons * dims.inputs);
    this.bias = dims.allocate(dims.batch * dims.neurons);
  }
  get bytes(): number {
    return this.weights.byteLength + this.bias.byteLength;
  }
  reset(): void {
    this.weights.fill(0);
    this.bias.fill(0);
  }
  update(view: LayerStepView): void {
    const { batch: B, neurons: H, inputs: m } = this.dims;
    const e = this.weights;
    const eb = this.bias;
    const { pre, leak, gain } = view;
    for (let b = 0; b < B; b++) {
      const preBase = b * m;
      for (let h = 0; h < H; h++) {
        const n = b * H + h;
        const j = leak[n]!;
        const d = gain[n]!;
        eb[n] = j * eb[n]! + d;
        const row = n * m;
        for (let i = 0; i < m; i++) e[row + i] = j * e[row + i]! + d * pre[preBase + i]!;
      }
    }
  }
}

/** A presynaptic trace `a_t[i] = alpha a_{t-1}[i] + x_t[i]` per input, `[B, m]`. */
export class PresynapticTrace {
  readonly values: RealArray;
  constructor(
    private readonly dims: LayerRuleDims,
    private readonly decay = dims.alpha,
  ) {
    this.values = dims.allocate(dims.batch * dims.inputs);
  }
  get bytes(): number {
    return this.values.byteLength;
  }
  reset(): void {
    this.values.fill(0);
  }
  /** Folds `x [B, m]` into the trace. */
  update(x: RealArray): void {
    const a = this.values;
    const k = this.decay;
    for (let i = 0; i < a.length; i++) a[i] = k * a[i]! + x[i]!;
  }
}

/**
 * The normalised leaky mean of psi per neuron, `[B, H]`:
 * `gbar_t = sum_{t'<=t} alpha^{t-t'} psi_{t'} / sum_{t'<=t} alpha^{t-t'}` (gbar_1 = psi_1).
 */
export class SurrogateMean {
  readonly values: RealArray;
  private norm = 0;
  constructor(private readonly dims: LayerRuleDims) {
    this.values = dims.allocate(dims.batch * dims.neurons);
  }
  get bytes(): number {
    return this.values.byteLength + 8;
  }
  reset(): void {
    this.values.fill(0);
    this.norm = 0;
  }
  update(psi: RealArray): void {
    const alpha = this.dims.alpha;
    const prev = this.norm;
    const next = alpha * prev + 1;
    const keep = (alpha * prev) / next;
    const add = 1 / next;
    const g = this.values;
    for (let i = 0; i < g.length; i++) g[i] = keep * g[i]! + add * psi[i]!;
    this.norm = next;
  }
}

/** Copies `src` into `dst` (both `[B, H]`). */
export function copyInto(dst: RealArray, src: RealArray): void {
  dst.set(src.subarray(0, dst.length));
}

/**
 * `gradW[h,i] += sum_b g[b,h] s[b,h] rows[b,h,i]` (per-neuron rows `[B, H, m]`, e.g. eligibilities),
 * and `gradB[h] += sum_b g[b,h] s[b,h] biasRows[b,h]`; `s` null means 1.
 */
export function accumulateRows(
  dims: LayerRuleDims,
  g: RealArray,
  s: RealArray | null,
  rows: RealArray,
  biasRows: RealArray,
  gradW: RealArray,
  gradB: RealArray,
): void {
  const { batch: B, neurons: H, inputs: m } = dims;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const n = b * H + h;
      const c = s ? g[n]! * s[n]! : g[n]!;
      if (c === 0) continue;
      gradB[h] = gradB[h]! + c * biasRows[n]!;
      const row = n * m;
      const out = h * m;
      for (let i = 0; i < m; i++) gradW[out + i] = gradW[out + i]! + c * rows[row + i]!;
    }
  }
}

/**
 * `gradW[h,i] += sum_b g[b,h] s[b,h] x[b,i]` (an outer product with one presynaptic row per sequence,
 * `[B, m]`), and `gradB[h] += sum_b g[b,h] s[b,h]` (the bias without a trace).
 */
export function accumulateOuter(dims: LayerRuleDims, g: RealArray, s: RealArray, x: RealArray, gradW: RealArray, gradB: RealArray): void {
  const { batch: B, neurons: H, inputs: m } = dims;
  for (let b = 0; b < B; b++) {
    const xBase = b * m;
    for (let h = 0; h < H; h++) {
      const n = b * H + h;
      const c = g[n]! * s[n]!;
      if (c === 0) continue;
      gradB[h] = gradB[h]! + c;
      const out = h * m;
      for (let i = 0; i < m; i++) gradW[out + i] = gradW[out + i]! + c * x[xBase + i]!;
    }
  }
}
