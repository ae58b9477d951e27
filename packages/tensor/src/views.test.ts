import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeError, UnknownNameError } from '@snn/errors';
import { batchView, gradientViews, parameterView, parameterViews, sampleView, sequencesView, viewOf } from './views';

describe('zero-copy ndarray views', () => {
  it('viewOf is row-major over the array from an offset, and writes go through', () => {
    const data = new Float32Array([0, 1, 2, 3, 4, 5, 6]);
    const v = viewOf(data, [2, 3], 1);
    expect(v.get(1, 2)).toBe(6);
    expect(v.data).toBe(data);
    v.set(0, 0, 10);
    expect(data[1]).toBe(10);
    expect(v.transpose(1, 0).get(2, 1)).toBe(6);
    expect(() => viewOf(data, [2, 4])).toThrow(ShapeError);
    expect(() => viewOf(data, [2, -1])).toThrow(InvalidArgumentError);
    expect(() => viewOf([1, 2] as unknown as Float32Array, [2])).toThrow(InvalidArgumentError);
  });

  it('parameters and gradients take the parameter shapes, by name', () => {
    const params = [
      { name: 'W_in', shape: [2, 3], data: new Float64Array([1, 2, 3, 4, 5, 6]) },
      { name: 'b', shape: [2], data: new Float64Array([7, 8]) },
    ];
    const views = parameterViews(params);
    expect(views.get('W_in')!.get(1, 0)).toBe(4);
    expect(views.get('W_in')!.data).toBe(params[0]!.data);
    const grads = gradientViews(new Map([['b', new Float64Array([0.5, -1])]]), params);
    expect(grads.get('b')!.shape).toEqual([2]);
    expect(grads.get('b')!.get(1)).toBe(-1);
    expect(() => gradientViews(new Map([['nope', new Float64Array(1)]]), params)).toThrow(UnknownNameError);
    expect(() => gradientViews(new Map([['b', new Float64Array(3)]]), params)).toThrow(ShapeError);
    expect(() => parameterView({ name: 'x', shape: [3], data: new Float64Array(2) })).toThrow(ShapeError);
  });

  it('datasets, batches and samples are [N, T, I], [B, T, I] and [T, I] over the same memory', () => {
    const x = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const data = { size: 2, steps: 3, inputs: 4, x };
    expect(sequencesView(data).get(1, 2, 3)).toBe(23);
    const sample = sampleView(data, 1);
    expect(sample.shape).toEqual([3, 4]);
    expect(sample.get(0, 0)).toBe(12);
    sample.set(0, 0, -1);
    expect(x[12]).toBe(-1);
    expect(batchView({ size: 2, x }, data).get(0, 1, 2)).toBe(6);
    expect(() => batchView({ size: 3, x }, data)).toThrow(ShapeError);
    expect(() => sampleView(data, 2)).toThrow(InvalidArgumentError);
  });
});
