/**
 * A ComputeOps-shaped kernel set (the interface @snn/core's rules take) whose dense and spike
 * products run as gpu.js kernels, so a rule's gradient can be computed on the GPU in a browser and
 * compared with the WebAssembly path. Typed structurally: this package does not depend on @snn/core.
 *
 * Spike products run dense here: on a GPU the zero-skipping of the CPU kernels buys nothing.
 * The per-neuron block carries stay on the reference kernel (they are O(n), not worth a dispatch).
 */
import { blockCarry, gemm, type DType, type RealArray } from '@snn/tensor';
import type { GpuJsMode } from './gpu';
import { createGpuJsBackend, lastExecutedMode } from './backend';

export interface GpuJsComputeOps {
  readonly name: string;
  readonly dtype: DType;
  /** The gpu.js mode the products were asked to run in. */
  readonly mode: GpuJsMode;
  allocate(length: number): RealArray;
  mirror(source: RealArray): RealArray;
  refreshMirror(source: RealArray): void;
  gemm: typeof gemm;
  gemmSparseA(transA: boolean, m: number, n: number, k: number, alpha: number, a: RealArray, aOffset: number, lda: number,
    b: RealArray, bOffset: number, ldb: number, c: RealArray, cOffset: number, ldc: number): void;
  blockCarry: typeof blockCarry;
  /** Products that went to gpu.js so far (tests and the browser page check it is not zero). */
  readonly dispatches: number;
  /** The mode gpu.js really ran the last product in (it can degrade to 'cpu'); undefined before any. */
  readonly executedMode: string | undefined;
  dispose(): void;
}

export interface GpuJsComputeOpsOptions {
  /** gpu.js mode of the products; default 'webgl2'. */
  mode?: GpuJsMode;
  /** Products with m*n*k below this run on the reference kernel instead; default 0 (all on gpu.js). */
  minVolume?: number;
}

export function createGpuJsComputeOps(options: GpuJsComputeOpsOptions = {}): GpuJsComputeOps {
  const mode = options.mode ?? 'webgl2';
  const minVolume = options.minVolume ?? 0;
  const backend = createGpuJsBackend(mode);
  let dispatches = 0;
  const product: typeof gemm = (transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc) => {
    if (m * n * k < minVolume || !(c instanceof Float32Array)) {
      gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      return;
    }
    dispatches++;
    backend.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
  };
  return {
    name: `gpujs-${mode}`,
    dtype: 'float32',
    mode,
    // gpu.js uploads from ordinary arrays on every call, so nothing needs to live anywhere special.
    allocate: (length) => new Float32Array(length),
    mirror: (source) => source,
    refreshMirror: () => {},
    gemm: product,
    gemmSparseA(transA, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc) {
      product(transA, false, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, 1, c, cOffset, ldc);
    },
    blockCarry,
    get dispatches() {
      return dispatches;
    },
    get executedMode() {
      return lastExecutedMode[`gpujs-${mode}`];
    },
    dispose: () => backend.dispose?.(),
  };
}
