import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeError, UnknownNameError } from '@snn/errors';
import { fromArray, isContiguous, matmul, toContiguous, zeros, type Tensor } from './tensor';
import { maxRelativeError, randomArray, seededRandom } from './test-helpers';

/** A flat row-major copy of `t`'s elements. */
const toTypedArray = (t: Tensor) => toContiguous(t).data.slice();

function randomTensor(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  return fromArray(randomArray(dtype === 'float64' ? Float64Array : Float32Array, size, seededRandom(seed)), shape);
}

/** Naive batched product on contiguous copies, the ground truth for matmul. */
function naiveMatmul(a: Tensor, b: Tensor, transA = false, transB = false): Float64Array {
  const A = toContiguous(a), B = toContiguous(b);
  const ra = A.shape.length, rb = B.shape.length;
  const m = transA ? A.shape[ra - 1] : A.shape[ra - 2];
  const k = transA ? A.shape[ra - 2] : A.shape[ra - 1];
  const n = transB ? B.shape[rb - 2] : B.shape[rb - 1];
  const batchA = A.size / (m * k), batchB = B.size / (k * n);
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ao = (batchA === 1 ? 0 : t) * m * k, bo = (batchB === 1 ? 0 : t) * k * n;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        s += A.data[ao + (transA ? p * m + i : i * k + p)] * B.data[bo + (transB ? j * k + p : p * n + j)];
      }
      out[t * m * n + i * n + j] = s;
    }
  }
  return out;
}

describe('creation and views', () => {
  it('zeros and fromArray produce row-major tensors of the requested dtype', () => {
    expect(zeros([2, 3]).data).toBeInstanceOf(Float32Array);
    expect(zeros([2, 3], 'float64').data).toBeInstanceOf(Float64Array);
    const wrapped = new Float64Array([1, 2, 3, 4, 5, 6]);
    const t = fromArray(wrapped, [2, 3]);
    expect(t.data).toBe(wrapped);
    expect(t.get(1, 2)).toBe(6);
    expect(fromArray([1, 2, 3]).data).toBeInstanceOf(Float32Array);
    expect(fromArray(wrapped, [6], 'float32').data).toBeInstanceOf(Float32Array);
  });

  it('slices and transposes share memory; toContiguous copies only when needed', () => {
    const t = fromArray(Float64Array.from({ length: 24 }, (_, i) => i), [4, 6]);
    const view = t.transpose(1, 0).lo(1, 1).hi(3, 2);
    expect(view.data).toBe(t.data);
    expect(view.get(0, 0)).toBe(t.get(1, 1));
    expect(isContiguous(view)).toBe(false);
    const dense = toContiguous(view);
    expect(dense.data).not.toBe(t.data);
    expect(Array.from(dense.data)).toEqual([7, 13, 8, 14, 9, 15]);
    expect(toContiguous(t)).toBe(t);
    expect(Array.from(toTypedArray(t.step(2, -1).pick(null, 0)))).toEqual([5, 17]);
  });

  it('rejects a data length that does not match the shape', () => {
    expect(() => fromArray([1, 2, 3], [2, 2])).toThrow(ShapeError);
    expect(() => fromArray([1, 2, 3], [2, 2])).toThrow(/data/);
    expect(() => zeros([2, -1])).toThrow(InvalidArgumentError);
  });
});

