/**
 * GEMM backends and the registry that picks one per call.
 *
 * Selection order for a product (first match wins):
 *   1. an explicit backend name passed by the caller (e.g. `matmul(a, b, { backend })`);
 *   2. `setDefaultBackend(name)`;
 *   3. the `SNN_BACKEND` environment variable;
 *   4. 'auto': the fastest backend for the size at hand, from the thresholds measured below.
 * Naming 'auto' in (1)-(3) explicitly is allowed and means (4).
 */
import { InvalidArgumentError, UnknownNameError, UnsupportedError } from '@snn/errors';
import type { RealArray } from './blas';
import { referenceBackend } from './kernels/reference';
import { KERNEL_NAMES, type Backend, type GemmAsyncKernel, type GemmKernel, type KernelName } from './kernels/types';
import { createSimdBackend } from './simd/backend';

export type { Backend } from './kernels/types';
export { referenceBackend } from './kernels/reference';
/** Same arguments as `gemm`. */
export type GemmFunction = GemmKernel;
export type GemmAsyncFunction = GemmAsyncKernel;

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

const registry = new Map<string, Backend>();
let defaultBackendName: string | undefined;

/** The pseudo-name that selects per size; never a registered backend. */
export const AUTO_BACKEND = 'auto';

/** Adds (or replaces, when `replace` is true) a backend under `backend.name`. */
export function registerBackend(backend: Backend, options: { replace?: boolean } = {}): void {
  if (!backend || typeof backend.name !== 'string' || backend.name.length === 0) {
    throw new InvalidArgumentError('backend.name', 'must be a non-empty string');
  }
  if (backend.name === AUTO_BACKEND) {
    throw new InvalidArgumentError('backend.name', `"${AUTO_BACKEND}" is reserved for size-based selection`);
  }
  if (typeof backend.available !== 'function') throw new InvalidArgumentError('backend', 'must implement available()');
  for (const kernel of [...KERNEL_NAMES, 'gemmAsync', 'bind'] as const) {
    const f = (backend as unknown as Record<string, unknown>)[kernel];
    if (f !== undefined && typeof f !== 'function') throw new InvalidArgumentError(`backend.${kernel}`, `must be a function or absent, got ${typeof f}`);
  }
  if (!KERNEL_NAMES.some((k) => typeof backend[k] === 'function') && typeof backend.bind !== 'function' && typeof backend.gemmAsync !== 'function') {
    throw new InvalidArgumentError('backend', `must implement at least one kernel (${KERNEL_NAMES.join(', ')}) or bind()`);
  }
  if (registry.has(backend.name) && !options.replace) {
    throw new InvalidArgumentError('backend.name', `"${backend.name}" is already registered; pass { replace: true } to override it`);
  }
  registry.set(backend.name, backend);
}

/**
 * Registered backend names, whether or not they are available in this process; `kernel` keeps those
 * that implement that kernel themselves (directly or on their bound memory).
 */
export function listBackends(options: { availableOnly?: boolean; kernel?: KernelName } = {}): string[] {
  let names = [...registry.keys()];
  if (options.kernel !== undefined) names = names.filter((name) => implementsKernel(registry.get(name)!, options.kernel!));
  return options.availableOnly ? names.filter((name) => registry.get(name)!.available()) : names;
}

function implementsKernel(backend: Backend, kernel: KernelName): boolean {
  return typeof backend[kernel] === 'function' || (backend.boundKernels?.includes(kernel) ?? false);
}

/** The backend registered under `name`; throws UnknownNameError listing the registered names. */
export function getBackend(name: string): Backend {
  const backend = registry.get(name);
  if (!backend) throw new UnknownNameError('backend', name, listBackends());
  return backend;
}

/** Makes `name` (a registered backend or 'auto') the default; `undefined` goes back to SNN_BACKEND / auto. */
export function setDefaultBackend(name: string | undefined): void {
  if (name !== undefined && name !== AUTO_BACKEND) getBackend(name);
  defaultBackendName = name;
}

/** The name that selection starts from when a caller names no backend ('auto' unless configured). */
export function getDefaultBackendName(): string {
  if (defaultBackendName !== undefined) return defaultBackendName;
  const fromEnv = typeof process !== 'undefined' ? process.env?.SNN_BACKEND : undefined;
  return fromEnv && fromEnv.trim() ? fromEnv.trim() : AUTO_BACKEND;
}

