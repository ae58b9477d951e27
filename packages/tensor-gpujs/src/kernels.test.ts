import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnsupportedError } from '@snn/errors';
import { gemm } from '@snn/tensor';
import { GpuJsKernels } from './kernels';
import { maxRelativeError, randomArray, seededRandom } from './test-helpers';

// gpu.js cpu mode runs the very kernel sources the browser compiles to WebGL2 shaders.
const kernels = new GpuJsKernels({ mode: 'cpu' });
afterAll(() => kernels.dispose());

const f32 = (length: number, random: () => number, density = 1) => randomArray(Float32Array, length, random, density) as Float32Array;

/** Reference trace: xbar_t = alpha xbar_{t-1} + x_t, accumulated in float64. */
function referenceScan(steps: number, width: number, alpha: number, x: Float32Array): Float64Array {
  const out = new Float64Array(steps * width);
  for (let t = 0; t < steps; t++) {
    for (let c = 0; c < width; c++) out[t * width + c] = (t > 0 ? alpha * out[(t - 1) * width + c] : 0) + x[t * width + c];
  }
  return out;
}

describe('gpu.js training kernels equal the reference kernels (float32 tolerance)', () => {
  it('defaults to cpu mode in Node (no WebGL2 here) and runs in the mode asked for', () => {
    const fallback = new GpuJsKernels();
    expect(fallback.mode).toBe('cpu');
    fallback.dispose();
    kernels.projectSegment(1, 1, 1, new Float32Array([2]), new Float32Array([3]), new Float32Array([1]));
    expect(kernels.executedMode).toBe('cpu');
  });

  it.each([[1, 1, 1], [7, 5, 3], [40, 17, 33], [96, 20, 64]])('projectSegment rows=%i k=%i n=%i equals gemm + bias', (rows, k, n) => {
    const random = seededRandom(rows * 31 + n);
    // Spike inputs (sparse 0/1) as the page feeds them, and dense values.
    const x = f32(rows * k, random, 0.3).map((v) => (v !== 0 ? 1 : 0));
    const wT = f32(k * n, random), bias = f32(n, random);
    const expected = new Float32Array(rows * n);
    for (let r = 0; r < rows; r++) expected.set(bias, r * n);
    gemm(false, false, rows, n, k, 1, x, 0, k, wT, 0, n, 1, expected, 0, n);
    expect(maxRelativeError(kernels.projectSegment(rows, k, n, x, wT, bias), expected)).toBeLessThan(1e-5);
    const dense = f32(rows * k, random);
    const expectedDense = new Float32Array(rows * n);
    for (let r = 0; r < rows; r++) expectedDense.set(bias, r * n);
    gemm(false, false, rows, n, k, 1, dense, 0, k, wT, 0, n, 1, expectedDense, 0, n);
    expect(maxRelativeError(kernels.projectSegment(rows, k, n, dense, wT, bias), expectedDense)).toBeLessThan(1e-5);
  });

  it.each([[1, 1, 1], [4, 9, 5], [16, 64, 48]])('backwardProduct batch=%i k=%i n=%i equals gemm(delta, W)', (batch, k, n) => {
    const random = seededRandom(batch + 7 * k);
    const delta = f32(batch * k, random), w = f32(k * n, random);
    const expected = new Float32Array(batch * n);
    gemm(false, false, batch, n, k, 1, delta, 0, k, w, 0, n, 0, expected, 0, n);
    expect(maxRelativeError(kernels.backwardProduct(batch, k, n, delta, w), expected)).toBeLessThan(1e-5);
  });

  it.each([[1, 1, 0.9], [12, 7, 0.95], [50, 24, 0.8], [30, 5, 0]])('traceScan steps=%i width=%i alpha=%f equals the recurrence', (steps, width, alpha) => {
    const random = seededRandom(steps + width);
    const x = f32(steps * width, random, 0.4);
    expect(maxRelativeError(kernels.traceScan(steps, width, alpha, x), referenceScan(steps, width, alpha, x))).toBeLessThan(1e-5);
  });

  it.each([[1, 1, 1], [33, 6, 11], [120, 16, 40]])('eligibilityGradient rows=%i m=%i n=%i equals gemm(signal^T, xbar)', (rows, m, n) => {
    const random = seededRandom(rows + m + n);
    const signal = f32(rows * m, random), xbar = f32(rows * n, random);
    const expected = new Float32Array(m * n);
    gemm(true, false, m, n, rows, 1, signal, 0, m, xbar, 0, n, 0, expected, 0, n);
    expect(maxRelativeError(kernels.eligibilityGradient(rows, m, n, signal, xbar), expected)).toBeLessThan(1e-5);
  });

  it('segmentGradient (trace kept in the pipeline) equals scan then signal^T xbar on the reference kernels', () => {
    const [steps, batch, inputs, hidden, alpha] = [25, 3, 10, 8, 0.9];
    const random = seededRandom(11);
    const x = f32(steps * batch * inputs, random, 0.3);
    const signal = f32(steps * batch * hidden, random);
    const xbar = Float32Array.from(referenceScan(steps, batch * inputs, alpha, x));
    const expected = new Float32Array(hidden * inputs);
    gemm(true, false, hidden, inputs, steps * batch, 1, signal, 0, hidden, xbar, 0, inputs, 0, expected, 0, inputs);
    expect(maxRelativeError(kernels.segmentGradient(steps, batch, inputs, hidden, alpha, x, signal), expected)).toBeLessThan(1e-5);
    // cpu mode has no textures; on WebGL2 the browser test asserts the trace stayed resident.
    expect(kernels.lastTraceResident).toBe(false);
  });

  it('rejects wrong lengths, float64 operands, bad shapes and unavailable modes with typed errors', () => {
    expect(() => kernels.projectSegment(2, 2, 2, new Float32Array(3), new Float32Array(4), new Float32Array(2))).toThrow(/x: must hold 4 values/);
    expect(() => kernels.backwardProduct(1, 2, 2, new Float64Array(2) as unknown as Float32Array, new Float32Array(4))).toThrow(InvalidArgumentError);
    expect(() => kernels.traceScan(0, 2, 0.5, new Float32Array(0))).toThrow(/steps: must be a positive integer/);
    expect(() => kernels.traceScan(1, 1, NaN, new Float32Array(1))).toThrow(/alpha/);
    expect(() => new GpuJsKernels({ mode: 'webgl2' })).toThrow(UnsupportedError);
  });
});
