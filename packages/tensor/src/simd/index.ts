/** WebAssembly SIMD kernels (see kernels.wat and workspace.ts). */
export { SimdWorkspace, BLOCK_CARRY_MAX_E } from './workspace';
export type { SimdBuffer, SimdIndexBuffer, SimdWorkspaceOptions } from './workspace';
export { benchmarkSimd } from './benchmark';
export type {
  SimdBenchmarkOptions,
  SimdBenchmarkResult,
  SimdGemmBenchmark,
  SimdScatterBenchmark,
} from './benchmark';