// ---------------------------------------------------------------------------------------------
// Size-based selection ('auto')
//
// Measured on the development machine (2 vCPU shared with other jobs, Node 20.20), float32, GFLOP/s:
//
//   shape (m,n,k)      reference   gpujs-webasm   gpujs-webasm threaded   gpujs-cpu
//   32x20x256            4.0           0.9               0.9                1.35
//   32x256x256           4.5           0.9             1.4-1.8              1.1
//   256x256x32           4.7           0.9               1.5                1.1
//   64^3                 4.3           0.9               0.8                1.2
//   128^3                4.7           0.9             0.9-1.7              1.0
//   256^3                5.1           0.9             0.9-1.8              1.2
//   512^3                4.7           0.9             0.9-1.8              0.5
//   1024^3               4.8           0.7               1.3                0.2
//
// (benchmarkGemm() reproduces the square rows; the threaded range depends on whether the second
// vCPU was free.) The reference backend wins at every size and transpose combination, on the
// sync and the async path, so both webasm thresholds below are Infinity: 'auto' always resolves
// to 'reference' on such a machine. The constants stay so a machine where a gpu.js backend does
// win can be given a threshold without touching the dispatch code. WebGPU could not be measured
// (no adapter in Node here); its threshold is a guess that only applies once @snn/tensor-gpujs's
// detectWebGpu() found one. The gpujs-* names below are registered by @snn/tensor-gpujs, if imported.
// ---------------------------------------------------------------------------------------------

/** Products with m*n*k at or above this go to gpujs-webgpu from gemmAutoAsync, if available. */
export const WEBGPU_MIN_FLOP_VOLUME = 256 * 256 * 256;
/** Products with m*n*k at or above this go to threaded webasm from gemmAutoAsync. Never won here. */
export const THREADED_WEBASM_MIN_FLOP_VOLUME = Infinity;
/**
 * float32 products with m*n*k at or above this go to 'wasm-simd' (copy in, SIMD GEMM, copy out).
 * Measured here (bench gemm): wasm-simd beats reference from 32^3 on, by 4-7x from 128^3.
 */
export const SIMD_MIN_FLOP_VOLUME = 32 * 32 * 32;
/** Products with m*n*k at or above this go to sync webasm from the sync dispatch. Never won here. */
export const SYNC_WEBASM_MIN_FLOP_VOLUME = Infinity;

function autoBackend(m: number, n: number, k: number, wantsAsync: boolean, float64: boolean): Backend {
  // gpu.js computes in float32 only; float64 products always stay on the reference backend.
  if (float64) return referenceBackend;
  const volume = m * n * k;
  if (wantsAsync) {
    if (volume >= WEBGPU_MIN_FLOP_VOLUME) {
      const webgpu = registry.get('gpujs-webgpu');
      if (webgpu?.available()) return webgpu;
    }
    if (volume >= THREADED_WEBASM_MIN_FLOP_VOLUME) {
      const webasm = registry.get('gpujs-webasm');
      if (webasm?.available()) return webasm;
    }
  }
  if (!wantsAsync && volume >= SYNC_WEBASM_MIN_FLOP_VOLUME) {
    const webasm = registry.get('gpujs-webasm');
    if (webasm?.available()) return webasm;
  }
  if (volume >= SIMD_MIN_FLOP_VOLUME) {
    const simd = registry.get('wasm-simd');
    if (simd?.available()) return simd;
  }
  return referenceBackend;
}

/**
 * The backend a product of this size runs on: `requested` if given, else the configured default,
 * else the size-based choice. Throws UnknownNameError for unregistered names and UnsupportedError
 * for a backend that cannot run in this process.
 */
export function resolveBackend(
  m: number,
  n: number,
  k: number,
  options: { backend?: string; async?: boolean; float64?: boolean } = {},
): Backend {
  const name = options.backend ?? getDefaultBackendName();
  if (name === AUTO_BACKEND) return autoBackend(m, n, k, options.async ?? false, options.float64 ?? false);
  const backend = getBackend(name);
  if (!backend.available()) {
    throw new UnsupportedError(`backend "${name}"`, `it is not available in this process (available: ${listBackends({ availableOnly: true }).join(', ')})`);
  }
  return backend;
}

/** gemm on the backend chosen by `resolveBackend` (SNN_BACKEND, setDefaultBackend or size). */
export function gemmAuto(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: RealArray, aOffset: number, lda: number, b: RealArray, bOffset: number, ldb: number,
  beta: number, c: RealArray, cOffset: number, ldc: number,
): void {
  const float64 = a instanceof Float64Array || b instanceof Float64Array || c instanceof Float64Array;
  const gemm = resolveBackend(m, n, k, { float64 }).gemm ?? referenceBackend.gemm!;
  gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
}

/** Promise form of gemmAuto: uses the chosen backend's gemmAsync when it has one. */
export async function gemmAutoAsync(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: RealArray, aOffset: number, lda: number, b: RealArray, bOffset: number, ldb: number,
  beta: number, c: RealArray, cOffset: number, ldc: number,
): Promise<void> {
  const float64 = a instanceof Float64Array || b instanceof Float64Array || c instanceof Float64Array;
  const backend = resolveBackend(m, n, k, { async: true, float64 });
  if (backend.gemmAsync) {
    await backend.gemmAsync(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
  } else {
    (backend.gemm ?? referenceBackend.gemm!)(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
  }
}

// Built-in backends. The gpu.js backends live in the optional package @snn/tensor-gpujs, which
// registers them here when imported (so a plain install does not pull gpu.js and its native deps).
registerBackend(referenceBackend);
registerBackend(createSimdBackend());
