import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCells, listRules, registerCell, registerRule } from '@snn/core';
import { lif } from '@snn/lif';
import { bptt } from '@snn/bptt';
import { tbptt } from '@snn/tbptt';
import { eprop } from '@snn/eprop';
import { hypr } from '@snn/hypr';
import { hyprTbptt } from '@snn/hypr-tbptt';
import { runGradientVectorFile } from '@snn/testing';
import { cubaLif } from './index';

for (const c of [lif, cubaLif]) if (!listCells().includes(c.name)) registerCell(c);
for (const r of [bptt, tbptt, eprop, hypr, hyprTbptt]) if (!listRules().includes(r.name)) registerRule(r);

// The reset-variant vectors of lif and cuba-lif (vectors.md, "Reset variants of LIF, and the current-based LIF").
const cells = resolve(process.env.SNN_VECTORS ?? resolve(__dirname, '../../../../shared/vectors'), 'cells');
const files = existsSync(cells)
  ? readdirSync(cells)
      .filter((f) => /^(stack-)?(cuba-)?lif-.*\.json$/.test(f))
      .map((f) => join(cells, f))
  : [];

describe.skipIf(files.length === 0)('reset-variant and cuba-lif gradient vectors, every rule', () => {
  it('finds both cells among the vectors', () => {
    expect(files.some((f) => f.includes('/cuba-lif-'))).toBe(true);
    expect(files.some((f) => f.includes('/lif-'))).toBe(true);
  });
  it.each(files.flatMap((f) => [[f, 'float32'] as const, [f, 'float64'] as const]))('%s in %s', (file, dtype) => {
    const r = runGradientVectorFile(file, { dtype });
    expect(r.message ?? '').toBe('');
    expect(r.status).toBe('pass');
    expect(r.worst!.relativeError).toBeLessThan(dtype === 'float64' ? 1e-8 : 1e-3);
  });
});
