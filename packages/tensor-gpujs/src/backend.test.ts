import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '@snn/errors';
import { gemm, getBackend, listBackends, matmul, fromArray, resolveBackend, setDefaultBackend, toContiguous, type Backend, type Tensor } from '@snn/tensor';
import { detectWebGpu, GPUJS_BACKENDS, lastExecutedMode, registerGpuJsBackends } from './index';
import { maxRelativeError, randomArray, seededRandom, type RealArrayConstructor } from './test-helpers';

/** A flat row-major copy of a tensor's elements. */
const toTypedArray = (t: Tensor) => toContiguous(t).data.slice();

const transposeCases: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** Shapes mixing the odd sizes 1..65 over m, n and k without compiling hundreds of kernels. */
const shapes: Array<[number, number, number]> = [
  [1, 1, 1], [1, 17, 3], [3, 5, 7], [5, 1, 33], [7, 65, 5], [17, 3, 65], [33, 33, 17], [65, 7, 1], [64, 96, 40],
];

interface Case {
  transA: boolean; transB: boolean; m: number; n: number; k: number; alpha: number; beta: number;
  a: Float32Array | Float64Array; aOffset: number; lda: number;
  b: Float32Array | Float64Array; bOffset: number; ldb: number;
  c: Float32Array | Float64Array; cOffset: number; ldc: number;
}

function makeCase(
  ctor: RealArrayConstructor, transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, beta: number, pad: number, seed: number,
): Case {
  const random = seededRandom(seed);
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
  const aOffset = pad * 2, bOffset = pad, cOffset = pad * 3;
  return {
    transA, transB, m, n, k, alpha, beta,
    a: randomArray(ctor, aOffset + aRows * lda, random), aOffset, lda,
    b: randomArray(ctor, bOffset + bRows * ldb, random), bOffset, ldb,
    c: randomArray(ctor, cOffset + m * ldc, random), cOffset, ldc,
  };
}

function expectedOf(x: Case): Float32Array | Float64Array {
  const c = x.c.slice();
  gemm(x.transA, x.transB, x.m, x.n, x.k, x.alpha, x.a, x.aOffset, x.lda, x.b, x.bOffset, x.ldb, x.beta, c, x.cOffset, x.ldc);
  return c;
}

async function run(backend: Backend, useAsync: boolean, x: Case): Promise<void> {
  const args = [x.transA, x.transB, x.m, x.n, x.k, x.alpha, x.a, x.aOffset, x.lda, x.b, x.bOffset, x.ldb, x.beta, x.c, x.cOffset, x.ldc] as const;
  if (useAsync) await backend.gemmAsync!(...args);
  else backend.gemm!(...args);
}

const paths = listBackends({ availableOnly: true }).filter((name) => name.startsWith('gpujs-')).flatMap((name) => {
  const backend = getBackend(name);
  const out: Array<[string, Backend, boolean]> = [];
  if (name !== 'gpujs-webgpu') out.push([`${name} gemm`, backend, false]);
  if (backend.gemmAsync) out.push([`${name} gemmAsync`, backend, true]);
  return out;
});

