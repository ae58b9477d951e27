import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnknownNameError } from '@snn/errors';
import type { RealArray } from '../blas';
import { getBackend, listBackends, registerBackend, setDefaultBackend } from '../backend';
import { seededRandom } from '../test-helpers';
import { blockApply, blockCompose, blockScan, blockStep } from './block';
import { createKernels, kernelTable } from './create';
import { referenceKernels as ref } from './reference';
import { KERNEL_NAMES, type DType, type Kernels } from './types';

const simdHere = listBackends({ availableOnly: true }).includes('wasm-simd');
const dtypes: DType[] = ['float32', 'float64'];

/** An array the kernels can reach (inside the SIMD workspace for bound kernels), filled with `values`. */
function place(k: Kernels, values: ArrayLike<number>): RealArray {
  const a = k.allocate(values.length);
  a.set(values);
  return a;
}

function random(length: number, rnd: () => number, density = 1): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = rnd() < density ? Math.fround(rnd() * 2 - 1) : 0;
  return out;
}

function spikes(length: number, rnd: () => number, rate: number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = rnd() < rate ? 1 : 0;
  return out;
}

/** |x - y| <= tol (1 + |y|) everywhere; float32 accumulation over `depth` terms gets a depth-sized tolerance. */
function expectClose(x: ArrayLike<number>, y: ArrayLike<number>, dtype: DType, depth: number): void {
  expect(x.length).toBe(y.length);
  const tol = dtype === 'float64' ? 1e-12 * (depth + 1) : 2e-6 * (depth + 1);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const err = Math.abs(x[i]! - y[i]!) / (1 + Math.abs(y[i]!));
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

afterEach(() => setDefaultBackend(undefined));

describe('createKernels', () => {
  it('runs float32 on the SIMD workspace by default and float64 on the reference', () => {
    const f32 = createKernels('float32', { backend: 'auto' });
    const f64 = createKernels('float64', { backend: 'auto' });
    expect(f64.name).toBe('reference');
    expect(f64.bound).toBe(false);
    expect(Object.values(f64.backends).every((b) => b === 'reference')).toBe(true);
    expect(f64.allocate(3)).toBeInstanceOf(Float64Array);
    if (!simdHere) return;
    expect(f32.name).toBe('wasm-simd');
    expect(f32.bound).toBe(true);
    expect(f32.allocate(4).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(f32.backends).toMatchObject({ gemm: 'wasm-simd', gemmSparseA: 'wasm-simd', scatterAxpy: 'wasm-simd', blockCarry: 'wasm-simd', blockCompose: 'reference' });
  });

  it('takes the backend from the option, then setDefaultBackend; unknown names are refused', () => {
    expect(createKernels('float32', { backend: 'reference' }).name).toBe('reference');
    setDefaultBackend('reference');
    expect(createKernels('float32').name).toBe('reference');
    expect(() => createKernels('float32', { backend: 'no-such-backend' })).toThrow(UnknownNameError);
    // A backend for another dtype contributes nothing: float64 on wasm-simd is all reference.
    if (simdHere) expect(createKernels('float64', { backend: 'wasm-simd' }).name).toBe('reference');
  });

  it('fills the kernels a backend lacks from the reference (a backend may register one kernel)', () => {
    let calls = 0;
    registerBackend({
      name: 'test-one-kernel',
      description: 'blockStep only',
      available: () => true,
      blockStep: (...args) => {
        calls++;
        ref.blockStep(...args);
      },
    }, { replace: true });
    const k = createKernels('float64', { backend: 'test-one-kernel' });
    expect(k.name).toBe('test-one-kernel');
    expect(k.backends.blockStep).toBe('test-one-kernel');
    expect(k.backends.gemm).toBe('reference');
    expect(k.gemm).toBe(ref.gemm);
    const x = new Float64Array([1, 2]);
    k.blockStep(2, 1, new Float64Array([2, 3]), x, null);
    expect(Array.from(x)).toEqual([2, 6]);
    expect(calls).toBe(1);
    expect(kernelTable().blockStep).toContain('test-one-kernel');
    expect(kernelTable().gemm).not.toContain('test-one-kernel');
    expect(() => registerBackend({ name: 'test-empty', description: '', available: () => true })).toThrow(InvalidArgumentError);
    expect(() => registerBackend({ name: 'test-bad', description: '', available: () => true, gemm: 3 as never })).toThrow(InvalidArgumentError);
  });

  it('lists which backends implement each kernel', () => {
    const table = kernelTable();
    for (const name of KERNEL_NAMES) expect(table[name]).toContain('reference');
    if (simdHere) for (const name of ['gemm', 'gemmSparseA', 'scatterAxpy', 'blockCarry'] as const) expect(table[name]).toContain('wasm-simd');
    expect(getBackend('reference').blockScan).toBe(ref.blockScan);
  });
});

// Every kernel of the default set for each dtype (SIMD for float32 where it runs) against the
// reference on the same values in float64.
describe.each(dtypes)('default kernels against the reference (%s)', (dtype) => {
  const k = createKernels(dtype, { backend: 'auto' });
  const shapes: Array<[number, number, number]> = [[1, 1, 1], [3, 5, 7], [5, 1, 33], [7, 13, 5], [17, 9, 65], [33, 31, 17], [64, 40, 96]];

  it.each(shapes)('gemm in every transpose shape, m=%i n=%i k=%i, with padding and offsets', (m, n, kk) => {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const beta of [0, 1, -0.5]) {
        const rnd = seededRandom(m * 1000 + n * 10 + kk);
        const pad = 3;
        const [aRows, aCols] = transA ? [kk, m] : [m, kk];
        const [bRows, bCols] = transB ? [n, kk] : [kk, n];
        const lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        const a = random(pad + aRows * lda, rnd), b = random(pad + bRows * ldb, rnd), c = random(pad + m * ldc, rnd);
        const C = place(k, c);
        k.gemm(transA, transB, m, n, kk, 0.75, place(k, a), pad, lda, place(k, b), pad, ldb, beta, C, pad, ldc);
        ref.gemm(transA, transB, m, n, kk, 0.75, a, pad, lda, b, pad, ldb, beta, c, pad, ldc);
        expectClose(C, c, dtype, kk);
      }
    }
  });

  it.each([[false], [true]])('gemmSparseA (transA = %s) on spikes, with empty spike sets and odd sizes', (transA) => {
    for (const [m, n, kk, rate] of [[1, 1, 1, 1], [3, 17, 5, 0.3], [32, 37, 70, 0.05], [7, 9, 11, 0], [2, 5, 3, 1]] as const) {
      const rnd = seededRandom(m + n + kk);
      const [aRows, aCols] = transA ? [kk, m] : [m, kk];
      const a = spikes(aRows * aCols, rnd, rate), b = random(kk * n, rnd), c = random(m * n, rnd);
      const C = place(k, c);
      k.gemmSparseA(transA, m, n, kk, 1.5, place(k, a), 0, aCols, place(k, b), 0, n, C, 0, n);
      ref.gemmSparseA(transA, m, n, kk, 1.5, a, 0, aCols, b, 0, n, c, 0, n);
      expectClose(C, c, dtype, kk);
    }
  });

  it('scatterAxpy over spike indices, repeated rows, offsets, and no events', () => {
    const rnd = seededRandom(5);
    for (const [count, n] of [[0, 5], [1, 1], [7, 13], [300, 37]] as const) {
      const srcRowsN = 11, dstRowsN = 6, ld = n + 2;
      const dstRows = Int32Array.from({ length: count }, () => Math.floor(rnd() * dstRowsN));
      const srcRows = Int32Array.from({ length: count }, () => Math.floor(rnd() * srcRowsN));
      const scales = random(count, rnd);
      const src = random(1 + srcRowsN * ld, rnd), dst = random(2 + dstRowsN * ld, rnd);
      const D = place(k, dst);
      k.scatterAxpy(count, n, dstRows, srcRows, place(k, scales), place(k, src), 1, ld, D, 2, ld);
      ref.scatterAxpy(count, n, dstRows, srcRows, scales, src, 1, ld, dst, 2, ld);
      expectClose(D, dst, dtype, count);
    }
    const z = place(k, [0, 0, 0, 0]);
    expect(() => k.scatterAxpy(1, 2, Int32Array.of(2), Int32Array.of(0), place(k, [1]), z, 0, 2, z, 0, 2)).toThrow(InvalidArgumentError);
  });

  it('blockCarry for block sizes 1..9 (9: beyond the SIMD kernel, reference) and odd row lengths', () => {
    for (const e of [1, 2, 3, 4, 5, 8, 9]) {
      for (const [rows, n] of [[1, 1], [3, 7], [5, 13], [2, 33]] as const) {
        const rnd = seededRandom(e * 100 + rows * 10 + n);
        const ldx = e * n + 1, ldg = n + 2;
        const x = random(ldx * rows, rnd), g = random(ldg * rows, rnd), m = random(e * e * n + 1, rnd), q = random(e * n + 1, rnd);
        const X = place(k, x), G = place(k, g);
        k.blockCarry(rows, e, n, X, 0, ldx, G, 0, ldg, place(k, m), 1, place(k, q), 1);
        ref.blockCarry(rows, e, n, x, 0, ldx, g, 0, ldg, m, 1, q, 1);
        expectClose(X, x, dtype, e);
        expectClose(G, g, dtype, e);
      }
    }
    k.blockCarry(0, 3, 4, place(k, [1]), 0, 12, place(k, [1]), 0, 4, place(k, [1]), 0, place(k, [1]), 0); // no rows: nothing read
  });

  it('falls back to the reference for operands outside its memory', () => {
    const rnd = seededRandom(9);
    const a = random(6, rnd), b = random(6, rnd);
    const plain = dtype === 'float32' ? new Float32Array(4) : new Float64Array(4);
    const expected = new Float64Array(4);
    k.gemm(false, false, 2, 2, 3, 1, a.slice(), 0, 3, place(k, b), 0, 2, 0, plain, 0, 2);
    ref.gemm(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 0, expected, 0, 2);
    expectClose(plain, expected, dtype, 3);
  });
});

