/**
 * Square GEMM throughput per backend, for `snn bench` and for re-measuring the 'auto' thresholds
 * on a new machine. Every backend's synchronous path is timed under its own name, and its
 * gemmAsync path (where it has one) under "<name> (threaded)" for webasm or "<name> (async)".
 */
import { InvalidArgumentError } from '@snn/errors';
import { getBackend, listBackends, type Backend } from './backend';

export interface GemmBenchmarkResult {
  backend: string;
  size: number;
  gflops: number;
  msPerCall: number;
}

export interface GemmBenchmarkOptions {
  /** Square sizes n (C[n,n] = A[n,n] B[n,n]); default 64, 128, 256, 512, 1024. */
  sizes?: number[];
  /** Backend names; default every available one. Unknown names throw UnknownNameError. */
  backends?: string[];
  /** Minimum timed duration per (backend, size), after an untimed warm-up of a quarter of it; default 200. */
  minMillis?: number;
}

export const DEFAULT_BENCHMARK_SIZES = [64, 128, 256, 512, 1024];

function filled(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    out[i] = state / 4294967296 - 0.5;
  }
  return out;
}

async function timeCalls(call: () => void | Promise<void>, minMillis: number): Promise<number> {
  // Untimed warm-up: the first call compiles gpu.js kernels and starts worker pools, and V8 needs
  // a few hundred fast calls before it optimizes the JS kernels; a quarter of the budget covers both.
  const warmupStart = performance.now();
  do await call();
  while (performance.now() - warmupStart < minMillis / 4);
  let calls = 0;
  const start = performance.now();
  let now = start;
  do {
    await call();
    calls++;
    now = performance.now();
  } while (now - start < minMillis);
  return (now - start) / calls;
}

export async function benchmarkGemm(options: GemmBenchmarkOptions = {}): Promise<GemmBenchmarkResult[]> {
  const sizes = options.sizes ?? DEFAULT_BENCHMARK_SIZES;
  const minMillis = options.minMillis ?? 200;
  if (!Array.isArray(sizes) || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
    throw new InvalidArgumentError('sizes', `must be positive integers, got ${JSON.stringify(sizes)}`);
  }
  if (!(minMillis >= 0)) throw new InvalidArgumentError('minMillis', `must be >= 0, got ${minMillis}`);
  const names = options.backends ?? listBackends({ availableOnly: true });
  const backends: Backend[] = names.map(getBackend).filter((b) => b.available());

  const results: GemmBenchmarkResult[] = [];
  for (const size of sizes) {
    const a = filled(size * size, 1), b = filled(size * size, 2), c = new Float32Array(size * size);
    const flops = 2 * size * size * size;
    for (const backend of backends) {
      const paths: Array<[string, () => void | Promise<void>]> = [];
      const gemm = backend.gemm;
      if (backend.name !== 'gpujs-webgpu' && gemm) {
        paths.push([backend.name, () => gemm(false, false, size, size, size, 1, a, 0, size, b, 0, size, 0, c, 0, size)]);
      }
      if (backend.gemmAsync) {
        const label = backend.name === 'gpujs-webgpu' ? backend.name : `${backend.name} (${backend.name === 'gpujs-webasm' ? 'threaded' : 'async'})`;
        paths.push([label, () => backend.gemmAsync!(false, false, size, size, size, 1, a, 0, size, b, 0, size, 0, c, 0, size)]);
      }
      for (const [label, call] of paths) {
        const msPerCall = await timeCalls(call, minMillis);
        results.push({ backend: label, size, gflops: flops / (msPerCall * 1e6), msPerCall });
      }
    }
  }
  return results;
}
