import { describe, expect, it } from 'vitest';
import { gemm, gemmSparseA } from '@snn/tensor';
import { createGpuJsComputeOps } from './ops';
import { maxRelativeError, randomArray, seededRandom } from './test-helpers';

describe('createGpuJsComputeOps', () => {
  it('computes dense and spike products on gpu.js that equal the reference kernels', () => {
    const ops = createGpuJsComputeOps({ mode: 'cpu' });
    const random = seededRandom(5);
    const [m, n, k] = [6, 13, 9];
    for (const [transA, transB] of [[false, false], [true, false], [false, true]] as const) {
      const a = randomArray(Float32Array, m * k, random), b = randomArray(Float32Array, k * n, random);
      const c = randomArray(Float32Array, m * n, random), expected = c.slice();
      const lda = transA ? m : k, ldb = transB ? k : n;
      gemm(transA, transB, m, n, k, 0.5, a, 0, lda, b, 0, ldb, 1, expected, 0, n);
      ops.gemm(transA, transB, m, n, k, 0.5, a, 0, lda, b, 0, ldb, 1, c, 0, n);
      expect(maxRelativeError(c, expected)).toBeLessThan(1e-5);
    }
    const spikes = randomArray(Float32Array, m * k, random, 0.2).map((v) => (v !== 0 ? 1 : 0));
    const b = randomArray(Float32Array, k * n, random);
    const c = randomArray(Float32Array, m * n, random), expected = c.slice();
    gemmSparseA(false, m, n, k, 2, spikes, 0, k, b, 0, n, expected, 0, n);
    ops.gemmSparseA(false, m, n, k, 2, spikes, 0, k, b, 0, n, c, 0, n);
    expect(maxRelativeError(c, expected)).toBeLessThan(1e-5);
    expect(ops.dispatches).toBe(4);
    expect(ops.name).toBe('gpujs-cpu');
    expect(ops.executedMode).toBe('cpu');
    ops.dispose();
  });

  it('sends products below minVolume to the reference kernel', () => {
    const ops = createGpuJsComputeOps({ mode: 'cpu', minVolume: 1000 });
    const c = new Float32Array(4);
    ops.gemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 0, 2, new Float32Array([1, 0, 0, 1]), 0, 2, 0, c, 0, 2);
    expect([...c]).toEqual([1, 2, 3, 4]);
    expect(ops.dispatches).toBe(0);
  });
});
