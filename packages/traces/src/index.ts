/**
 * @snn/traces: the linear recurrences of forward-mode learning rules (e-prop, HYPR, RTRL-like rules),
 * as tight typed-array loops that allocate nothing per step.
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
import { InvalidArgumentError, ShapeError } from '@snn/errors';

function need(name: string, a: ArrayLike<number>, length: number): void {
  if (a.length < length) throw new ShapeError(name, [length], [a.length]);
}

/**
 * One step of e = A e + b for n independent d-vectors: `A [n, d, d]`, `e [n, d]` (updated in place),
 * `b [n, d]` (null: no input). `scratch` (length >= d) avoids allocation for d > 2.
 */
export function blockDiagonalStep(n: number, d: number, A: RealArray, e: RealArray, b: RealArray | null, scratch?: Float64Array): void {
  need('A', A, n * d * d);
  need('e', e, n * d);
  if (b) need('b', b, n * d);
  if (d === 1) {
    if (b) for (let j = 0; j < n; j++) e[j] = A[j]! * e[j]! + b[j]!;
    else for (let j = 0; j < n; j++) e[j] = A[j]! * e[j]!;
    return;
  }
  if (d === 2) {
    for (let j = 0; j < n; j++) {
      const a = 4 * j;
      const v = 2 * j;
      const e0 = e[v]!;
      const e1 = e[v + 1]!;
      e[v] = A[a]! * e0 + A[a + 1]! * e1 + (b ? b[v]! : 0);
      e[v + 1] = A[a + 2]! * e0 + A[a + 3]! * e1 + (b ? b[v + 1]! : 0);
    }
    return;
  }
  const tmp = scratch && scratch.length >= d ? scratch : new Float64Array(d);
  for (let j = 0; j < n; j++) {
    const v = j * d;
    const a = j * d * d;
    for (let c = 0; c < d; c++) tmp[c] = e[v + c]!;
    for (let r = 0; r < d; r++) {
      let s = b ? b[v + r]! : 0;
      const row = a + r * d;
      for (let c = 0; c < d; c++) s += A[row + c]! * tmp[c]!;
      e[v + r] = s;
    }
  }
}

/**
 * (A_out, b_out) = (A2, b2) o (A1, b1) = (A2 A1, A2 b1 + b2) for n blocks of size d x d, read at the given
 * offsets (in elements of block index: block j of pair p is at `offset + j*d*d` in A and `offset + j*d` in b).
 * The outputs may not alias the inputs.
 */
export function composeAffine(
  n: number,
  d: number,
  A2: RealArray, a2: number, b2: RealArray, v2: number,
  A1: RealArray, a1: number, b1: RealArray, v1: number,
  Aout: RealArray, ao: number, bout: RealArray, vo: number,
): void {
  // Straight-line versions for the common block sizes (state size + 1 of LIF, ALIF/SE-adLIF, BRF).
  if (d === 2) return composeAffine2(n, A2, a2, b2, v2, A1, a1, b1, v1, Aout, ao, bout, vo);
  if (d === 3) return composeAffine3(n, A2, a2, b2, v2, A1, a1, b1, v1, Aout, ao, bout, vo);
  if (d === 4) return composeAffine4(n, A2, a2, b2, v2, A1, a1, b1, v1, Aout, ao, bout, vo);
  const dd = d * d;
  for (let j = 0; j < n; j++) {
    const x2 = a2 + j * dd;
    const x1 = a1 + j * dd;
    const xo = ao + j * dd;
    const y2 = v2 + j * d;
    const y1 = v1 + j * d;
    const yo = vo + j * d;
    for (let r = 0; r < d; r++) {
      let sb = b2[y2 + r]!;
      for (let k = 0; k < d; k++) sb += A2[x2 + r * d + k]! * b1[y1 + k]!;
      bout[yo + r] = sb;
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += A2[x2 + r * d + k]! * A1[x1 + k * d + c]!;
        Aout[xo + r * d + c] = s;
      }
    }
  }
}

function composeAffine2(n: number, A2: RealArray, a2: number, b2: RealArray, v2: number, A1: RealArray, a1: number, b1: RealArray, v1: number, Aout: RealArray, ao: number, bout: RealArray, vo: number): void {
  for (let j = 0; j < n; j++) {
    const x2 = a2 + j * 4;
    const x1 = a1 + j * 4;
    const xo = ao + j * 4;
    const y1 = v1 + j * 2;
    const y2 = v2 + j * 2;
    const yo = vo + j * 2;
    const p0 = A2[x2 + 0]!;
    const p1 = A2[x2 + 1]!;
    const p2 = A2[x2 + 2]!;
    const p3 = A2[x2 + 3]!;
    const q0 = A1[x1 + 0]!;
    const q1 = A1[x1 + 1]!;
    const q2 = A1[x1 + 2]!;
    const q3 = A1[x1 + 3]!;
    const w0 = b1[y1 + 0]!;
    const w1 = b1[y1 + 1]!;
    bout[yo + 0] = b2[y2 + 0]! + p0 * w0 + p1 * w1;
    Aout[xo + 0] = p0 * q0 + p1 * q2;
    Aout[xo + 1] = p0 * q1 + p1 * q3;
    bout[yo + 1] = b2[y2 + 1]! + p2 * w0 + p3 * w1;
    Aout[xo + 2] = p2 * q0 + p3 * q2;
    Aout[xo + 3] = p2 * q1 + p3 * q3;
  }
}

