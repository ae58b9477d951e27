export type { RealArray } from './blas';
export { checkGemmArguments, gemm, gemmSparseA, scatterAxpy } from './blas';
export { blockApply, blockCarry, blockCompose, blockScan, blockStep } from './kernels/block';
export type {
  Backend,
  BindOptions,
  BoundKernels,
  KernelMemory,
  KernelName,
  Kernels,
  KernelSet,
  GemmKernel,
  GemmAsyncKernel,
  GemmSparseAKernel,
  ScatterAxpyKernel,
  BlockCarryKernel,
  BlockComposeKernel,
  BlockStepKernel,
  BlockApplyKernel,
  BlockScanKernel,
} from './kernels/types';
export { KERNEL_NAMES } from './kernels/types';
export { createKernels, kernelTable, type CreateKernelsOptions } from './kernels/create';
export { referenceKernels } from './kernels/reference';
export type { GemmFunction, GemmAsyncFunction } from './backend';
export {
  AUTO_BACKEND,
  registerBackend,
  getBackend,
  listBackends,
  setDefaultBackend,
  getDefaultBackendName,
  resolveBackend,
  gemmAuto,
  gemmAutoAsync,
  referenceBackend,
  WEBGPU_MIN_FLOP_VOLUME,
  THREADED_WEBASM_MIN_FLOP_VOLUME,
  SYNC_WEBASM_MIN_FLOP_VOLUME,
  SIMD_MIN_FLOP_VOLUME,
} from './backend';
export type { DType } from './kernels/types';
export type { Tensor, MatmulOptions } from './tensor';
export { zeros, fromArray, dtypeOf, isContiguous, toContiguous, matmul } from './tensor';
export type { ShapedArray, SequenceArray } from './views';
export { viewOf, parameterView, parameterViews, gradientViews, sequencesView, batchView, sampleView } from './views';
export type { GemmBenchmarkResult, GemmBenchmarkOptions } from './benchmark';
export { benchmarkGemm, DEFAULT_BENCHMARK_SIZES } from './benchmark';
export * from './simd';
