/**
 * @snn/traces: the linear recurrences of forward-mode learning rules (e-prop, HYPR, RTRL-like rules),
 * as tight typed-array loops that allocate nothing per step. The block algebra (steps, compositions,
 * scans of per-neuron d x d blocks) is @snn/tensor's kernel layer, re-exported here under the names
 * forward-mode rules use; the fused eligibility sweeps below are this package's own.
 *
 * - `blockDiagonalStep`: e_t = A_t e_{t-1} + b_t with A_t block-diagonal (one d x d block per neuron).
 * - `affineScan` / `composeAffine`: the same recurrence over a segment of L steps as an inclusive
 *   associative scan of (A, b) pairs, (A2, b2) o (A1, b1) = (A2 A1, A2 b1 + b2), log-depth (Hillis-Steele).
 * - `leakyTrace`: t = decay t + x.
 * - `eligibilityStep`: per-synapse eligibility vectors eps[b, k, j, :, i] = J[b, j] eps + D[b, j, :, k] pre[b, i],
 *   their output traces e = C eps + CI pre, optionally filtered (ebar = kappa ebar + e) and contracted
 *   with a learning signal into a gradient accumulator, in one pass over the synapses.
 *
 * Layouts (row-major, last index fastest): blocks `[n, d, d]`, vectors `[n, d]`; see each function.
 */
import type { RealArray } from '@snn/protocol';
import { InvalidArgumentError } from '@snn/errors';
import { blockApply, blockCompose, blockScan, blockStep, type BlockApplyKernel, type BlockComposeKernel, type BlockScanKernel } from '@snn/tensor';

/**
 * One step of e = A e + b for n independent d-vectors: `A [n, d, d]`, `e [n, d]` (updated in place),
 * `b [n, d]` (null: no input). The kernel layer's `blockStep`.
 */
export const blockDiagonalStep: (n: number, d: number, A: RealArray, e: RealArray, b: RealArray | null) => void = blockStep;

/**
 * (A_out, b_out) = (A2, b2) o (A1, b1) = (A2 A1, A2 b1 + b2) for n blocks of size d x d, read at the given
 * offsets (block j of pair p is at `offset + j*d*d` in A and `offset + j*d` in b); the outputs may not
 * alias the inputs. The kernel layer's `blockCompose` (straight-line for d = 2, 3, 4).
 */
export const composeAffine: BlockComposeKernel = blockCompose;

/**
 * Inclusive associative scan over a segment of L steps of the affine maps e -> A_t e + b_t, for n
 * independent blocks: on return `A[t]` holds A_t ... A_1 and `b[t]` holds e_t for e_0 = 0; add `A[t] e_0`
 * for a nonzero start (see `applyBlocks`). `A [L, n, d, d]`, `b [L, n, d]`, both overwritten; Hillis-Steele
 * rounds double-buffered through `workA`/`workB`. The kernel layer's `blockScan`.
 */
export const affineScan: BlockScanKernel = blockScan;

/** out[j] += A[j] v[j] for n blocks (`A [n, d, d]`, `v`, `out` `[n, d]`, out must not alias v). The kernel layer's `blockApply`. */
export const applyBlocks: BlockApplyKernel = blockApply;

/** trace = decay * trace + input over `length` values (input null: pure decay). */
export function leakyTrace(trace: RealArray, decay: number, input: RealArray | null, length = trace.length): void {
  if (input) for (let i = 0; i < length; i++) trace[i] = decay * trace[i]! + input[i]!;
  else for (let i = 0; i < length; i++) trace[i] = decay * trace[i]!;
}

/** Arguments of `eligibilityStep` (one object reused across steps). */
export interface EligibilityStepArgs {
  /** Batch B, gates G, neurons H, state size d, presynaptic width m. */
  batch: number;
  gates: number;
  neurons: number;
  stateSize: number;
  width: number;
  /** `[B, H, d, d]` per-neuron state Jacobian. */
  J: RealArray;
  /** `[B, H, d, G]` ds/dI per gate. */
  D: RealArray;
  /** `[B, H, d]` dy/ds. */
  C: RealArray;
  /** `[B, H, G]` direct dy/dI, or null when zero. */
  CI: RealArray | null;
  /** `[B, m]` presynaptic values of this step (row b at `b * width`). */
  pre: RealArray;
  /** `[B, G, H, d, m]` eligibility vectors, updated in place. */
  eps: RealArray;
  /** Readout leak kappa; with `trace` set, ebar = kappa ebar + e. */
  kappa: number;
  /** `[B, G, H, m]` filtered traces, or null (then e itself meets the signal, kappa ignored). */
  trace: RealArray | null;
  /** `[B, H]` learning signal, or null (no gradient this step). */
  signal: RealArray | null;
  /** `[G, H, m]` gradient accumulator: += sum_b signal[b, j] * (ebar or e)[b, k, j, i]. */
  grad: RealArray;
  /** Scratch of length >= 2d (any d > 2). */
  scratch: Float64Array;
}

