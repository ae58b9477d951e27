/**
 * gpu.js GEMM backends for the @snn/tensor registry: 'gpujs-webgl2' (the GPU, through WebGL2, in a
 * browser), 'gpujs-webasm' (WebAssembly + SIMD; its gemmAsync runs threaded on gpu.js's worker
 * pool), 'gpujs-cpu' (transpiled JavaScript) and 'gpujs-webgpu' (async only, available only once
 * `detectWebGpu()` found an adapter).
 *
 * gpu.js computes in float32. Float64 arrays are NOT converted: any product with a Float64Array
 * operand runs on the reference kernel instead, so choosing a gpu.js backend never silently
 * lowers the precision of float64 training or gradient checks.
 */
import { UnsupportedError } from '@snn/errors';
import { checkGemmArguments, gemm, type Backend, type GemmKernel, type GemmSparseAKernel, type RealArray } from '@snn/tensor';
import { executedMode, gpuJs, modeSupported, probeWebGpu, type GpuJsInstance, type GpuJsKernel, type GpuJsMode } from './gpu';

/**
 * Asks gpu.js whether a WebGPU adapter answers; `gpujs-webgpu` reports available() = true only
 * after this resolved true. Cheap to call again (the answer is cached).
 */
export function detectWebGpu(): Promise<boolean> {
  return probeWebGpu();
}

/**
 * One kernel source for every mode: thread x is the flat row-major index of C, and the four
 * strides (compiled in as constants) express op(A) and op(B) over the operands as stored, so the
 * transpose cases need no copies. Kept as a string so no transpiler or coverage tool rewrites it.
 */
const GEMM_KERNEL_SOURCE = `function (a, b) {
  const i = Math.floor(this.thread.x / this.constants.n);
  const j = this.thread.x - i * this.constants.n;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[i * this.constants.aRowStride + p * this.constants.aDepthStride] *
      b[p * this.constants.bDepthStride + j * this.constants.bColStride];
  }
  return sum;
}`;

/** Exact float32 integer arithmetic for thread indices holds below 2^24 output cells. */
const MAX_OUTPUT_CELLS = 1 << 24;
/** Compiled kernels kept per backend and calling convention; the least recently used is destroyed. */
const KERNEL_CACHE_SIZE = 32;

class KernelCache {
  private readonly kernels = new Map<string, GpuJsKernel>();

  constructor(
    private readonly gpu: () => GpuJsInstance,
    private readonly asyncMode: boolean,
  ) {}

  get(transA: boolean, transB: boolean, m: number, n: number, k: number): GpuJsKernel {
    const key = `${+transA}${+transB}:${m}x${n}x${k}`;
    let kernel = this.kernels.get(key);
    if (kernel) {
      // Re-insert so Map order doubles as recency order.
      this.kernels.delete(key);
      this.kernels.set(key, kernel);
      return kernel;
    }
    kernel = this.gpu().createKernel(GEMM_KERNEL_SOURCE, {
      output: [m * n],
      asyncMode: this.asyncMode,
      constants: {
        n,
        k,
        aRowStride: transA ? 1 : k,
        aDepthStride: transA ? m : 1,
        bDepthStride: transB ? 1 : n,
        bColStride: transB ? k : 1,
      },
    });
    this.kernels.set(key, kernel);
    if (this.kernels.size > KERNEL_CACHE_SIZE) {
      const [oldestKey, oldest] = this.kernels.entries().next().value as [string, GpuJsKernel];
      this.kernels.delete(oldestKey);
      oldest.destroy();
    }
    return kernel;
  }

  clear(): void {
    for (const kernel of this.kernels.values()) kernel.destroy();
    this.kernels.clear();
  }
}

/**
 * The operand as one dense Float32Array of rows x cols: a zero-copy subarray when it already is
 * dense, else a copy into `scratch` (grown as needed) or a fresh array when `scratch` is null.
 */
function denseOperand(
  array: Float32Array, offset: number, ld: number, rows: number, cols: number,
  scratch: { buffer: Float32Array } | null,
): Float32Array {
  const size = rows * cols;
  if (ld === cols || rows === 1) return array.subarray(offset, offset + size);
  let out: Float32Array;
  if (scratch) {
    if (scratch.buffer.length < size) scratch.buffer = new Float32Array(size);
    out = scratch.buffer.subarray(0, size);
  } else {
    out = new Float32Array(size);
  }
  for (let r = 0; r < rows; r++) out.set(array.subarray(offset + r * ld, offset + r * ld + cols), r * cols);
  return out;
}

/** C = alpha * product + beta * C over the m x n window (beta = 0 never reads C). */
function combineInto(product: Float32Array, m: number, n: number, alpha: number, beta: number, c: RealArray, cOffset: number, ldc: number): void {
  for (let i = 0; i < m; i++) {
    const row = cOffset + i * ldc;
    const src = i * n;
    if (beta === 0) for (let j = 0; j < n; j++) c[row + j] = alpha * product[src + j];
    else for (let j = 0; j < n; j++) c[row + j] = alpha * product[src + j] + beta * c[row + j];
  }
}

