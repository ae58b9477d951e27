import { describe, expect, it } from 'vitest';
import { benchmarkSimd } from './benchmark';

describe('benchmarkSimd', () => {
  it('reports positive throughputs for every shape (timings are not asserted)', () => {
    const result = benchmarkSimd({ minTimeMs: 5, shapes: [[4, 8, 16], [9, 17, 5]], scatterCount: 20, scatterN: 33 });
    expect(result).not.toBeNull();
    expect(result!.gemm.map((g) => [g.m, g.n, g.k])).toEqual([[4, 8, 16], [9, 17, 5]]);
    for (const g of result!.gemm) {
      expect(g.simdGflops).toBeGreaterThan(0);
      expect(g.jsGflops).toBeGreaterThan(0);
    }
    expect(result!.scatterAxpy).toMatchObject({ count: 20, n: 33 });
    expect(result!.scatterAxpy.simdGmacs).toBeGreaterThan(0);
    expect(benchmarkSimd({ minTimeMs: 5, shapes: [[2, 2, 2]], includeJs: false })!.gemm[0].jsGflops).toBeNull();
  });
});
