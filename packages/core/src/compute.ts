/**
 * The products every rule needs, behind one small interface so that the same engine code runs on
 * plain typed arrays (any dtype) or on the WebAssembly SIMD workspace of @snn/tensor (float32).
 *
 * Arrays a rule allocates through `allocate` live where the fast kernels can reach them; weights are
 * mirrored with `mirror` (a copy inside the workspace, refreshed by `refreshMirror` after updates).
 */
import type { DType, RealArray } from '@snn/protocol';
import { BLOCK_CARRY_MAX_E, blockCarry, gemm, gemmSparseA, SimdWorkspace, type SimdBuffer, type SimdIndexBuffer } from '@snn/tensor';
import { allocate } from './dtype';

export interface ComputeOps {
  readonly name: string;
  readonly dtype: DType;
  allocate(length: number): RealArray;
  /** An array with the same values as `source` that the kernels can reach (may be `source` itself). */
  mirror(source: RealArray): RealArray;
  /** Copies `source` into its mirror again (after the weights changed). */
  refreshMirror(source: RealArray): void;
  /** C[m,n] = alpha op(A) op(B) + beta C, row-major (see @snn/tensor gemm). */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: RealArray, aOffset: number, lda: number,
    b: RealArray, bOffset: number, ldb: number, beta: number, c: RealArray, cOffset: number, ldc: number): void;
  /** C += alpha op(A) B skipping the zeros of A (event-driven; A holds spikes). */
  gemmSparseA(transA: boolean, m: number, n: number, k: number, alpha: number, a: RealArray, aOffset: number, lda: number,
    b: RealArray, bOffset: number, ldb: number, c: RealArray, cOffset: number, ldc: number): void;
  /**
   * Batched per-element e x e maps on plane-major rows (see @snn/tensor blockCarry): for every row w
   * and element j, grad[w][j] += Q[:, j] . X[w][:, j] and X[w][:, j] <- M[:, :, j] X[w][:, j].
   */
  blockCarry(rows: number, e: number, n: number, x: RealArray, xOffset: number, ldx: number, grad: RealArray, gradOffset: number, ldg: number,
    m: RealArray, mOffset: number, q: RealArray, qOffset: number): void;
}

/** Plain typed-array kernels (the reference backend of @snn/tensor). Works for both dtypes. */
export function createTypedArrayOps(dtype: DType): ComputeOps {
  return {
    name: 'typed-array',
    dtype,
    allocate: (length) => allocate(dtype, length),
    mirror: (source) => source,
    refreshMirror: () => {},
    gemm,
    gemmSparseA,
    blockCarry,
  };
}

/**
 * float32 kernels on the WebAssembly SIMD workspace of @snn/tensor: arrays from `allocate` and
 * `mirror` live in the workspace memory, where dense products run the packed 4x8 SIMD GEMM and
 * products with spikes run as event lists (one SIMD row-add per spike). Any operand outside the
 * workspace falls back to the typed-array kernels, so results never depend on where an array lives.
 * Returns null where WebAssembly SIMD or shared memory is unavailable.
 */
export function createSimdOps(options: { initialMiB?: number; maximumMiB?: number } = {}): ComputeOps | null {
  const workspace = SimdWorkspace.create({ initialMiB: options.initialMiB ?? 8, maximumMiB: options.maximumMiB ?? 2048 });
  if (!workspace) return null;
  const owned = new WeakMap<RealArray, SimdBuffer>();
  const mirrors = new WeakMap<RealArray, Float32Array>();
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
      // Workspace full (its maximum is fixed when created): plain arrays still work, on the JS kernels.
      return new Float32Array(length);
    }
  };
  return {
    name: 'wasm-simd',
    dtype: 'float32',
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
      if (!B || !C || m === 0 || n === 0 || k === 0) {
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

/**
 * The fastest kernels for `dtype` on this machine: the SIMD workspace for float32 where WebAssembly
 * SIMD is available, typed arrays otherwise. `backend: 'reference'` (or SNN_BACKEND=reference) forces
 * the typed-array kernels.
 */
export function createComputeOps(dtype: DType, options: { backend?: string } = {}): ComputeOps {
  const backend = options.backend ?? process.env.SNN_BACKEND;
  if (dtype === 'float32' && backend !== 'reference') {
    const simd = createSimdOps();
    if (simd) return simd;
  }
  return createTypedArrayOps(dtype);
}
