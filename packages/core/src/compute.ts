/**
 * The products every rule needs, behind one small interface so that the same engine code runs on
 * plain typed arrays (any dtype) or on the WebAssembly SIMD workspace of @snn/tensor (float32).
 *
 * Arrays a rule allocates through `allocate` live where the fast kernels can reach them; weights are
 * mirrored with `mirror` (a copy inside the workspace, refreshed by `refreshMirror` after updates).
 */
import type { DType, RealArray } from '@snn/protocol';
import { gemm, gemmSparseA } from '@snn/tensor';
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
  };
}
