/**
 * The 'wasm-simd' backend: hand-written WebAssembly f32x4 kernels (kernels.wat), float32.
 *
 * - `bind('float32')`: a fresh SimdWorkspace whose `allocate`/`mirror` arrays live in WebAssembly
 *   memory, so dense products run the packed 4x8 SIMD GEMM and spike products run as event lists (one
 *   SIMD row-add per spike) with no copies. This is what training runs on. Any operand outside the
 *   workspace (or a shape the SIMD kernels lack) goes to the reference kernels, so results never depend
 *   on where an array lives.
 * - `gemm` for arrays that live anywhere: operands are copied into a private workspace, multiplied
 *   there and the result copied back; O(mk + kn + mn) copies against O(mnk) work, so this wins from
 *   small sizes on (see SIMD_MIN_FLOP_VOLUME in backend.ts).
 */
import { checkGemmArguments, gemm, gemmSparseA, gemmUnchecked, scatterAxpy, type RealArray } from '../blas';
import { blockCarry } from '../kernels/block';
import type { Backend, BindOptions, BoundKernels, DType } from '../kernels/types';
import { BLOCK_CARRY_MAX_E, SimdWorkspace, type SimdBuffer, type SimdIndexBuffer } from './workspace';

/** Copies the stored `rows x cols` block at `offset` with row stride `ld` into `dst` (contiguous). */
function pack(src: RealArray, offset: number, ld: number, rows: number, cols: number, dst: Float32Array): void {
  if (ld === cols) {
    dst.set(src.subarray(offset, offset + rows * cols));
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(offset + r * ld, offset + r * ld + cols), r * cols);
}

/**
 * Kernels on one fresh workspace (8 MiB at first, growing to at most `maximumMiB`, default 2048; arrays
 * beyond it are plain and run on the reference kernels), or null where WebAssembly SIMD or shared
 * memory is unavailable.
 */
function bindSimdKernels(options: BindOptions = {}): BoundKernels | null {
  const workspace = SimdWorkspace.create({ initialMiB: options.initialMiB ?? 8, maximumMiB: options.maximumMiB ?? 2048 });
  if (!workspace) return null;
  const owned = new WeakMap<RealArray, SimdBuffer>();
  const mirrors = new WeakMap<RealArray, Float32Array>();
  // Event lists (destination row, source row, scale), grown geometrically and reused.
  let capacity = 0;
  let dstRows!: SimdIndexBuffer;
  let srcRows!: SimdIndexBuffer;
  let scales!: SimdBuffer;
  const ensureEvents = (count: number) => {
    if (count <= capacity) return;
    capacity = Math.max(count, 2 * capacity, 1024);
    dstRows = workspace.allocateIndices(capacity);
    srcRows = workspace.allocateIndices(capacity);
    scales = workspace.allocate(capacity);
  };
  const allocateOwned = (length: number): Float32Array => {
    try {
      const buffer = workspace.allocate(length);
      owned.set(buffer.view, buffer);
      return buffer.view;
    } catch {
      // Workspace full (its maximum is fixed when created): plain arrays still work, on the reference kernels.
      return new Float32Array(length);
    }
  };
  return {
    allocate: allocateOwned,
    mirror(source) {
      const copy = allocateOwned(source.length);
      copy.set(source);
      mirrors.set(source, copy);
      return copy;
    },
    refreshMirror(source) {
      mirrors.get(source)?.set(source);
    },
    gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc) {
      const A = owned.get(a);
      const B = owned.get(b);
      const C = owned.get(c);
      if (!A || !B || !C || (transA && transB) || m === 0 || n === 0) {
        gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      } else if (transA) {
        workspace.gemmTransA(m, n, k, alpha, A, aOffset, lda, B, bOffset, ldb, beta, C, cOffset, ldc);
      } else if (transB) {
        workspace.gemmTransB(m, n, k, alpha, A, aOffset, lda, B, bOffset, ldb, beta, C, cOffset, ldc);
      } else {
        workspace.gemm(m, n, k, alpha, A, aOffset, lda, B, bOffset, ldb, beta, C, cOffset, ldc);
      }
    },
    gemmSparseA(transA, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc) {
      const B = owned.get(b);
      const C = owned.get(c);
      const aNeeded = m === 0 || k === 0 ? 0 : transA ? aOffset + (k - 1) * lda + m : aOffset + (m - 1) * lda + k;
      if (!B || !C || m === 0 || n === 0 || k === 0 || a.length < aNeeded || lda < (transA ? m : k)) {
        // The reference validates (and throws for) anything the event collection below would misread.
        gemmSparseA(transA, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        return;
      }
      // Collect the events (nonzeros of A) as (destination row of C, source row of B, scale).
      ensureEvents(m * k);
      const dst = dstRows.view;
      const src = srcRows.view;
      const scale = scales.view;
      let count = 0;
      if (!transA) {
        for (let i = 0; i < m; i++) {
          const row = aOffset + i * lda;
          for (let p = 0; p < k; p++) {
            const v = a[row + p]!;
            if (v !== 0) {
              dst[count] = i;
              src[count] = p;
              scale[count++] = alpha * v;
            }
          }
        }
      } else {
        for (let p = 0; p < k; p++) {
          const row = aOffset + p * lda;
          for (let i = 0; i < m; i++) {
            const v = a[row + i]!;
            if (v !== 0) {
              dst[count] = i;
              src[count] = p;
              scale[count++] = alpha * v;
            }
          }
        }
      }
      if (count > 0) workspace.scatterAxpy(count, n, dstRows, srcRows, scales, B, bOffset, ldb, C, cOffset, ldc);
    },
    scatterAxpy(count, n, dRows, sRows, sc, src, srcOffset, ldSrc, dst, dstOffset, ldDst) {
      const S = owned.get(src);
      const D = owned.get(dst);
      if (!S || !D || count === 0 || n === 0 || !(dRows instanceof Int32Array) || !(sRows instanceof Int32Array) || dRows.length < count || sRows.length < count || sc.length < count) {
        scatterAxpy(count, n, dRows, sRows, sc, src, srcOffset, ldSrc, dst, dstOffset, ldDst);
        return;
      }
      // The lists are copied into the workspace (O(count), small next to the O(count n) product).
      ensureEvents(count);
      dstRows.view.set(dRows.subarray(0, count));
      srcRows.view.set(sRows.subarray(0, count));
      scales.view.set(sc.subarray(0, count));
      workspace.scatterAxpy(count, n, dstRows, srcRows, scales, S, srcOffset, ldSrc, D, dstOffset, ldDst);
    },
    blockCarry(rows, e, n, x, xOffset, ldx, grad, gradOffset, ldg, m, mOffset, q, qOffset) {
      const X = owned.get(x);
      const G = owned.get(grad);
      const M = owned.get(m);
      const Q = owned.get(q);
      if (!X || !G || !M || !Q || e > BLOCK_CARRY_MAX_E) blockCarry(rows, e, n, x, xOffset, ldx, grad, gradOffset, ldg, m, mOffset, q, qOffset);
      else workspace.blockCarry(rows, e, n, X, xOffset, ldx, G, gradOffset, ldg, M, mOffset, Q, qOffset);
    },
  };
}