describe('importing @snn/tensor-gpujs registers the gpu.js backends with @snn/tensor', () => {
  it('has every gpu.js backend registered, and registering again is harmless', () => {
    expect(listBackends()).toEqual(expect.arrayContaining([...GPUJS_BACKENDS]));
    registerGpuJsBackends();
    expect(listBackends().filter((name) => name.startsWith('gpujs-')).sort()).toEqual([...GPUJS_BACKENDS].sort());
    // In Node: gpu.js cpu and webasm run; webgl2 needs a browser (headless-gl is not built here).
    expect(paths.map(([label]) => label)).toEqual(expect.arrayContaining(['gpujs-cpu gemm', 'gpujs-webasm gemm', 'gpujs-webasm gemmAsync']));
  });

  it.each(paths)('%s agrees with the reference gemm on odd shapes, all transposes, alpha/beta, offsets and padded strides', async (_label, backend, useAsync) => {
    let seed = 1;
    for (const [transA, transB] of transposeCases) {
      for (const [m, n, k] of shapes) {
        const [alpha, beta, pad] = [[1, 0, 0], [0.5, 1, 2], [-2, 0.25, 1]][seed % 3];
        const x = makeCase(Float32Array, transA, transB, m, n, k, alpha, beta, pad, seed++);
        if (beta === 0) x.c.fill(NaN, x.cOffset);
        const expected = expectedOf(x);
        await run(backend, useAsync, x);
        expect(maxRelativeError(x.c, expected), `${transA} ${transB} m=${m} n=${n} k=${k}`).toBeLessThan(2e-5);
      }
    }
  });

  it.each(paths)('%s keeps float64 products at float64 precision', async (_label, backend, useAsync) => {
    const x = makeCase(Float64Array, true, false, 17, 33, 65, 0.75, 0.5, 1, 99);
    const expected = expectedOf(x);
    await run(backend, useAsync, x);
    expect(maxRelativeError(x.c, expected)).toBeLessThan(1e-13);
  });

  it('runs the gpu.js kernels in the mode that was asked for (no silent cpu fallback)', async () => {
    const x = makeCase(Float32Array, false, false, 64, 80, 16, 1, 0, 0, 7);
    getBackend('gpujs-webasm').gemm!(false, false, 64, 80, 16, 1, x.a, 0, x.lda, x.b, 0, x.ldb, 0, x.c, 0, x.ldc);
    await getBackend('gpujs-webasm').gemmAsync!(false, false, 64, 80, 16, 1, x.a, 0, x.lda, x.b, 0, x.ldb, 0, x.c, 0, x.ldc);
    getBackend('gpujs-cpu').gemm!(false, false, 64, 80, 16, 1, x.a, 0, x.lda, x.b, 0, x.ldb, 0, x.c, 0, x.ldc);
    expect(lastExecutedMode['gpujs-webasm']).toBe('webasm');
    expect(lastExecutedMode['gpujs-webasm:async']).toBe('webasm');
    expect(lastExecutedMode['gpujs-cpu']).toBe('cpu');
  });

  it('is reachable through the registry: matmul, setDefaultBackend and resolveBackend', () => {
    const random = seededRandom(3);
    const a = fromArray(randomArray(Float32Array, 63, random), [9, 7]);
    const b = fromArray(randomArray(Float32Array, 77, random), [7, 11]);
    const expected = matmul(a, b, { backend: 'reference' });
    expect(maxRelativeError(toTypedArray(matmul(a, b, { backend: 'gpujs-cpu' })), toTypedArray(expected))).toBeLessThan(1e-5);
    try {
      setDefaultBackend('gpujs-webasm');
      expect(resolveBackend(8, 8, 8).name).toBe('gpujs-webasm');
    } finally {
      setDefaultBackend(undefined);
    }
  });

  it('reports webgl2 unavailable in Node and refuses to resolve it (UnsupportedError)', () => {
    expect(getBackend('gpujs-webgl2').available()).toBe(false);
    expect(() => resolveBackend(4, 4, 4, { backend: 'gpujs-webgl2' })).toThrow(UnsupportedError);
  });

  it('skips webgpu cleanly when no adapter answers', async () => {
    const found = await detectWebGpu();
    const webgpu = getBackend('gpujs-webgpu');
    expect(webgpu.available()).toBe(found);
    if (!found) {
      expect(listBackends({ availableOnly: true })).not.toContain('gpujs-webgpu');
      expect(() => resolveBackend(4, 4, 4, { backend: 'gpujs-webgpu' })).toThrow(UnsupportedError);
    }
    const z = new Float32Array(4);
    expect(() => webgpu.gemm!(false, false, 2, 2, 1, 1, z, 0, 1, z, 0, 2, 0, z, 0, 2)).toThrow(UnsupportedError);
  });
});