function composeAffine3(n: number, A2: RealArray, a2: number, b2: RealArray, v2: number, A1: RealArray, a1: number, b1: RealArray, v1: number, Aout: RealArray, ao: number, bout: RealArray, vo: number): void {
  for (let j = 0; j < n; j++) {
    const x2 = a2 + j * 9;
    const x1 = a1 + j * 9;
    const xo = ao + j * 9;
    const y1 = v1 + j * 3;
    const y2 = v2 + j * 3;
    const yo = vo + j * 3;
    const p0 = A2[x2 + 0]!;
    const p1 = A2[x2 + 1]!;
    const p2 = A2[x2 + 2]!;
    const p3 = A2[x2 + 3]!;
    const p4 = A2[x2 + 4]!;
    const p5 = A2[x2 + 5]!;
    const p6 = A2[x2 + 6]!;
    const p7 = A2[x2 + 7]!;
    const p8 = A2[x2 + 8]!;
    const q0 = A1[x1 + 0]!;
    const q1 = A1[x1 + 1]!;
    const q2 = A1[x1 + 2]!;
    const q3 = A1[x1 + 3]!;
    const q4 = A1[x1 + 4]!;
    const q5 = A1[x1 + 5]!;
    const q6 = A1[x1 + 6]!;
    const q7 = A1[x1 + 7]!;
    const q8 = A1[x1 + 8]!;
    const w0 = b1[y1 + 0]!;
    const w1 = b1[y1 + 1]!;
    const w2 = b1[y1 + 2]!;
    bout[yo + 0] = b2[y2 + 0]! + p0 * w0 + p1 * w1 + p2 * w2;
    Aout[xo + 0] = p0 * q0 + p1 * q3 + p2 * q6;
    Aout[xo + 1] = p0 * q1 + p1 * q4 + p2 * q7;
    Aout[xo + 2] = p0 * q2 + p1 * q5 + p2 * q8;
    bout[yo + 1] = b2[y2 + 1]! + p3 * w0 + p4 * w1 + p5 * w2;
    Aout[xo + 3] = p3 * q0 + p4 * q3 + p5 * q6;
    Aout[xo + 4] = p3 * q1 + p4 * q4 + p5 * q7;
    Aout[xo + 5] = p3 * q2 + p4 * q5 + p5 * q8;
    bout[yo + 2] = b2[y2 + 2]! + p6 * w0 + p7 * w1 + p8 * w2;
    Aout[xo + 6] = p6 * q0 + p7 * q3 + p8 * q6;
    Aout[xo + 7] = p6 * q1 + p7 * q4 + p8 * q7;
    Aout[xo + 8] = p6 * q2 + p7 * q5 + p8 * q8;
  }
}

