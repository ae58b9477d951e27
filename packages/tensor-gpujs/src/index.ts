/**
 * @snn/tensor-gpujs: gpu.js as an optional backend of @snn/tensor. Importing this package registers
 * its GEMM backends ('gpujs-webgl2', 'gpujs-webasm', 'gpujs-cpu', 'gpujs-webgpu') with the registry
 * of @snn/tensor, so `matmul(a, b, { backend: 'gpujs-webgl2' })`, `setDefaultBackend`, SNN_BACKEND and
 * `createKernels` (the kernel set every rule runs on: gemm and gemmSparseA from gpu.js) can name them.
 */
import { listBackends, registerBackend } from '@snn/tensor';
import { createGpuJsBackend } from './backend';

export type { GpuJsMode } from './gpu';
export { modeSupported as gpuJsModeSupported } from './gpu';
export { createGpuJsBackend, detectWebGpu, gpuJsDispatches, lastExecutedMode } from './backend';
export { GpuJsKernels, type GpuJsKernelsOptions } from './kernels';

/** The backend names this package registers. */
export const GPUJS_BACKENDS = ['gpujs-webgl2', 'gpujs-webasm', 'gpujs-cpu', 'gpujs-webgpu'] as const;

/** Registers the gpu.js backends with @snn/tensor (done on import; idempotent). */
export function registerGpuJsBackends(): void {
  const present = new Set(listBackends());
  for (const mode of ['webgl2', 'webasm', 'cpu', 'webgpu'] as const) {
    if (!present.has(`gpujs-${mode}`)) registerBackend(createGpuJsBackend(mode));
  }
}

registerGpuJsBackends();
