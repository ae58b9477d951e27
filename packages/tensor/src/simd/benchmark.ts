/**
 * benchmarkSimd(): throughput of the SIMD kernels next to the package's JS kernels, at the shapes of
 * the 700-256-20 LIF training step (batch 32) and two larger squares. Timings are wall-clock on
 * whatever machine runs it; nothing asserts them.
 */
import { gemm as jsGemm } from '../blas';
import { SimdWorkspace } from './workspace';

export interface SimdGemmBenchmark {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** GFLOP/s (2*m*n*k per call) of SimdWorkspace.gemm. */
  readonly simdGflops: number;
  /** GFLOP/s of the JS `gemm` (blas.ts) on Float32Arrays of the same shape; null when skipped. */
  readonly jsGflops: number | null;
}

export interface SimdScatterBenchmark {
  readonly count: number;
  readonly n: number;
  /** Source rows (e.g. input units) and destination rows (e.g. batch) the events pick from. */
  readonly srcRows: number;
  readonly dstRows: number;
  /** Giga multiply-adds per second (count*n per call) of SimdWorkspace.scatterAxpy. */
  readonly simdGmacs: number;
  /** The same product as a plain JS loop over Float32Arrays; null when skipped. */
  readonly jsGmacs: number | null;
}

export interface SimdBenchmarkResult {
  readonly gemm: readonly SimdGemmBenchmark[];
  readonly scatterAxpy: SimdScatterBenchmark;
}

export interface SimdBenchmarkOptions {
  /** Minimum measured time per kernel and shape, in milliseconds (default 300). */
  minTimeMs?: number;
  /** GEMM shapes [m, n, k] (default [[32,256,256], [256,256,256], [512,512,512]]). */
  shapes?: ReadonlyArray<readonly [number, number, number]>;
  /** Also time the JS kernels (default true). */
  includeJs?: boolean;
  /** scatterAxpy events per call (default 448: 2% of 700 inputs x batch 32) and row length (default 256). */
  scatterCount?: number;
  scatterN?: number;
}

const DEFAULT_SHAPES: ReadonlyArray<readonly [number, number, number]> = [
  [32, 256, 256],
  [256, 256, 256],
  [512, 512, 512],
];

const now = (): number => (globalThis as { performance?: { now(): number } }).performance?.now() ?? Date.now();

/** Calls per second of fn: a warm-up, then the best of three timed rounds of >= minTimeMs / 3 each. */
function callsPerSecond(fn: () => void, minTimeMs: number): number {
  const warmEnd = now() + Math.max(20, minTimeMs / 4);
  let calls = 0;
  do {
    fn();
    calls++;
  } while (now() < warmEnd || calls < 3);
  let best = 0;
  const roundMs = Math.max(10, minTimeMs / 3);
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const start = now();
    let elapsed = 0;
    do {
      fn();
      n++;
      elapsed = now() - start;
    } while (elapsed < roundMs);
    best = Math.max(best, (n * 1000) / elapsed);
  }
  return best;
}

/** Deterministic values in [-0.5, 0.5) (a 32-bit LCG), so runs are comparable. */
function fillRandom(view: Float32Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < view.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    view[i] = s / 4294967296 - 0.5;
  }
}

function jsScatterAxpy(
  count: number, n: number, dstRows: Int32Array, srcRows: Int32Array, scales: Float32Array,
  src: Float32Array, ldSrc: number, dst: Float32Array, ldDst: number,
): void {
  for (let e = 0; e < count; e++) {
    const s = scales[e];
    const so = srcRows[e] * ldSrc;
    const d0 = dstRows[e] * ldDst;
    for (let j = 0; j < n; j++) dst[d0 + j] += s * src[so + j];
  }
}

/**
 * Measures SIMD GEMM (GFLOP/s) and scatterAxpy (GMAC/s), and the JS equivalents, or returns null
 * when SIMD is unavailable in this runtime. Takes about (shapes * 2 + 2) * minTimeMs * 1.3.
 */
export function benchmarkSimd(options: SimdBenchmarkOptions = {}): SimdBenchmarkResult | null {
  const minTimeMs = options.minTimeMs ?? 300;
  const shapes = options.shapes ?? DEFAULT_SHAPES;
  const includeJs = options.includeJs ?? true;
  const count = options.scatterCount ?? 448;
  const n = options.scatterN ?? 256;
  const srcRowCount = 700;
  const dstRowCount = 32;

  const maxBytes = Math.max(...shapes.map(([m, nn, k]) => (m * k + k * nn + m * nn) * 4), 0);
  const workspace = SimdWorkspace.create({ initialMiB: Math.ceil(maxBytes / (1024 * 1024)) + 2 });
  if (workspace === null) return null;

  const gemmResults: SimdGemmBenchmark[] = [];
  for (const [m, nn, k] of shapes) {
    workspace.release();
    const a = workspace.allocate(m * k);
    const b = workspace.allocate(k * nn);
    const c = workspace.allocate(m * nn);
    fillRandom(a.view, 1);
    fillRandom(b.view, 2);
    const flops = 2 * m * nn * k;
    const simd = callsPerSecond(() => workspace.gemm(m, nn, k, 1, a, 0, k, b, 0, nn, 0, c, 0, nn), minTimeMs);
    let js: number | null = null;
    if (includeJs) {
      const ja = a.view.slice();
      const jb = b.view.slice();
      const jc = new Float32Array(m * nn);
      js = callsPerSecond(() => jsGemm(false, false, m, nn, k, 1, ja, 0, k, jb, 0, nn, 0, jc, 0, nn), minTimeMs);
      js = (js * flops) / 1e9;
    }
    gemmResults.push({ m, n: nn, k, simdGflops: (simd * flops) / 1e9, jsGflops: js });
  }

  workspace.release();
  const w = workspace.allocate(srcRowCount * n);
  const cur = workspace.allocate(dstRowCount * n);
  const dstRows = workspace.allocateIndices(count);
  const srcRows = workspace.allocateIndices(count);
  const scales = workspace.allocate(count);
  fillRandom(w.view, 3);
  let s = 12345;
  for (let e = 0; e < count; e++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    srcRows.view[e] = s % srcRowCount;
    dstRows.view[e] = Math.floor((e * dstRowCount) / Math.max(1, count)); // batch-major, like spike lists
  }
  scales.view.fill(1);
  const simdScatter = callsPerSecond(
    () => workspace.scatterAxpy(count, n, dstRows, srcRows, scales, w, 0, n, cur, 0, n),
    minTimeMs,
  );
  let jsScatter: number | null = null;
  if (includeJs) {
    const jw = w.view.slice();
    const jcur = new Float32Array(dstRowCount * n);
    const jd = dstRows.view.slice();
    const js = srcRows.view.slice();
    const jsc = scales.view.slice();
    jsScatter = callsPerSecond(() => jsScatterAxpy(count, n, jd, js, jsc, jw, n, jcur, n), minTimeMs);
    jsScatter = (jsScatter * count * n) / 1e9;
  }
  workspace.release();
  return {
    gemm: gemmResults,
    scatterAxpy: {
      count,
      n,
      srcRows: srcRowCount,
      dstRows: dstRowCount,
      simdGmacs: (simdScatter * count * n) / 1e9,
      jsGmacs: jsScatter,
    },
  };
}
