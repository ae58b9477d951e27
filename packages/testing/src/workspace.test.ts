import { describe, expect, it } from 'vitest';
import { createLearner, listCells, listRules, type Network, type RuleDefinition } from '@snn/core';
import { ConformanceFailure, discoverParts, listWorkspaceParts, planCellConformance, planRuleConformance, shapes, smoothTestCell, type ConformancePlan } from './index';

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

describe('the kit against a real rule with a broken gradient path', () => {
  it('fails on every cell: BPTT with its W_rec gradient off by 0.1% breaks both the identity and finite differences', async () => {
    // A wrapper around the workspace's BPTT (found by discovery) that scales one gradient.
    const broken: RuleDefinition<Network> = {
      kind: 'rule',
      specificationVersion: 'v1',
      name: 'broken-bptt',
      description: 'BPTT with a wrong W_rec gradient (test only)',
      requires: { capabilities: ['vjp'] },
      cadence: 'sequence',
      create: (network, sink) =>
        createLearner('bptt', network, (g, e) => {
          const w = g.get('W_rec');
          if (w) for (let i = 0; i < w.length; i++) w[i] = w[i]! * 1.001;
          sink(g, e);
        }),
    };
    const plan = await planRuleConformance(broken, { vectors: false, exact: { shapes: [shapes.recurrent()] }, shapes: [], identities: [{ name: 'equals BPTT', reference: 'bptt' }] });
    const r = runAll(plan);
    const cells = plan.groups.filter((g) => g.name.startsWith('cell ') && g.cases.some((c) => !c.skip)).map((g) => g.name.split(' ')[1]);
    expect(cells).toEqual(expect.arrayContaining(['lif', 'lstm', 'gru', 'smooth-test']));
    for (const cell of cells) expect(r.failures.some((f) => f.startsWith(`cell ${cell} `) && /equals BPTT.*W_rec: relative error/.test(f)), cell).toBe(true);
    // Finite differences catch it on the smooth cells too.
    expect(r.failures.filter((f) => /finite differences.*W_rec/.test(f)).length).toBeGreaterThanOrEqual(3);
  });
});
