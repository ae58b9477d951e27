/**
 * Per-neuron block algebra, the one implementation every rule uses (reference backend).
 *
 * Two layouts, because the two callers stream differently:
 * - plane-major (`blockCarry`): element j innermost, so a SIMD lane handles 4 neurons at once; this
 *   is the carry-in of an eligibility that spans [presynaptic, state, neuron];
 * - block-major (`blockCompose`, `blockStep`, `blockApply`, `blockScan`): one d x d block per neuron,
 *   `A [n, d, d]`, `x [n, d]`, the layout of scans over per-neuron Jacobians.
 * Every kernel checks its sizes once per call (O(1)) and allocates nothing after the first call with
 * a given block size.
 */
import { InvalidArgumentError, ShapeError } from '@snn/errors';
import type { RealArray } from '../blas';

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(name, `must be a non-negative integer, got ${String(value)}`);
}

function need(name: string, a: RealArray, length: number): void {
  if (a.length < length) throw new ShapeError(name, [length], [a.length], `needs at least ${length} values`);
}

/** The new values of one block's vector while its old values are still read. */
let scratch = new Float64Array(8);
function scratchOf(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(Math.max(size, 2 * scratch.length));
  return scratch;
}

// ---------------------------------------------------------------------------------------------
// Plane-major: the carry-in map
// ---------------------------------------------------------------------------------------------

/**
 * Plane-major batched e x e maps: row w of `x` holds e planes of n values,
 * X[w][c][j] = x[xOffset + w*ldx + c*n + j]; with M[r][c][j] = m[mOffset + (r*e + c)*n + j] and
 * Q[c][j] = q[qOffset + c*n + j] shared by every row, for every row w and element j:
 *   grad[gradOffset + w*ldg + j] += sum_c Q[c][j] X[w][c][j]
 *   X[w][r][j] <- sum_c M[r][c][j] X[w][c][j]            (in place)
 * The reference of the SIMD kernel (SimdWorkspace.blockCarry).
 */
export function blockCarry(
  rows: number, e: number, n: number,
  x: RealArray, xOffset: number, ldx: number,
  grad: RealArray, gradOffset: number, ldg: number,
  m: RealArray, mOffset: number,
  q: RealArray, qOffset: number,
): void {
  checkCount('rows', rows);
  checkCount('e', e);
  checkCount('n', n);
  if (rows === 0 || n === 0 || e === 0) return;
  need('x', x, xOffset + (rows - 1) * ldx + e * n);
  need('grad', grad, gradOffset + (rows - 1) * ldg + n);
  need('m', m, mOffset + e * e * n);
  need('q', q, qOffset + e * n);
  const s = scratchOf(e);
  for (let w = 0; w < rows; w++) {
    const xr = xOffset + w * ldx;
    const gr = gradOffset + w * ldg;
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let c = 0; c < e; c++) acc += q[qOffset + c * n + j]! * x[xr + c * n + j]!;
      grad[gr + j] = grad[gr + j]! + acc;
      for (let r = 0; r < e; r++) {
        let v = 0;
        for (let c = 0; c < e; c++) v += m[mOffset + (r * e + c) * n + j]! * x[xr + c * n + j]!;
        s[r] = v;
      }
      for (let r = 0; r < e; r++) x[xr + r * n + j] = s[r]!;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Block-major: steps, products, compositions, scans
// ---------------------------------------------------------------------------------------------

/** One step of x = A x + b for n blocks: `A [n, d, d]`, `x [n, d]` (in place), `b [n, d]` or null. */
export function blockStep(n: number, d: number, A: RealArray, x: RealArray, b: RealArray | null): void {
  checkCount('n', n);
  checkCount('d', d);
  need('A', A, n * d * d);
  need('x', x, n * d);
  if (b) need('b', b, n * d);
  if (d === 1) {
    if (b) for (let j = 0; j < n; j++) x[j] = A[j]! * x[j]! + b[j]!;
    else for (let j = 0; j < n; j++) x[j] = A[j]! * x[j]!;
    return;
  }
  if (d === 2) {
    for (let j = 0; j < n; j++) {
      const a = 4 * j;
      const v = 2 * j;
      const x0 = x[v]!;
      const x1 = x[v + 1]!;
      x[v] = A[a]! * x0 + A[a + 1]! * x1 + (b ? b[v]! : 0);
      x[v + 1] = A[a + 2]! * x0 + A[a + 3]! * x1 + (b ? b[v + 1]! : 0);
    }
    return;
  }
  const tmp = scratchOf(d);
  for (let j = 0; j < n; j++) {
    const v = j * d;
    const a = j * d * d;
    for (let c = 0; c < d; c++) tmp[c] = x[v + c]!;
    for (let r = 0; r < d; r++) {
      let s = b ? b[v + r]! : 0;
      const row = a + r * d;
      for (let c = 0; c < d; c++) s += A[row + c]! * tmp[c]!;
      x[v + r] = s;
    }
  }
}

/** out[j] += A[j] v[j] for n blocks (`A [n, d, d]`, `v`, `out` `[n, d]`; out must not alias v). */
export function blockApply(n: number, d: number, A: RealArray, v: RealArray, out: RealArray): void {
  checkCount('n', n);
  checkCount('d', d);
  need('A', A, n * d * d);
  need('v', v, n * d);
  need('out', out, n * d);
  for (let j = 0; j < n; j++) {
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += A[j * d * d + r * d + c]! * v[j * d + c]!;
      out[j * d + r] = out[j * d + r]! + s;
    }
  }
}

