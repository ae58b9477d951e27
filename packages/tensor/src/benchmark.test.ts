import { describe, expect, it } from 'vitest';
import { UnknownNameError } from '@snn/errors';
import { benchmarkGemm } from './benchmark';

describe('benchmarkGemm', () => {
  it('reports one row per backend path and size (no timing assertions)', async () => {
    const rows = await benchmarkGemm({ sizes: [8, 16], minMillis: 1 });
    const labels = new Set(rows.map((r) => r.backend));
    for (const label of ['reference', 'wasm-simd']) expect(labels).toContain(label);
    expect(rows).toHaveLength(labels.size * 2);
    for (const row of rows) {
      expect([8, 16]).toContain(row.size);
      expect(row.msPerCall).toBeGreaterThan(0);
      expect(row.gflops).toBeCloseTo((2 * row.size ** 3) / (row.msPerCall * 1e6), 6);
    }
  });

  it('honours the backend filter and rejects unknown names', async () => {
    const rows = await benchmarkGemm({ sizes: [4], backends: ['reference'], minMillis: 0 });
    expect(rows.map((r) => r.backend)).toEqual(['reference']);
    await expect(benchmarkGemm({ sizes: [4], backends: ['nope'] })).rejects.toThrow(UnknownNameError);
  });
});
