/**
 * 'wasm-simd' as a GEMM backend for arrays that live anywhere: operands are copied into a private
 * SIMD workspace, multiplied there, and the result copied back. The copies cost O(mk + kn + mn)
 * against O(mnk) arithmetic, so this wins from small sizes on. Engines that keep their arrays in a
 * workspace (see SimdWorkspace, @snn/core createSimdOps) skip the copies altogether.
 */
import { checkGemmArguments, gemmUnchecked, type RealArray } from '../blas';
import type { Backend } from '../backend';
import { SimdWorkspace, type SimdBuffer } from './workspace';

/** Copies the stored `rows x cols` block at `offset` with row stride `ld` into `dst` (contiguous). */
function pack(src: RealArray, offset: number, ld: number, rows: number, cols: number, dst: Float32Array): void {
  if (ld === cols) {
    dst.set(src.subarray(offset, offset + rows * cols));
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(offset + r * ld, offset + r * ld + cols), r * cols);
}

export function createSimdBackend(): Backend {
  let workspace: SimdWorkspace | null | undefined;
  const get = () => (workspace === undefined ? (workspace = SimdWorkspace.create()) : workspace);
  return {
    name: 'wasm-simd',
    description: 'WebAssembly f32x4 SIMD, packed 4x8 register-blocked GEMM (float32; float64 operands go to reference)',
    available: () => SimdWorkspace.isSupported(),
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
