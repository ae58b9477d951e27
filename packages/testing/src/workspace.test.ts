import { describe, expect, it } from 'vitest';
import { listCells, listRules } from '@snn/core';
import { ConformanceFailure, discoverParts, listWorkspaceParts, planCellConformance, smoothTestCell, type ConformancePlan } from './index';

const runAll = (plan: ConformancePlan) => {
  const failures: string[] = [];
  let ran = 0;
  for (const g of plan.groups) {
    for (const c of g.cases) {
      if (c.skip) continue;
      ran++;
      try {
        c.run();
      } catch (e) {
        if (!(e instanceof ConformanceFailure)) throw e;
        failures.push(`${g.name} / ${c.name}: ${e.message}`);
      }
    }
  }
  return { ran, failures };
};

describe('workspace discovery', () => {
  it('finds the cells and rules that workspace packages declare in package.json', async () => {
    const declared = listWorkspaceParts();
    expect(declared.find((p) => p.package === '@snn/lif')?.cells).toEqual(['lif']);
    expect(declared.find((p) => p.package === '@snn/bptt')?.rules).toEqual(['bptt']);
    const parts = await discoverParts();
    expect(parts.problems).toEqual([]);
    expect(parts.cells.map((c) => c.name)).toEqual(expect.arrayContaining(['lif', 'alif', 'brf', 'se-adlif', 'lstm', 'gru', 'cuba-lif']));
    expect(parts.rules.map((r) => r.name)).toEqual(expect.arrayContaining(['bptt', 'tbptt', 'eprop', 'hypr', 'hypr-tbptt', 'rtrl', 'ostl', 'ottt', 'otpe']));
  });
  it('a cell plan pairs the cell with every discovered rule', async () => {
    const plan = await planCellConformance(smoothTestCell, { vectors: false });
    const pairings = plan.groups.find((g) => g.name.startsWith('trained by'))!.cases;
    expect(pairings.map((c) => c.name.split(':')[0])).toEqual(expect.arrayContaining(['bptt', 'eprop', 'hypr', 'rtrl', 'tbptt']));
    expect(listCells()).toContain('lif');
    expect(listRules()).toContain('bptt');
    const r = runAll(plan);
    expect(r.failures).toEqual([]);
    expect(r.ran).toBeGreaterThan(8);
  });
});
