export type { RealArray } from './blas';
export { blockCarry, checkGemmArguments, gemm, gemmSparseA, gemv, ger } from './blas';
export type { Backend, GemmFunction, GemmAsyncFunction } from './backend';
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
export type { DType, Tensor, MatmulOptions } from './tensor';
export {
  zeros,
  fromArray,
  dtypeOf,
  isContiguous,
  toContiguous,
  toTypedArray,
  assign,
  map,
  zip,
  sum,
  max,
  logSoftmax,
  matmul,
  matvec,
  outerAccumulate,
} from './tensor';
export type { GemmBenchmarkResult, GemmBenchmarkOptions } from './benchmark';
export { benchmarkGemm, DEFAULT_BENCHMARK_SIZES } from './benchmark';
export * from './simd';
