import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnknownNameError, UnsupportedError } from '@snn/errors';
import { gemm } from './blas';
import {
  gemmAuto,
  gemmAutoAsync,
  getBackend,
  getDefaultBackendName,
  listBackends,
  registerBackend,
  resolveBackend,
  setDefaultBackend,
  type Backend,
} from './backend';
import { maxRelativeError, randomArray, seededRandom, type RealArrayConstructor } from './test-helpers';

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

const paths = listBackends({ availableOnly: true }).flatMap((name) => {
  const backend = getBackend(name);
  const out: Array<[string, Backend, boolean]> = [];
  out.push([`${name} gemm`, backend, false]);
  if (backend.gemmAsync) out.push([`${name} gemmAsync`, backend, true]);
  return out;
});

describe('every available backend agrees with the reference gemm', () => {
  it('has the built-in backends registered', () => {
    expect(listBackends()).toEqual(expect.arrayContaining(['reference', 'wasm-simd']));
    // gpu.js is an optional package: a plain @snn/tensor registers none of its backends.
    expect(listBackends().filter((name) => name.startsWith('gpujs'))).toEqual([]);
    expect(paths.length).toBeGreaterThanOrEqual(2);
  });

  it.each(paths)('%s on odd shapes, all transposes, alpha/beta, offsets and padded strides', async (_label, backend, useAsync) => {
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
});

describe('backend registry and selection', () => {
  const savedEnv = process.env.SNN_BACKEND;
  afterEach(() => {
    setDefaultBackend(undefined);
    if (savedEnv === undefined) delete process.env.SNN_BACKEND;
    else process.env.SNN_BACKEND = savedEnv;
  });

  it('throws UnknownNameError listing the registered names', () => {
    expect(() => getBackend('cuda')).toThrow(UnknownNameError);
    expect(() => getBackend('cuda')).toThrow(/reference/);
    expect(() => setDefaultBackend('cuda')).toThrow(UnknownNameError);
    process.env.SNN_BACKEND = 'cuda';
    expect(() => resolveBackend(4, 4, 4)).toThrow(UnknownNameError);
  });

  it('picks by option, then setDefaultBackend, then SNN_BACKEND, then size', () => {
    delete process.env.SNN_BACKEND;
    expect(getDefaultBackendName()).toBe('auto');
    // float32 products from 32^3 on go to the SIMD backend, smaller ones and float64 to reference.
    expect(resolveBackend(32, 256, 256).name).toBe('wasm-simd');
    expect(resolveBackend(1024, 1024, 1024, { async: true }).name).toBe('wasm-simd');
    expect(resolveBackend(8, 8, 8).name).toBe('reference');
    expect(resolveBackend(32, 256, 256, { float64: true }).name).toBe('reference');
    process.env.SNN_BACKEND = 'wasm-simd';
    expect(resolveBackend(8, 8, 8).name).toBe('wasm-simd');
    setDefaultBackend('reference');
    expect(resolveBackend(64, 64, 64).name).toBe('reference');
    expect(resolveBackend(8, 8, 8, { backend: 'wasm-simd' }).name).toBe('wasm-simd');
    expect(resolveBackend(8, 8, 8, { backend: 'reference' }).name).toBe('reference');
    setDefaultBackend('auto');
    expect(resolveBackend(8, 8, 8).name).toBe('reference');
  });

  it('gemmAuto and gemmAutoAsync honour the selected backend and match gemm', async () => {
    const x = makeCase(Float32Array, false, true, 9, 11, 13, 1, 0, 0, 5);
    const expected = expectedOf(x);
    setDefaultBackend('wasm-simd');
    const c1 = x.c.slice(), c2 = x.c.slice();
    gemmAuto(false, true, 9, 11, 13, 1, x.a, 0, x.lda, x.b, 0, x.ldb, 0, c1, 0, x.ldc);
    await gemmAutoAsync(false, true, 9, 11, 13, 1, x.a, 0, x.lda, x.b, 0, x.ldb, 0, c2, 0, x.ldc);
    expect(maxRelativeError(c1, expected)).toBeLessThan(2e-5);
    expect(maxRelativeError(c2, expected)).toBeLessThan(2e-5);
  });

  it('registers custom backends and refuses duplicates and reserved names', () => {
    const custom: Backend = { name: 'test-custom', description: 'test', gemm: () => {}, available: () => true };
    registerBackend(custom);
    expect(getBackend('test-custom')).toBe(custom);
    expect(() => registerBackend(custom)).toThrow(InvalidArgumentError);
    expect(() => registerBackend({ ...custom, name: 'auto' })).toThrow(InvalidArgumentError);
    registerBackend({ ...custom, description: 'replaced' }, { replace: true });
    expect(getBackend('test-custom').description).toBe('replaced');
  });
});
