import { describe, expect, it } from 'vitest';
import { createNetwork, listCells, listRules, registerCell, registerRule } from '@snn/core';
import { lif } from '@snn/lif';
import { bptt } from '@snn/bptt';
import { ostl } from '@snn/ostl';
import { otpeRules } from '@snn/otpe';
import { alignmentGroupOf, ruleAlignment } from './index';

if (!listCells().includes('lif')) registerCell(lif);
for (const r of [bptt, ostl, ...otpeRules]) if (!listRules().includes(r.name)) registerRule(r);

const net = (alpha: number) =>
  createNetwork(
    {
      inputs: 4,
      outputs: 3,
      layers: [6, 5, 3].map((neurons) => ({ cell: 'lif', neurons, recurrent: false, cellOptions: { alpha, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 25 } } })),
      output: { kind: 'spikes' },
    },
    { dtype: 'float64', seed: 4, init: { inputScale: 3 } },
  );
const batches = [0, 1].map((k) => ({
  x: new Float64Array(2 * 20 * 4).map((_, i) => (Math.sin(1.9 * i + k) > 0.3 ? 1 : 0)),
  batch: 2,
  steps: 20,
  targets: Int32Array.from([k, 2]),
}));

describe('ruleAlignment', () => {
  it('groups hidden layers and names the output layer', () => {
    const g = alignmentGroupOf(net(0.9));
    expect(['l0.W_in', 'l1.b', 'l2.W_in'].map(g)).toEqual(['layer0', 'layer1', 'output']);
  });
  it('is 1 everywhere where the rule is exact (memoryless layers), and 1 at the output layer of OSTL and OTPE', () => {
    const [o] = ruleAlignment(net(0), ['otpe'], batches);
    for (const v of [...Object.values(o!.groups), o!.model]) expect(v).toBeCloseTo(1, 10);
    const res = ruleAlignment(net(0.9), ['ostl', 'otpe', 'approx-otpe'], batches);
    expect(Object.keys(res[0]!.groups)).toEqual(['layer0', 'layer1', 'output']);
    expect(res[0]!.groups.output).toBeCloseTo(1, 10);
    expect(res[1]!.groups.output).toBeCloseTo(1, 10);
    expect(res[2]!.groups.output).toBeLessThan(1 - 1e-6);
    expect(res[0]!.evaluations).toBe(2);
  });
});