/**
 * One step of per-synapse eligibility for every (batch b, gate k, neuron j, presynaptic i):
 * eps = J[b,j] eps + D[b,j,:,k] pre[b,i];  e = C[b,j] . eps + CI[b,j,k] pre[b,i];
 * ebar = kappa ebar + e (when `trace`);  grad[k,j,i] += signal[b,j] * ebar (when `signal`).
 * One streaming pass over eps (and ebar) per step, no allocation.
 */
export function eligibilityStep(a: EligibilityStepArgs): void {
  const { batch: B, gates: G, neurons: H, stateSize: d, width: m, J, D, C, CI, pre, eps, kappa, trace, signal, grad } = a;
  if (d > 2 && a.scratch.length < 2 * d) throw new InvalidArgumentError('scratch', `needs at least ${2 * d} entries`);
  for (let b = 0; b < B; b++) {
    const p0 = b * m;
    for (let k = 0; k < G; k++) {
      for (let j = 0; j < H; j++) {
        const n = b * H + j;
        const L = signal ? signal[n]! : 0;
        const useGrad = L !== 0;
        const ci = CI ? CI[n * G + k]! : 0;
        const row = (b * G + k) * H + j;
        const t0 = row * m;
        const g0 = (k * H + j) * m;
        if (d === 1) {
          const jj = J[n]!;
          const dd = D[n * G + k]!;
          const c = C[n]!;
          const e0 = row * m;
          if (trace) {
            if (useGrad) {
              for (let i = 0; i < m; i++) {
                const p = pre[p0 + i]!;
                const v = jj * eps[e0 + i]! + dd * p;
                eps[e0 + i] = v;
                const tr = kappa * trace[t0 + i]! + c * v + ci * p;
                trace[t0 + i] = tr;
                grad[g0 + i] = grad[g0 + i]! + L * tr;
              }
            } else {
              for (let i = 0; i < m; i++) {
                const p = pre[p0 + i]!;
                const v = jj * eps[e0 + i]! + dd * p;
                eps[e0 + i] = v;
                trace[t0 + i] = kappa * trace[t0 + i]! + c * v + ci * p;
              }
            }
          } else if (useGrad) {
            const lc = L * c;
            const lci = L * ci;
            for (let i = 0; i < m; i++) {
              const p = pre[p0 + i]!;
              const v = jj * eps[e0 + i]! + dd * p;
              eps[e0 + i] = v;
              grad[g0 + i] = grad[g0 + i]! + lc * v + lci * p;
            }
          } else {
            for (let i = 0; i < m; i++) eps[e0 + i] = jj * eps[e0 + i]! + dd * pre[p0 + i]!;
          }
        } else if (d === 2) {
          const jb = n * 4;
          const j00 = J[jb]!, j01 = J[jb + 1]!, j10 = J[jb + 2]!, j11 = J[jb + 3]!;
          const d0 = D[n * 2 * G + k]!;
          const d1 = D[(n * 2 + 1) * G + k]!;
          const c0 = C[n * 2]!;
          const c1 = C[n * 2 + 1]!;
          const e0 = row * 2 * m;
          const e1 = e0 + m;
          for (let i = 0; i < m; i++) {
            const p = pre[p0 + i]!;
            const x0 = eps[e0 + i]!;
            const x1 = eps[e1 + i]!;
            const v0 = j00 * x0 + j01 * x1 + d0 * p;
            const v1 = j10 * x0 + j11 * x1 + d1 * p;
            eps[e0 + i] = v0;
            eps[e1 + i] = v1;
            let e = c0 * v0 + c1 * v1 + ci * p;
            if (trace) {
              e += kappa * trace[t0 + i]!;
              trace[t0 + i] = e;
            }
            if (useGrad) grad[g0 + i] = grad[g0 + i]! + L * e;
          }
        } else {
          const s = a.scratch;
          const jb = n * d * d;
          const e0 = row * d * m;
          for (let i = 0; i < m; i++) {
            const p = pre[p0 + i]!;
            for (let c = 0; c < d; c++) s[c] = eps[e0 + c * m + i]!;
            let e = ci * p;
            for (let r = 0; r < d; r++) {
              let v = D[(n * d + r) * G + k]! * p;
              for (let c = 0; c < d; c++) v += J[jb + r * d + c]! * s[c]!;
              eps[e0 + r * m + i] = v;
              e += C[n * d + r]! * v;
            }
            if (trace) {
              e += kappa * trace[t0 + i]!;
              trace[t0 + i] = e;
            }
            if (useGrad) grad[g0 + i] = grad[g0 + i]! + L * e;
          }
        }
      }
    }
  }
}

