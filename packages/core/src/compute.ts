/**
 * The kernels every rule runs on: a thin view of @snn/tensor's kernel layer (`createKernels`), so
 * training and the tensor API share one kernel stack and one backend registry.
 *
 * Arrays a rule allocates through `allocate` live where the fast kernels can reach them; weights are
 * mirrored with `mirror` (a copy inside the backend's memory, refreshed by `refreshMirror` after updates).
 */
import type { DType } from '@snn/protocol';
import { createKernels, listBackends, type Kernels } from '@snn/tensor';

/**
 * gemm (C = alpha op(A) op(B) + beta C), gemmSparseA (event-driven C += alpha op(A) B), scatterAxpy,
 * blockCarry and the block-major block kernels, plus `allocate` / `mirror` / `refreshMirror`; `name`
 * is the backend ('wasm-simd' or 'reference') and `backends` says which backend runs each kernel.
 */
export type ComputeOps = Kernels;

/** The reference kernels on plain typed arrays, either dtype. */
export function createTypedArrayOps(dtype: DType): ComputeOps {
  return createKernels(dtype, { backend: 'reference' });
}

/**
 * float32 kernels on a fresh WebAssembly SIMD workspace of @snn/tensor (see its 'wasm-simd' backend),
 * or null where WebAssembly SIMD or shared memory is unavailable.
 */
export function createSimdOps(options: { initialMiB?: number; maximumMiB?: number } = {}): ComputeOps | null {
  if (!listBackends({ availableOnly: true }).includes('wasm-simd')) return null;
  const kernels = createKernels('float32', { backend: 'wasm-simd', memory: options });
  return kernels.bound ? kernels : null;
}

/**
 * The fastest kernels for `dtype` on this machine: the SIMD workspace for float32 where WebAssembly
 * SIMD is available, the reference otherwise. `backend` (or `SNN_BACKEND`, or tensor's
 * `setDefaultBackend`) names another registered backend, e.g. 'reference'; its missing kernels come
 * from the reference.
 */
export function createComputeOps(dtype: DType, options: { backend?: string } = {}): ComputeOps {
  return createKernels(dtype, options);
}