export function createSimdBackend(): Backend {
  let workspace: SimdWorkspace | null | undefined;
  const get = () => (workspace === undefined ? (workspace = SimdWorkspace.create()) : workspace);
  return {
    name: 'wasm-simd',
    description: 'WebAssembly f32x4 SIMD: packed 4x8 register-blocked GEMM, event lists, block carry (float32; float64 goes to reference)',
    available: () => SimdWorkspace.isSupported(),
    dtypes: ['float32'],
    boundKernels: ['gemm', 'gemmSparseA', 'scatterAxpy', 'blockCarry'],
    bind: (dtype: DType, options?: BindOptions) => (dtype === 'float32' ? bindSimdKernels(options) : null),
    gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc) {
      checkGemmArguments(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      const ws = get();
      const float64 = a instanceof Float64Array || b instanceof Float64Array || c instanceof Float64Array;
      if (!ws || float64 || (transA && transB) || m === 0 || n === 0) {
        gemmUnchecked(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        return;
      }
      const aRows = transA ? k : m;
      const aCols = transA ? m : k;
      const bRows = transB ? n : k;
      const bCols = transB ? k : n;
      const A: SimdBuffer = ws.allocate(aRows * aCols);
      const B: SimdBuffer = ws.allocate(bRows * bCols);
      const C: SimdBuffer = ws.allocate(m * n);
      try {
        pack(a, aOffset, lda, aRows, aCols, A.view);
        pack(b, bOffset, ldb, bRows, bCols, B.view);
        if (beta !== 0) pack(c, cOffset, ldc, m, n, C.view);
        if (transA) ws.gemmTransA(m, n, k, alpha, A, 0, aCols, B, 0, bCols, beta, C, 0, n);
        else if (transB) ws.gemmTransB(m, n, k, alpha, A, 0, aCols, B, 0, bCols, beta, C, 0, n);
        else ws.gemm(m, n, k, alpha, A, 0, aCols, B, 0, bCols, beta, C, 0, n);
        for (let r = 0; r < m; r++) c.set(C.view.subarray(r * n, (r + 1) * n), cOffset + r * ldc);
      } finally {
        ws.release();
      }
    },
  };
}