/** The mode gpu.js actually ran the last kernel in (it degrades to 'cpu' with a warning). For tests. */
export const lastExecutedMode: Record<string, string | undefined> = {};

/** Products each gpu.js backend ran on gpu.js so far (float64 and empty products not counted). */
export const gpuJsDispatches: Record<string, number> = {};

export function createGpuJsBackend(mode: GpuJsMode): Backend & { gemm: GemmKernel; gemmSparseA: GemmSparseAKernel } {
  const name = `gpujs-${mode}`;
  let gpu: GpuJsInstance | undefined;
  const instance = (): GpuJsInstance => {
    if (!gpu) {
      const GPU = gpuJs();
      gpu = new GPU({ mode: mode === 'webgl2' ? 'webgl2' : mode });
    }
    return gpu;
  };
  const syncKernels = new KernelCache(instance, false);
  // webasm kernels in async mode split across gpu.js's worker pool (>= 4096 output cells).
  const asyncKernels = new KernelCache(instance, true);
  const scratchA = { buffer: new Float32Array(0) };
  const scratchB = { buffer: new Float32Array(0) };

  /** Validates, handles the cases gpu.js cannot (empty, float64), else returns the dense operands. */
  function prepare(
    reuseScratch: boolean,
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: RealArray, aOffset: number, lda: number, b: RealArray, bOffset: number, ldb: number,
    beta: number, c: RealArray, cOffset: number, ldc: number,
  ): { a: Float32Array; b: Float32Array } | null {
    checkGemmArguments(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array) || m === 0 || n === 0 || k === 0 || alpha === 0) {
      // float64 operands keep their precision; empty products only scale C.
      gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      return null;
    }
    if (m * n >= MAX_OUTPUT_CELLS) {
      throw new UnsupportedError(`a ${m}x${n} product on backend "${name}"`, `gpu.js thread indices are exact only below ${MAX_OUTPUT_CELLS} output cells; use the reference backend`);
    }
    const [aRows, aCols] = transA ? [k, m] : [m, k];
    const [bRows, bCols] = transB ? [n, k] : [k, n];
    return {
      a: denseOperand(a, aOffset, lda, aRows, aCols, reuseScratch ? scratchA : null),
      b: denseOperand(b, bOffset, ldb, bRows, bCols, reuseScratch ? scratchB : null),
    };
  }

  gpuJsDispatches[name] = 0;
  const backend: Backend & { gemm: GemmKernel; gemmSparseA: GemmSparseAKernel } = {
    name,
    // float64 kernel sets of createKernels take the reference kernels instead (gpu.js is float32).
    dtypes: ['float32'],
    description: {
      webgl2: 'gpu.js WebGL2 fragment-shader kernel on the GPU, float32 (browser)',
      webasm: 'gpu.js WebAssembly + f32x4 SIMD kernel, float32; gemmAsync runs threaded on its worker pool',
      cpu: 'gpu.js kernel transpiled to plain JavaScript, float32',
      webgpu: 'gpu.js WGSL compute shader, float32, async only (needs a WebGPU adapter)',
    }[mode],
    available(): boolean {
      return modeSupported(mode);
    },
    gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc) {
      if (mode === 'webgpu') {
        throw new UnsupportedError(`synchronous gemm on backend "${name}"`, 'WebGPU readback is asynchronous; call gemmAsync');
      }
      const operands = prepare(true, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      if (!operands) return;
      const kernel = syncKernels.get(transA, transB, m, n, k);
      const product = kernel(operands.a, operands.b) as Float32Array;
      lastExecutedMode[name] = executedMode(kernel, mode);
      gpuJsDispatches[name]!++;
      combineInto(product, m, n, alpha, beta, c, cOffset, ldc);
    },
    // Spike products run dense: on a GPU the zero-skipping of the CPU kernels buys nothing.
    gemmSparseA(transA, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc) {
      backend.gemm(transA, false, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, 1, c, cOffset, ldc);
    },
    dispose() {
      syncKernels.clear();
      asyncKernels.clear();
      scratchA.buffer = new Float32Array(0);
      scratchB.buffer = new Float32Array(0);
      const old = gpu;
      gpu = undefined;
      void old?.destroy();
    },
  };
  if (mode === 'webasm' || mode === 'webgpu') {
    // The cpu and webgl2 modes' async paths would only wrap their sync result, so they get none.
    backend.gemmAsync = async (transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc) => {
      // Fresh operand copies: another call may start before this one's kernel has read them.
      const operands = prepare(false, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      if (!operands) return;
      const kernel = asyncKernels.get(transA, transB, m, n, k);
      const product = (await kernel(operands.a, operands.b)) as Float32Array;
      lastExecutedMode[`${name}:async`] = executedMode(kernel, mode);
      combineInto(product, m, n, alpha, beta, c, cOffset, ldc);
    };
  }
  return backend;
}
