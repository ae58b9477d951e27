/**
 * Reference BLAS-level kernels on plain typed arrays (row-major, explicit offsets and row strides).
 *
 * Conventions shared by every function here, so callers can pass views into larger buffers:
 * - every matrix is row-major; `ldX` is the distance between consecutive rows of X *as stored*;
 * - `op(X)` is X or X^T; dimensions (m, n, k) always describe op(X), never the stored layout;
 * - arguments are validated once per call (O(1) checks), never inside the loops.
 *
 * Arithmetic is done in float64 (JS numbers) whatever the element type; float32 outputs are
 * rounded once when stored.
 */
import { InvalidArgumentError } from '@snn/errors';

export type RealArray = Float32Array | Float64Array;

// ---------------------------------------------------------------------------------------------
// Validation (O(1) per call)
// ---------------------------------------------------------------------------------------------

function checkDim(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(name, `must be a non-negative integer, got ${value}`);
  }
}

function checkScalar(name: string, value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(name, `must be a number, got ${String(value)}`);
  }
}

/** Checks that a rows x cols matrix stored from `offset` with row stride `ld` lies inside `array`. */
function checkMatrix(
  arrayName: string,
  array: RealArray,
  offset: number,
  ldName: string,
  ld: number,
  rows: number,
  cols: number,
): void {
  if (!(array instanceof Float32Array || array instanceof Float64Array)) {
    throw new InvalidArgumentError(arrayName, 'must be a Float32Array or Float64Array');
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InvalidArgumentError(`${arrayName} offset`, `must be a non-negative integer, got ${offset}`);
  }
  if (!Number.isInteger(ld) || ld < cols || ld < 1) {
    throw new InvalidArgumentError(ldName, `row stride must be an integer >= max(1, ${cols}) (the stored row length), got ${ld}`);
  }
  if (rows === 0 || cols === 0) return;
  const needed = offset + (rows - 1) * ld + cols;
  if (needed > array.length) {
    throw new InvalidArgumentError(
      arrayName,
      `a ${rows}x${cols} matrix at offset ${offset} with row stride ${ld} needs ${needed} elements, but the array holds ${array.length}`,
    );
  }
}