/**
 * Neuron-parameter eligibility for one step: epsP[b, j] (`[B, H, d, nP]`) = J epsP + P;
 * e = C . epsP + CP (`[B, H, nP]`); with `trace` (`[B, H, nP]`) ebar = kappa ebar + e; with `signal`,
 * grad[p * H + j] += signal[b, j] * (ebar or e)  (grad laid out `[nP, H]`).
 */
export function parameterEligibilityStep(
  B: number, H: number, d: number, nP: number,
  J: RealArray, P: RealArray, C: RealArray, CP: RealArray,
  epsP: RealArray, kappa: number, trace: RealArray | null, signal: RealArray | null, grad: RealArray, scratch: Float64Array,
): void {
  if (nP === 0) return;
  if (scratch.length < d * nP) throw new InvalidArgumentError('scratch', `needs at least ${d * nP} entries`);
  for (let n = 0; n < B * H; n++) {
    const j = n % H;
    const base = n * d * nP;
    for (let x = 0; x < d * nP; x++) scratch[x] = epsP[base + x]!;
    const L = signal ? signal[n]! : 0;
    for (let q = 0; q < nP; q++) {
      let e = CP[n * nP + q]!;
      for (let r = 0; r < d; r++) {
        let v = P[base + r * nP + q]!;
        for (let c = 0; c < d; c++) v += J[n * d * d + r * d + c]! * scratch[c * nP + q]!;
        epsP[base + r * nP + q] = v;
        e += C[n * d + r]! * v;
      }
      if (trace) {
        e += kappa * trace[n * nP + q]!;
        trace[n * nP + q] = e;
      }
      if (L !== 0) grad[q * H + j] = grad[q * H + j]! + L * e;
    }
  }
}

/**
 * Event-driven variant of the input part of an eligibility step for d = 1 when the presynaptic
 * values are spikes: eps[row, i] = J[row] eps[row, i] for every i, then += D[row] at the spiking i only.
 * `events` lists the nonzero presynaptic indices of batch row b in `events[eventStart[b] .. eventStart[b+1])`.
 * Provided for cells whose traces are only decayed between events; e-prop uses `eligibilityStep`.
 */
export function decayAndAddEvents(
  rows: number, m: number, rowBatch: (row: number) => number, J: ArrayLike<number>, D: ArrayLike<number>,
  eps: RealArray, events: Int32Array, eventStart: Int32Array, pre: RealArray,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * m;
    const jj = J[r]!;
    if (jj !== 1) for (let i = 0; i < m; i++) eps[base + i] = jj * eps[base + i]!;
    const b = rowBatch(r);
    const dd = D[r]!;
    if (dd === 0) continue;
    for (let q = eventStart[b]!; q < eventStart[b + 1]!; q++) {
      const i = events[q]!;
      eps[base + i] = eps[base + i]! + dd * pre[b * m + i]!;
    }
  }
}

/** Collects the nonzero entries of each of B rows of `pre` (`[B, m]`) into `events`/`eventStart` (sizes B*m and B+1). */
export function collectEvents(B: number, m: number, pre: RealArray, events: Int32Array, eventStart: Int32Array): number {
  let q = 0;
  for (let b = 0; b < B; b++) {
    eventStart[b] = q;
    for (let i = 0; i < m; i++) if (pre[b * m + i] !== 0) events[q++] = i;
  }
  eventStart[B] = q;
  return q;
}
