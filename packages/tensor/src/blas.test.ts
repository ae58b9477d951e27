import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@snn/errors';
import { gemm, gemmSparseA } from './blas';
import { maxRelativeError, naiveGemm, randomArray, seededRandom } from './test-helpers';

const transposeCases: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const oddSizes = [1, 3, 5, 7, 17, 33, 65];

interface Layout {
  aOffset: number; lda: number; aLength: number;
  bOffset: number; ldb: number; bLength: number;
  cOffset: number; ldc: number; cLength: number;
}

/** Stored layouts with nonzero offsets and padded row strides, to catch stride/offset bugs. */
function layout(transA: boolean, transB: boolean, m: number, n: number, k: number, pad: number): Layout {
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + pad, ldb = bCols + 2 * pad, ldc = n + pad;
  const aOffset = 3 * pad, bOffset = 5 * pad, cOffset = 7 * pad;
  return {
    aOffset, lda, aLength: aOffset + aRows * lda,
    bOffset, ldb, bLength: bOffset + bRows * ldb,
    cOffset, ldc, cLength: cOffset + m * ldc,
  };
}

function checkAgainstNaive(
  ctor: Float32ArrayConstructor | Float64ArrayConstructor,
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, beta: number, pad: number, seed: number,
): number {
  const random = seededRandom(seed);
  const L = layout(transA, transB, m, n, k, pad);
  const a = randomArray(ctor, L.aLength, random);
  const b = randomArray(ctor, L.bLength, random);
  const c = randomArray(ctor, L.cLength, random);
  // beta = 0 must not read C: poison it so a read shows up as NaN.
  if (beta === 0) c.fill(NaN);
  const expected = new Float64Array(c);
  naiveGemm(transA, transB, m, n, k, alpha, a, L.aOffset, L.lda, b, L.bOffset, L.ldb, beta, expected, L.cOffset, L.ldc);
  gemm(transA, transB, m, n, k, alpha, a, L.aOffset, L.lda, b, L.bOffset, L.ldb, beta, c, L.cOffset, L.ldc);
  // Only the m x n window may change; padding and the area before the offset keep their values.
  const touched: number[] = [], want: number[] = [];
  for (let i = 0; i < c.length; i++) {
    touched.push(c[i]);
    want.push(ctor === Float32Array ? Math.fround(expected[i]) : expected[i]);
  }
  return maxRelativeError(
    touched.map((v) => (Number.isNaN(v) ? 1e30 : v)),
    want.map((v) => (Number.isNaN(v) ? 1e30 : v)),
  );
}

describe('gemm', () => {
  it.each(transposeCases)('matches the naive product on odd sizes (transA=%s, transB=%s)', (transA, transB) => {
    let seed = 1;
    for (const m of oddSizes) {
      for (const n of [1, 5, 17, 65]) {
        for (const k of [1, 7, 33]) {
          const err = checkAgainstNaive(Float32Array, transA, transB, m, n, k, 1, 0, 0, seed++);
          expect(err, `m=${m} n=${n} k=${k}`).toBeLessThan(1e-5);
        }
      }
    }
  });

  it.each(transposeCases)('honours alpha, beta, offsets and padded strides (transA=%s, transB=%s)', (transA, transB) => {
    let seed = 100;
    for (const [alpha, beta] of [[1, 1], [0.5, -2], [-1.5, 0], [2, 0.25], [0, 3]]) {
      for (const [m, n, k] of [[3, 5, 7], [17, 33, 5], [65, 7, 17], [33, 65, 300], [5, 130, 3], [17, 3, 33], [65, 2, 7], [7, 1, 5], [2, 9, 40]]) {
        const err = checkAgainstNaive(Float32Array, transA, transB, m, n, k, alpha, beta, 3, seed++);
        expect(err, `alpha=${alpha} beta=${beta} m=${m} n=${n} k=${k}`).toBeLessThan(1e-5);
      }
    }
  });

  it.each(transposeCases)('is exact to float64 rounding on Float64Array (transA=%s, transB=%s)', (transA, transB) => {
    let seed = 200;
    for (const [m, n, k] of [[1, 1, 1], [7, 17, 33], [65, 33, 270], [130, 67, 9], [33, 3, 17], [2, 33, 17]]) {
      const err = checkAgainstNaive(Float64Array, transA, transB, m, n, k, 0.75, 0.5, 2, seed++);
      expect(err, `m=${m} n=${n} k=${k}`).toBeLessThan(1e-12);
    }
  });

  it('covers the training-loop shapes', () => {
    let seed = 300;
    const shapes: Array<[boolean, boolean, number, number, number]> = [
      [false, false, 32, 256, 256],
      [false, true, 32, 256, 256],
      [false, false, 32, 20, 256],
      [true, false, 256, 256, 32],
    ];
    for (const [transA, transB, m, n, k] of shapes) {
      expect(checkAgainstNaive(Float32Array, transA, transB, m, n, k, 1, 1, 0, seed++)).toBeLessThan(1e-5);
    }
  });

  it('leaves C alone for empty products apart from the beta scaling', () => {
    const c = new Float64Array([1, 2, 3, 4]);
    gemm(false, false, 2, 2, 0, 1, new Float64Array(0), 0, 1, new Float64Array(0), 0, 2, 2, c, 0, 2);
    expect(Array.from(c)).toEqual([2, 4, 6, 8]);
    gemm(false, false, 2, 2, 0, 1, new Float64Array(0), 0, 1, new Float64Array(0), 0, 2, 0, c.fill(NaN), 0, 2);
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
  });

  it('rejects out-of-bounds layouts and bad strides with InvalidArgumentError', () => {
    const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4);
    expect(() => gemm(false, false, 2, 2, 3, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2)).toThrow(InvalidArgumentError);
    expect(() => gemm(false, false, 2, 2, 3, 1, a, 1, 3, b, 0, 2, 0, c, 0, 2)).toThrow(/needs 7 elements/);
    expect(() => gemm(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2)).not.toThrow();
    expect(() => gemm(false, false, -1, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2)).toThrow(/non-negative integer/);
  });
});

describe('gemmSparseA', () => {
  it.each([false, true])('equals gemm with beta = 1 on sparse matrices (transA=%s)', (transA) => {
    let seed = 400;
    for (const ctor of [Float32Array, Float64Array]) {
      for (const [m, n, k] of [[1, 1, 1], [3, 17, 5], [32, 256, 65], [33, 20, 256], [7, 65, 33]]) {
        const random = seededRandom(seed++);
        const pad = 2;
        const lda = (transA ? m : k) + pad, ldb = n + pad, ldc = n + 1;
        const a = randomArray(ctor, 1 + (transA ? k : m) * lda, random, 0.1);
        const b = randomArray(ctor, 2 + k * ldb, random);
        const c = randomArray(ctor, 3 + m * ldc, random);
        const expected = new ctor(c);
        gemm(transA, false, m, n, k, -0.5, a, 1, lda, b, 2, ldb, 1, expected, 3, ldc);
        gemmSparseA(transA, m, n, k, -0.5, a, 1, lda, b, 2, ldb, c, 3, ldc);
        expect(maxRelativeError(c, expected), `m=${m} n=${n} k=${k}`).toBeLessThan(1e-5);
      }
    }
  });
});