function checkVector(arrayName: string, array: RealArray, offset: number, length: number): void {
  if (!(array instanceof Float32Array || array instanceof Float64Array)) {
    throw new InvalidArgumentError(arrayName, 'must be a Float32Array or Float64Array');
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InvalidArgumentError(`${arrayName} offset`, `must be a non-negative integer, got ${offset}`);
  }
  if (offset + length > array.length) {
    throw new InvalidArgumentError(
      arrayName,
      `a vector of ${length} elements at offset ${offset} needs ${offset + length} elements, but the array holds ${array.length}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// C <- beta * C, honouring "beta = 0 overwrites without reading" (C may hold NaN).
// ---------------------------------------------------------------------------------------------

export function scaleMatrix(m: number, n: number, beta: number, c: RealArray, cOffset: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const row = cOffset + i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else for (let j = row, end = row + n; j < end; j++) c[j] *= beta;
  }
}

// ---------------------------------------------------------------------------------------------
// GEMM: packed, cache-blocked, 4x4 register-blocked micro-kernel.
//
// Both operands are copied ("packed") into float64 scratch panels laid out so the micro-kernel reads
// each of them as one contiguous stream whatever the transpose case:
//   packed A: panels of 4 rows of op(A), element (row r, depth p) at panel*kc*4 + p*4 + r
//   packed B: panels of 4 cols of op(B), element (depth p, col c) at panel*kc*4 + p*4 + c
// Panels are zero-padded to 4 rows/cols, so the micro-kernel never branches on edges; only the
// store of an edge tile does. Packing costs O(mk + kn), negligible next to the O(mnk) product, and
// because the scratch is always Float64Array the micro-kernel's loads stay monomorphic for V8.
// Blocking: a KC-deep slice of op(B) (KC*n) and an MC x KC block of op(A) (256 KiB at most) are
// packed at a time; the 4 x KC micro-panel of B stays in L1 while the A block is swept over it.
// ---------------------------------------------------------------------------------------------

const MC = 64;
const KC = 256;

let packedA = new Float64Array(MC * KC);
let packedB = new Float64Array(4 * KC * 64);

function ensurePackedB(size: number): Float64Array {
  if (packedB.length < size) packedB = new Float64Array(Math.max(size, packedB.length * 2));
  return packedB;
}

function packA(
  transA: boolean,
  a: RealArray,
  aOffset: number,
  lda: number,
  i0: number,
  mc: number,
  p0: number,
  kc: number,
  dst: Float64Array,
): void {
  const panels = (mc + 3) >> 2;
  for (let panel = 0; panel < panels; panel++) {
    const rowStart = i0 + panel * 4;
    const rows = Math.min(4, i0 + mc - rowStart);
    const base = panel * kc * 4;
    if (!transA) {
      // op(A)[i, p] = a[i*lda + p]: each of the 4 rows is contiguous in p.
      for (let r = 0; r < 4; r++) {
        if (r < rows) {
          let src = aOffset + (rowStart + r) * lda + p0;
          for (let p = 0, d = base + r; p < kc; p++, d += 4) dst[d] = a[src++];
        } else {
          for (let p = 0, d = base + r; p < kc; p++, d += 4) dst[d] = 0;
        }
      }
    } else {
      // op(A)[i, p] = a[p*lda + i]: the 4 rows of a panel are adjacent in memory.
      let src = aOffset + p0 * lda + rowStart;
      if (rows === 4) {
        for (let p = 0, d = base; p < kc; p++, d += 4, src += lda) {
          dst[d] = a[src];
          dst[d + 1] = a[src + 1];
          dst[d + 2] = a[src + 2];
          dst[d + 3] = a[src + 3];
        }
      } else {
        for (let p = 0, d = base; p < kc; p++, d += 4, src += lda) {
          for (let r = 0; r < 4; r++) dst[d + r] = r < rows ? a[src + r] : 0;
        }
      }
    }
  }
}

function packB(
  transB: boolean,
  b: RealArray,
  bOffset: number,
  ldb: number,
  p0: number,
  kc: number,
  n: number,
  dst: Float64Array,
): void {
  const panels = (n + 3) >> 2;
  for (let panel = 0; panel < panels; panel++) {
    const colStart = panel * 4;
    const cols = Math.min(4, n - colStart);
    const base = panel * kc * 4;
    if (!transB) {
      // op(B)[p, j] = b[p*ldb + j]: the 4 columns of a panel are adjacent in memory.
      let src = bOffset + p0 * ldb + colStart;
      if (cols === 4) {
        for (let p = 0, d = base; p < kc; p++, d += 4, src += ldb) {
          dst[d] = b[src];
          dst[d + 1] = b[src + 1];
          dst[d + 2] = b[src + 2];
          dst[d + 3] = b[src + 3];
        }
      } else {
        for (let p = 0, d = base; p < kc; p++, d += 4, src += ldb) {
          for (let c = 0; c < 4; c++) dst[d + c] = c < cols ? b[src + c] : 0;
        }
      }
    } else {
      // op(B)[p, j] = b[j*ldb + p]: each of the 4 columns is contiguous in p.
      for (let c = 0; c < 4; c++) {
        if (c < cols) {
          let src = bOffset + (colStart + c) * ldb + p0;
          for (let p = 0, d = base + c; p < kc; p++, d += 4) dst[d] = b[src++];
        } else {
          for (let p = 0, d = base + c; p < kc; p++, d += 4) dst[d] = 0;
        }
      }
    }
  }
}

/**
 * C[i0.., j0..] += alpha * (packed A block) * (packed B slice) for an mc x n tile, kc deep.
 * The 16 accumulators live in locals so V8 keeps them in registers across the depth loop.
 */
function macroKernel(
  mc: number,
  n: number,
  kc: number,
  alpha: number,
  pa: Float64Array,
  pb: Float64Array,
  c: RealArray,
  cBase: number,
  ldc: number,
): void {
  const step = kc * 4;
  for (let j = 0; j < n; j += 4) {
    const bPanel = (j >> 2) * step;
    const cols = n - j < 4 ? n - j : 4;
    for (let i = 0; i < mc; i += 4) {
      const aPanel = (i >> 2) * step;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let ia = aPanel, ib = bPanel, end = aPanel + step; ia < end; ia += 4, ib += 4) {
        const a0 = pa[ia], a1 = pa[ia + 1], a2 = pa[ia + 2], a3 = pa[ia + 3];
        const b0 = pb[ib], b1 = pb[ib + 1], b2 = pb[ib + 2], b3 = pb[ib + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const rows = mc - i < 4 ? mc - i : 4;
      let ci = cBase + i * ldc + j;
      if (rows === 4 && cols === 4) {
        c[ci] += alpha * c00; c[ci + 1] += alpha * c01; c[ci + 2] += alpha * c02; c[ci + 3] += alpha * c03;
        ci += ldc;
        c[ci] += alpha * c10; c[ci + 1] += alpha * c11; c[ci + 2] += alpha * c12; c[ci + 3] += alpha * c13;
        ci += ldc;
        c[ci] += alpha * c20; c[ci + 1] += alpha * c21; c[ci + 2] += alpha * c22; c[ci + 3] += alpha * c23;
        ci += ldc;
        c[ci] += alpha * c30; c[ci + 1] += alpha * c31; c[ci + 2] += alpha * c32; c[ci + 3] += alpha * c33;
      } else {
        storeEdge(c, ci, ldc, rows, cols, alpha, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
      }
    }
  }
}

function storeEdge(
  c: RealArray, ci: number, ldc: number, rows: number, cols: number, alpha: number,
  c00: number, c01: number, c02: number, c03: number,
  c10: number, c11: number, c12: number, c13: number,
  c20: number, c21: number, c22: number, c23: number,
  c30: number, c31: number, c32: number, c33: number,
): void {
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < cols; s++) c[ci + r * ldc + s] += alpha * tile[r * 4 + s];
  }
}

/**
 * Thin products (m < 4) without packing: each row of C is built 4 columns at a time with 4
 * accumulators over the depth loop, reading op(A) and op(B) through explicit element strides so
 * one loop serves every transpose case. n < 4 is handled by the caller as the transposed problem
 * C^T = op(B)^T op(A)^T, which only swaps strides.
 */
function gemmThinRows(
  m: number, n: number, k: number, alpha: number,
  a: RealArray, aOffset: number, aRowStride: number, aDepthStride: number,
  b: RealArray, bOffset: number, bDepthStride: number, bColStride: number,
  c: RealArray, cOffset: number, cRowStride: number, cColStride: number,
): void {
  for (let i = 0; i < m; i++) {
    const aRow = aOffset + i * aRowStride;
    const cRow = cOffset + i * cRowStride;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let ai = aRow;
      let bi = bOffset + j * bColStride;
      for (let p = 0; p < k; p++, ai += aDepthStride, bi += bDepthStride) {
        const av = a[ai];
        s0 += av * b[bi];
        s1 += av * b[bi + bColStride];
        s2 += av * b[bi + 2 * bColStride];
        s3 += av * b[bi + 3 * bColStride];
      }
      const ci = cRow + j * cColStride;
      c[ci] += alpha * s0;
      c[ci + cColStride] += alpha * s1;
      c[ci + 2 * cColStride] += alpha * s2;
      c[ci + 3 * cColStride] += alpha * s3;
    }
    for (; j < n; j++) {
      let sum = 0;
      for (let p = 0, ai = aRow, bi = bOffset + j * bColStride; p < k; p++, ai += aDepthStride, bi += bDepthStride) sum += a[ai] * b[bi];
      c[cRow + j * cColStride] += alpha * sum;
    }
  }
}

/**
 * Tiny products (m*n*k < 4096) where packing would cost more than it saves: straight loops with
 * the innermost loop over contiguous memory for each transpose case.
 */
function gemmSmall(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: RealArray, aOffset: number, lda: number, b: RealArray, bOffset: number, ldb: number,
  c: RealArray, cOffset: number, ldc: number,
): void {
  if (!transB) {
    // C[i,:] += alpha * op(A)[i,p] * B[p,:]; rows of B and C contiguous.
    for (let i = 0; i < m; i++) {
      const cRow = cOffset + i * ldc;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
        if (aip === 0) continue;
        const s = alpha * aip;
        const bRow = bOffset + p * ldb;
        for (let j = 0; j < n; j++) c[cRow + j] += s * b[bRow + j];
      }
    }
  } else if (!transA) {
    // C[i,j] += alpha * dot(A[i,:], B[j,:]); both rows contiguous.
    for (let i = 0; i < m; i++) {
      const aRow = aOffset + i * lda;
      const cRow = cOffset + i * ldc;
      for (let j = 0; j < n; j++) {
        const bRow = bOffset + j * ldb;
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[aRow + p] * b[bRow + p];
        c[cRow + j] += alpha * sum;
      }
    }
  } else {
    // A stored [k,m], B stored [n,k]: dot products along strided A columns; only for tiny sizes.
    for (let i = 0; i < m; i++) {
      const cRow = cOffset + i * ldc;
      for (let j = 0; j < n; j++) {
        const bRow = bOffset + j * ldb;
        let sum = 0;
        for (let p = 0, ai = aOffset + i; p < k; p++, ai += lda) sum += a[ai] * b[bRow + p];
        c[cRow + j] += alpha * sum;
      }
    }
  }
}

/** Throws InvalidArgumentError unless the gemm arguments describe in-bounds matrices. O(1). */
export function checkGemmArguments(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: RealArray, aOffset: number, lda: number, b: RealArray, bOffset: number, ldb: number,
  beta: number, c: RealArray, cOffset: number, ldc: number,
): void {
  checkDim('m', m);
  checkDim('n', n);
  checkDim('k', k);
  checkScalar('alpha', alpha);
  checkScalar('beta', beta);
  checkMatrix('c', c, cOffset, 'ldc', ldc, m, n);
  if (transA) checkMatrix('a', a, aOffset, 'lda', lda, k, m);
  else checkMatrix('a', a, aOffset, 'lda', lda, m, k);
  if (transB) checkMatrix('b', b, bOffset, 'ldb', ldb, n, k);
  else checkMatrix('b', b, bOffset, 'ldb', ldb, k, n);
}

/** C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, row-major, op(X) = X or X^T.
 *  lda/ldb/ldc are row strides of the arrays AS STORED (A stored [m,k] when !transA, [k,m] when transA).
 *  beta = 0 must overwrite C without reading it (C may hold NaN/garbage). */
export function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: RealArray, aOffset: number, lda: number, b: RealArray, bOffset: number, ldb: number,
  beta: number, c: RealArray, cOffset: number, ldc: number,
): void {
  checkGemmArguments(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
  gemmUnchecked(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
}

/** gemm without argument validation, for callers inside this package that already validated. */
export function gemmUnchecked(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: RealArray, aOffset: number, lda: number, b: RealArray, bOffset: number, ldb: number,
  beta: number, c: RealArray, cOffset: number, ldc: number,
): void {
  if (m === 0 || n === 0) return;
  scaleMatrix(m, n, beta, c, cOffset, ldc);
  if (k === 0 || alpha === 0) return;
  const aRowStride = transA ? 1 : lda, aDepthStride = transA ? lda : 1;
  const bDepthStride = transB ? 1 : ldb, bColStride = transB ? ldb : 1;
  if (m < 4 && m <= n) {
    gemmThinRows(m, n, k, alpha, a, aOffset, aRowStride, aDepthStride, b, bOffset, bDepthStride, bColStride, c, cOffset, ldc, 1);
    return;
  }
  if (n < 4) {
    gemmThinRows(n, m, k, alpha, b, bOffset, bColStride, bDepthStride, a, aOffset, aDepthStride, aRowStride, c, cOffset, 1, ldc);
    return;
  }
  if (m * n * k < 4096) {
    gemmSmall(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
    return;
  }
  const paddedN = (n + 3) & ~3;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    const pb = ensurePackedB(paddedN * kc);
    packB(transB, b, bOffset, ldb, p0, kc, n, pb);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = Math.min(MC, m - i0);
      packA(transA, a, aOffset, lda, i0, mc, p0, kc, packedA);
      macroKernel(mc, n, kc, alpha, packedA, pb, c, cOffset + i0 * ldc, ldc);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sparse-A product (spike matrices)
// ---------------------------------------------------------------------------------------------

/** Event-driven product for sparse A (spike matrices, mostly exact zeros): C += alpha * op(A) * B,
 *  B NOT transposed (stored [k,n]), skipping every zero entry of A so cost is O(nnz(A) * n).
 *  transA=false: A stored [m,k]; transA=true: A stored [k,m]. Always accumulates into C. */
export function gemmSparseA(
  transA: boolean, m: number, n: number, k: number, alpha: number,
  a: RealArray, aOffset: number, lda: number, b: RealArray, bOffset: number, ldb: number,
  c: RealArray, cOffset: number, ldc: number,
): void {
  checkDim('m', m);
  checkDim('n', n);
  checkDim('k', k);
  checkScalar('alpha', alpha);
  checkMatrix('c', c, cOffset, 'ldc', ldc, m, n);
  if (transA) checkMatrix('a', a, aOffset, 'lda', lda, k, m);
  else checkMatrix('a', a, aOffset, 'lda', lda, m, k);
  checkMatrix('b', b, bOffset, 'ldb', ldb, k, n);
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  if (!transA) {
    // Scan each row of A; every nonzero A[i,p] adds a scaled row of B to row i of C.
    for (let i = 0; i < m; i++) {
      const aRow = aOffset + i * lda;
      const cRow = cOffset + i * ldc;
      for (let p = 0; p < k; p++) {
        const v = a[aRow + p];
        if (v === 0) continue;
        const s = alpha * v;
        const bRow = bOffset + p * ldb;
        for (let j = 0; j < n; j++) c[cRow + j] += s * b[bRow + j];
      }
    }
  } else {
    // A stored [k,m]: scan its rows contiguously; A[p,i] != 0 adds row p of B to row i of C.
    for (let p = 0; p < k; p++) {
      const aRow = aOffset + p * lda;
      const bRow = bOffset + p * ldb;
      for (let i = 0; i < m; i++) {
        const v = a[aRow + i];
        if (v === 0) continue;
        const s = alpha * v;
        const cRow = cOffset + i * ldc;
        for (let j = 0; j < n; j++) c[cRow + j] += s * b[bRow + j];
      }
    }
  }
}

/**
 * Event-driven product over explicit spike indices: for e in [0, count), in order, row srcRows[e] of
 * src scaled by scales[e] is added to row dstRows[e] of dst (n values each; repeated destination rows
 * accumulate). Every index is checked against the rows src/dst hold (O(count), small next to the
 * O(count n) work), so a bad index throws before anything is written.
 */
export function scatterAxpy(
  count: number, n: number, dstRows: Int32Array, srcRows: Int32Array, scales: RealArray,
  src: RealArray, srcOffset: number, ldSrc: number, dst: RealArray, dstOffset: number, ldDst: number,
): void {
  checkDim('count', count);
  checkDim('n', n);
  if (!(dstRows instanceof Int32Array) || dstRows.length < count) throw new InvalidArgumentError('dstRows', `must be an Int32Array of at least count = ${count} row indices`);
  if (!(srcRows instanceof Int32Array) || srcRows.length < count) throw new InvalidArgumentError('srcRows', `must be an Int32Array of at least count = ${count} row indices`);
  checkVector('scales', scales, 0, count);
  const srcLimit = rowsHeld('src', src, srcOffset, 'ldSrc', ldSrc, n);
  const dstLimit = rowsHeld('dst', dst, dstOffset, 'ldDst', ldDst, n);
  if (count === 0 || n === 0) return;
  for (let e = 0; e < count; e++) {
    const d = dstRows[e]!;
    const s = srcRows[e]!;
    if (!(d >= 0 && d < dstLimit)) throw new InvalidArgumentError(`dstRows[${e}]`, `must be a row index in [0, ${dstLimit}) of dst, got ${d}`);
    if (!(s >= 0 && s < srcLimit)) throw new InvalidArgumentError(`srcRows[${e}]`, `must be a row index in [0, ${srcLimit}) of src, got ${s}`);
  }
  for (let e = 0; e < count; e++) {
    const scale = scales[e]!;
    const so = srcOffset + srcRows[e]! * ldSrc;
    const dOff = dstOffset + dstRows[e]! * ldDst;
    for (let j = 0; j < n; j++) dst[dOff + j] += scale * src[so + j]!;
  }
}

/** Validates a row-strided operand of row length n and returns how many whole rows it holds. */
function rowsHeld(name: string, array: RealArray, offset: number, ldName: string, ld: number, n: number): number {
  if (!(array instanceof Float32Array || array instanceof Float64Array)) throw new InvalidArgumentError(name, 'must be a Float32Array or Float64Array');
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError(`${name} offset`, `must be a non-negative integer, got ${offset}`);
  if (!Number.isInteger(ld) || ld < Math.max(1, n)) throw new InvalidArgumentError(ldName, `row stride must be an integer >= max(1, ${n}) (the row length n), got ${ld}`);
  const available = array.length - offset;
  return available < n ? 0 : Math.floor((available - n) / ld) + 1;
}