describe('matmul', () => {
  it.each([
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ])('matches a naive product (transA=%s, transB=%s), float32 and float64', (transA, transB) => {
    let seed = 1;
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [17, 33, 65], [32, 20, 40]]) {
        const a = randomTensor(transA ? [k, m] : [m, k], seed++, dtype);
        const b = randomTensor(transB ? [n, k] : [k, n], seed++, dtype);
        const c = matmul(a, b, { transA, transB });
        expect(c.shape).toEqual([m, n]);
        expect(c.data).toBeInstanceOf(dtype === 'float64' ? Float64Array : Float32Array);
        expect(maxRelativeError(toTypedArray(c), naiveMatmul(a, b, transA, transB))).toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-5);
      }
    }
  });

  it('gives the same result on transposed and sliced views as on contiguous copies', () => {
    const base = randomTensor([40, 50], 3);
    const other = randomTensor([60, 45], 4);
    const views: Array<[Tensor, Tensor]> = [
      [base.transpose(1, 0), other.hi(40, 7)], // [50,40] x [40,7]: column-major a
      [base.lo(3, 5).hi(20, 30), other.lo(10, 2).hi(30, 9)], // interior slices, padded strides
      [base.step(2, 1).hi(15, 45), other.step(1, 3).hi(45, 12)], // row steps, column steps (copied)
      [base.step(-1, 1).hi(8, 12), other.transpose(1, 0).step(1, -1).hi(12, 5)], // negative strides
      [base.hi(6, 45), other.transpose(1, 0).hi(45, 6)], // column-major b
    ];
    for (const [a, b] of views) {
      const got = matmul(a, b);
      const expected = matmul(toContiguous(a), toContiguous(b));
      expect(got.shape).toEqual(expected.shape);
      expect(maxRelativeError(toTypedArray(got), toTypedArray(expected))).toBeLessThan(1e-12);
      expect(maxRelativeError(toTypedArray(got), naiveMatmul(a, b))).toBeLessThan(1e-12);
    }
  });

  it('batches over leading axes with broadcasting and transposed batch views', () => {
    const a = randomTensor([2, 3, 4, 5], 10);
    const b = randomTensor([3, 5, 6], 11);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 3, 4, 6]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) {
      const expected = naiveMatmul(a.pick(i, j, null, null), b.pick(j, null, null));
      expect(maxRelativeError(toTypedArray(c.pick(i, j, null, null)), expected)).toBeLessThan(1e-12);
    }
    // Batch axis moved to the middle: still strided, no contiguity of the batch needed.
    const aView = randomTensor([4, 3, 5], 12).transpose(1, 0, 2); // [3,4,5]
    const shared = randomTensor([5, 2], 13);
    const d = matmul(aView, shared);
    const e = matmul(toContiguous(aView), shared);
    expect(maxRelativeError(toTypedArray(d), toTypedArray(e))).toBeLessThan(1e-12);
  });

  it('accumulates into out with alpha and beta, including a strided out', () => {
    const a = randomTensor([6, 4], 20), b = randomTensor([4, 5], 21);
    const product = naiveMatmul(a, b);
    const start = randomTensor([6, 5], 22);
    const out = fromArray(toTypedArray(start), [6, 5]); // a copy: toContiguous(start) would be start
    matmul(a, b, { alpha: 2, beta: 0.5, out });
    const expected = toTypedArray(start).map((v, i) => 2 * product[i] + 0.5 * v);
    expect(maxRelativeError(toTypedArray(out), expected)).toBeLessThan(1e-12);
    const columnMajor = zeros([5, 6], 'float64').transpose(1, 0);
    matmul(a, b, { out: columnMajor });
    expect(maxRelativeError(toTypedArray(columnMajor), product)).toBeLessThan(1e-12);
  });

  it('runs on a named backend and rejects unknown ones', () => {
    const a = randomTensor([9, 7], 30, 'float32'), b = randomTensor([7, 11], 31, 'float32');
    const viaSimd = matmul(a, b, { backend: 'wasm-simd' });
    expect(maxRelativeError(toTypedArray(viaSimd), naiveMatmul(a, b))).toBeLessThan(1e-5);
    expect(() => matmul(a, b, { backend: 'no-such-backend' })).toThrow(UnknownNameError);
  });

  it('throws ShapeError naming the argument on mismatched shapes', () => {
    const a = zeros([3, 4]);
    expect(() => matmul(a, zeros([5, 2]))).toThrow(ShapeError);
    expect(() => matmul(a, zeros([5, 2]))).toThrow(/^b has shape \[5, 2\]/);
    expect(() => matmul(zeros([4]), a)).toThrow(/^a has shape/);
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 2]))).toThrow(ShapeError);
    expect(() => matmul(a, zeros([4, 2]), { out: zeros([3, 3]) })).toThrow(/^out has shape/);
    expect(() => matmul(a, zeros([4, 2]), { beta: 1 })).toThrow(InvalidArgumentError);
  });
});