/** Textbook (A2 A1, A2 b1 + b2) per block. */
function naiveCompose(n: number, d: number, A2: RealArray, b2: RealArray, A1: RealArray, b1: RealArray): [Float64Array, Float64Array] {
  const A = new Float64Array(n * d * d), b = new Float64Array(n * d);
  for (let j = 0; j < n; j++) {
    for (let r = 0; r < d; r++) {
      let s = b2[j * d + r]!;
      for (let c = 0; c < d; c++) s += A2[j * d * d + r * d + c]! * b1[j * d + c]!;
      b[j * d + r] = s;
      for (let c = 0; c < d; c++) {
        let t = 0;
        for (let q = 0; q < d; q++) t += A2[j * d * d + r * d + q]! * A1[j * d * d + q * d + c]!;
        A[j * d * d + r * d + c] = t;
      }
    }
  }
  return [A, b];
}

describe('block-major kernels', () => {
  it.each([1, 2, 3, 4, 5, 7])('blockCompose (straight-line sizes and the general loop), d = %i', (d) => {
    const rnd = seededRandom(d);
    const n = 5;
    const A2 = random(n * d * d, rnd), b2 = random(n * d, rnd), A1 = random(n * d * d, rnd), b1 = random(n * d, rnd);
    const [eA, eb] = naiveCompose(n, d, A2, b2, A1, b1);
    // At offsets inside larger arrays.
    const Aout = new Float64Array(n * d * d + 3), bout = new Float64Array(n * d + 2);
    const shift = (x: Float64Array, by: number) => { const y = new Float64Array(x.length + by); y.set(x, by); return y; };
    blockCompose(n, d, shift(A2, 1), 1, shift(b2, 2), 2, shift(A1, 3), 3, shift(b1, 1), 1, Aout, 3, bout, 2);
    expectClose(Aout.subarray(3), eA, 'float64', d);
    expectClose(bout.subarray(2), eb, 'float64', d);
    expect(() => blockCompose(n, d, A2, 1, b2, 0, A1, 0, b1, 0, Aout, 0, bout, 0)).toThrow();
  });

  it.each([1, 2, 3, 5])('blockStep and blockApply agree with the textbook product, d = %i', (d) => {
    const rnd = seededRandom(10 + d);
    const n = 6;
    const A = random(n * d * d, rnd), x = random(n * d, rnd), b = random(n * d, rnd);
    const [, expected] = naiveCompose(n, d, A, b, new Float64Array(n * d * d), x);
    const stepped = x.slice();
    blockStep(n, d, A, stepped, b);
    expectClose(stepped, expected, 'float64', d);
    const applied = b.slice();
    blockApply(n, d, A, x, applied);
    expectClose(applied, expected, 'float64', d);
    const noInput = x.slice();
    blockStep(n, d, A, noInput, null);
    const [, withoutB] = naiveCompose(n, d, A, new Float64Array(n * d), new Float64Array(n * d * d), x);
    expectClose(noInput, withoutB, 'float64', d);
  });

  it.each([1, 2, 5, 8, 13])('blockScan equals the sequential compositions, L = %i', (L) => {
    const rnd = seededRandom(L);
    const n = 3, d = 2;
    const A = random(L * n * d * d, rnd), b = random(L * n * d, rnd);
    const seqA = A.slice(), seqB = b.slice();
    for (let t = 1; t < L; t++) {
      const [cA, cb] = naiveCompose(n, d, A.subarray(t * n * d * d), b.subarray(t * n * d), seqA.subarray((t - 1) * n * d * d), seqB.subarray((t - 1) * n * d));
      seqA.set(cA, t * n * d * d);
      seqB.set(cb, t * n * d);
    }
    const f32A = Float32Array.from(A), f32B = Float32Array.from(b);
    blockScan(L, n, d, A, b);
    expectClose(A, seqA, 'float64', 2 * L);
    expectClose(b, seqB, 'float64', 2 * L);
    blockScan(L, n, d, f32A, f32B, new Float32Array(f32A.length), new Float32Array(f32B.length));
    expectClose(f32A, seqA, 'float32', 2 * L);
  });
});