/**
 * (Aout, bout) = (A2, b2) o (A1, b1) = (A2 A1, A2 b1 + b2) for n blocks of size d x d, read at the given
 * offsets (block j of a map is at `offset + j*d*d` in A and `offset + j*d` in b). The outputs may not
 * alias the inputs.
 */
export function blockCompose(
  n: number,
  d: number,
  A2: RealArray, a2: number, b2: RealArray, v2: number,
  A1: RealArray, a1: number, b1: RealArray, v1: number,
  Aout: RealArray, ao: number, bout: RealArray, vo: number,
): void {
  checkCount('n', n);
  checkCount('d', d);
  const dd = d * d;
  need('A2', A2, a2 + n * dd);
  need('A1', A1, a1 + n * dd);
  need('Aout', Aout, ao + n * dd);
  need('b2', b2, v2 + n * d);
  need('b1', b1, v1 + n * d);
  need('bout', bout, vo + n * d);
  // Straight-line versions for the common block sizes (state size + 1 of LIF, ALIF/SE-adLIF, BRF).
  if (d === 2) return compose2(n, A2, a2, b2, v2, A1, a1, b1, v1, Aout, ao, bout, vo);
  if (d === 3) return compose3(n, A2, a2, b2, v2, A1, a1, b1, v1, Aout, ao, bout, vo);
  if (d === 4) return compose4(n, A2, a2, b2, v2, A1, a1, b1, v1, Aout, ao, bout, vo);
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

/**
 * Inclusive associative scan over L steps of the affine maps x -> A_t x + b_t for n blocks: on return
 * `A[t]` holds A_t ... A_1 and `b[t]` the composition of steps 1..t applied to zero (add `A[t] x_0` for a
 * nonzero start, see `blockApply`). `A [L, n, d, d]`, `b [L, n, d]`, both overwritten. Hillis-Steele
 * rounds (log2 L of them), each combining t with t - 2^r, double-buffered through `workA`/`workB`
 * (same sizes; allocated when missing). Log depth is what wide hardware needs; on a CPU it costs
 * O(L log L) block products.
 */
export function blockScan(L: number, n: number, d: number, A: RealArray, b: RealArray, workA?: RealArray, workB?: RealArray): void {
  checkCount('L', L);
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
        blockCompose(n, d, srcA, t * sa, srcB, t * sb, srcA, (t - shift) * sa, srcB, (t - shift) * sb, dstA, t * sa, dstB, t * sb);
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

function compose2(n: number, A2: RealArray, a2: number, b2: RealArray, v2: number, A1: RealArray, a1: number, b1: RealArray, v1: number, Aout: RealArray, ao: number, bout: RealArray, vo: number): void {
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

function compose3(n: number, A2: RealArray, a2: number, b2: RealArray, v2: number, A1: RealArray, a1: number, b1: RealArray, v1: number, Aout: RealArray, ao: number, bout: RealArray, vo: number): void {
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

function compose4(n: number, A2: RealArray, a2: number, b2: RealArray, v2: number, A1: RealArray, a1: number, b1: RealArray, v1: number, Aout: RealArray, ao: number, bout: RealArray, vo: number): void {
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