function composeAffine4(n: number, A2: RealArray, a2: number, b2: RealArray, v2: number, A1: RealArray, a1: number, b1: RealArray, v1: number, Aout: RealArray, ao: number, bout: RealArray, vo: number): void {
  for (let j = 0; j < n; j++) {
    const x2 = a2 + j * 16;
    const x1 = a1 + j * 16;
    const xo = ao + j * 16;
    const y1 = v1 + j * 4;
    const y2 = v2 + j * 4;
    const yo = vo + j * 4;
    const p0 = A2[x2 + 0]!;
    const p1 = A2[x2 + 1]!;
    const p2 = A2[x2 + 2]!;
    const p3 = A2[x2 + 3]!;
    const p4 = A2[x2 + 4]!;
    const p5 = A2[x2 + 5]!;
    const p6 = A2[x2 + 6]!;
    const p7 = A2[x2 + 7]!;
    const p8 = A2[x2 + 8]!;
    const p9 = A2[x2 + 9]!;
    const p10 = A2[x2 + 10]!;
    const p11 = A2[x2 + 11]!;
    const p12 = A2[x2 + 12]!;
    const p13 = A2[x2 + 13]!;
    const p14 = A2[x2 + 14]!;
    const p15 = A2[x2 + 15]!;
    const q0 = A1[x1 + 0]!;
    const q1 = A1[x1 + 1]!;
    const q2 = A1[x1 + 2]!;
    const q3 = A1[x1 + 3]!;
    const q4 = A1[x1 + 4]!;
    const q5 = A1[x1 + 5]!;
    const q6 = A1[x1 + 6]!;
    const q7 = A1[x1 + 7]!;
    const q8 = A1[x1 + 8]!;
    const q9 = A1[x1 + 9]!;
    const q10 = A1[x1 + 10]!;
    const q11 = A1[x1 + 11]!;
    const q12 = A1[x1 + 12]!;
    const q13 = A1[x1 + 13]!;
    const q14 = A1[x1 + 14]!;
    const q15 = A1[x1 + 15]!;
    const w0 = b1[y1 + 0]!;
    const w1 = b1[y1 + 1]!;
    const w2 = b1[y1 + 2]!;
    const w3 = b1[y1 + 3]!;
    bout[yo + 0] = b2[y2 + 0]! + p0 * w0 + p1 * w1 + p2 * w2 + p3 * w3;
    Aout[xo + 0] = p0 * q0 + p1 * q4 + p2 * q8 + p3 * q12;
    Aout[xo + 1] = p0 * q1 + p1 * q5 + p2 * q9 + p3 * q13;
    Aout[xo + 2] = p0 * q2 + p1 * q6 + p2 * q10 + p3 * q14;
    Aout[xo + 3] = p0 * q3 + p1 * q7 + p2 * q11 + p3 * q15;
    bout[yo + 1] = b2[y2 + 1]! + p4 * w0 + p5 * w1 + p6 * w2 + p7 * w3;
    Aout[xo + 4] = p4 * q0 + p5 * q4 + p6 * q8 + p7 * q12;
    Aout[xo + 5] = p4 * q1 + p5 * q5 + p6 * q9 + p7 * q13;
    Aout[xo + 6] = p4 * q2 + p5 * q6 + p6 * q10 + p7 * q14;
    Aout[xo + 7] = p4 * q3 + p5 * q7 + p6 * q11 + p7 * q15;
    bout[yo + 2] = b2[y2 + 2]! + p8 * w0 + p9 * w1 + p10 * w2 + p11 * w3;
    Aout[xo + 8] = p8 * q0 + p9 * q4 + p10 * q8 + p11 * q12;
    Aout[xo + 9] = p8 * q1 + p9 * q5 + p10 * q9 + p11 * q13;
    Aout[xo + 10] = p8 * q2 + p9 * q6 + p10 * q10 + p11 * q14;
    Aout[xo + 11] = p8 * q3 + p9 * q7 + p10 * q11 + p11 * q15;
    bout[yo + 3] = b2[y2 + 3]! + p12 * w0 + p13 * w1 + p14 * w2 + p15 * w3;
    Aout[xo + 12] = p12 * q0 + p13 * q4 + p14 * q8 + p15 * q12;
    Aout[xo + 13] = p12 * q1 + p13 * q5 + p14 * q9 + p15 * q13;
    Aout[xo + 14] = p12 * q2 + p13 * q6 + p14 * q10 + p15 * q14;
    Aout[xo + 15] = p12 * q3 + p13 * q7 + p14 * q11 + p15 * q15;
  }
}

/**
 * Inclusive associative scan over a segment of L steps of the affine maps e -> A_t e + b_t, for n
 * independent blocks: on return `A[t]` holds A_t ... A_1 and `b[t]` holds e_t for e_0 = 0 (i.e. the
 * composition of steps 1..t applied to zero); add `A[t] e_0` for a nonzero start (see `applyBlocks`).
 * `A [L, n, d, d]`, `b [L, n, d]`, both overwritten. Hillis-Steele rounds (log2 L of them), each round
 * combining t with t - 2^r; `work` arrays (same sizes as A and b) are used for double buffering.
 * The depth is what matters on wide hardware; on a CPU it costs O(L log L) block products.
 */
export function affineScan(L: number, n: number, d: number, A: RealArray, b: RealArray, workA?: RealArray, workB?: RealArray): void {
  const sa = n * d * d;
  const sb = n * d;
  need('A', A, L * sa);
  need('b', b, L * sb);
  if (L <= 1) return;
  const make = (len: number) => (A instanceof Float32Array ? new Float32Array(len) : new Float64Array(len));
  let srcA = A;
  let srcB = b;
  let dstA = workA && workA.length >= L * sa ? workA : make(L * sa);
  let dstB = workB && workB.length >= L * sb ? workB : make(L * sb);
  for (let shift = 1; shift < L; shift <<= 1) {
    for (let t = 0; t < L; t++) {
      if (t < shift) {
        dstA.set(srcA.subarray(t * sa, (t + 1) * sa), t * sa);
        dstB.set(srcB.subarray(t * sb, (t + 1) * sb), t * sb);
      } else {
        // later (t) after earlier (t - shift)
        composeAffine(n, d, srcA, t * sa, srcB, t * sb, srcA, (t - shift) * sa, srcB, (t - shift) * sb, dstA, t * sa, dstB, t * sb);
      }
    }
    const ta = srcA;
    srcA = dstA;
    dstA = ta;
    const tb = srcB;
    srcB = dstB;
    dstB = tb;
  }
  if (srcA !== A) {
    A.set(srcA.subarray(0, L * sa));
    b.set(srcB.subarray(0, L * sb));
  }
}

/** out[j] += A[j] v[j] for n blocks (`A [n, d, d]`, `v`, `out` `[n, d]`, out must not alias v). */
export function applyBlocks(n: number, d: number, A: RealArray, v: RealArray, out: RealArray): void {
  for (let j = 0; j < n; j++) {
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += A[j * d * d + r * d + c]! * v[j * d + c]!;
      out[j * d + r] = out[j * d + r]! + s;
    }
  }
}

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
