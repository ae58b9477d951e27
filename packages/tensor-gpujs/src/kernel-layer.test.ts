import { describe, expect, it } from 'vitest';
import { createKernels, gemm, gemmSparseA } from '@snn/tensor';
import { gpuJsDispatches } from './index';
import { maxRelativeError, randomArray, seededRandom } from './test-helpers';

describe('the gpu.js backends in the kernel layer (what rules run on)', () => {
  it('createKernels takes gemm and gemmSparseA from gpu.js, the rest from the reference, and they agree', () => {
    const kernels = createKernels('float32', { backend: 'gpujs-cpu' });
    expect(kernels.name).toBe('gpujs-cpu');
    expect(kernels.backends.gemm).toBe('gpujs-cpu');
    expect(kernels.backends.gemmSparseA).toBe('gpujs-cpu');
    expect(kernels.backends.blockCarry).toBe('reference');
    const random = seededRandom(5);
    const [m, n, k] = [6, 13, 9];
    const before = gpuJsDispatches['gpujs-cpu']!;
    for (const [transA, transB] of [[false, false], [true, false], [false, true]] as const) {
      const a = randomArray(Float32Array, m * k, random), b = randomArray(Float32Array, k * n, random);
      const c = randomArray(Float32Array, m * n, random), expected = c.slice();
      const lda = transA ? m : k, ldb = transB ? k : n;
      gemm(transA, transB, m, n, k, 0.5, a, 0, lda, b, 0, ldb, 1, expected, 0, n);
      kernels.gemm(transA, transB, m, n, k, 0.5, a, 0, lda, b, 0, ldb, 1, c, 0, n);
      expect(maxRelativeError(c, expected)).toBeLessThan(1e-5);
    }
    const spikes = randomArray(Float32Array, m * k, random, 0.2).map((v) => (v !== 0 ? 1 : 0));
    const b = randomArray(Float32Array, k * n, random);
    const c = randomArray(Float32Array, m * n, random), expected = c.slice();
    gemmSparseA(false, m, n, k, 2, spikes, 0, k, b, 0, n, expected, 0, n);
    kernels.gemmSparseA(false, m, n, k, 2, spikes, 0, k, b, 0, n, c, 0, n);
    expect(maxRelativeError(c, expected)).toBeLessThan(1e-5);
    expect(gpuJsDispatches['gpujs-cpu']! - before).toBe(4);
  });

  it('float64 kernel sets stay on the reference kernels', () => {
    const kernels = createKernels('float64', { backend: 'gpujs-cpu' });
    expect(kernels.backends.gemm).toBe('reference');
  });
});
