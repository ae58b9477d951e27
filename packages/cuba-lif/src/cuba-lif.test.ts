import { describe, expect, it } from 'vitest';
import { describeCellConformance } from '@snn/testing/vitest';
import { createLif } from '@snn/lif';
import type { CellV1 } from '@snn/protocol';
import { createCubaLif, cubaLif } from './index';

// Jacobians against the VJP for every reset variant, the learner contract under every workspace rule
// that can train it, and every vector naming cuba-lif (vectors.md, "Reset variants of LIF, and the
// current-based LIF"; the lif variants run in @snn/lif's conformance).
const resets = ['subtract', 'subtract-after-decay', 'zero', 'none'] as const;
await describeCellConformance(cubaLif, {
  variants: resets.flatMap((reset) => [false, true].map((detachReset) => ({ name: `reset ${reset}${detachReset ? ', detached' : ''}`, options: { alphaSyn: 0.6, alpha: 0.8, theta: 0.7, reset, detachReset } }))),
  jacobians: [{ seed: 4 }],
});

const run = (cell: CellV1, currents: number[][]) => {
  const H = cell.neurons;
  const d = cell.stateSize;
  let s = new Float64Array(d * H);
  let z = new Float64Array(H);
  const trace: number[][] = [];
  for (const I of currents) {
    const state = new Float64Array(d * H);
    const output = new Float64Array(H);
    cell.step({ batch: 1, inputCurrent: Float64Array.from(I), recurrentCurrent: null, prevState: s, prevOutput: z, state, output, tape: new Float64Array(0), params: {} });
    trace.push([...state, ...output]);
    s = state;
    z = output;
  }
  return trace;
};

describe('cuba-lif step', () => {
  it('filters the input through the synaptic current, then integrates it', () => {
    // i1 = 1, u1 = 1 (no spike); i2 = 0.5 + 1 = 1.5, u2 = 0.5 + 1.5 = 2 (spike); i3 = 0.75, u3 = 0.5 (2 - 1) + 0.75.
    expect(run(createCubaLif(1, { alphaSyn: 0.5, alpha: 0.5, theta: 1 }), [[1], [1], [0]])).toEqual([
      [1, 1, 0],
      [1.5, 2, 1],
      [0.75, 1.25, 1],
    ]);
  });
  it('with alphaSyn = 0 is the LIF, for every reset', () => {
    const I = [[1.2], [0.7], [2.5], [-0.3], [1.9]];
    for (const reset of ['subtract', 'subtract-after-decay', 'zero', 'none'] as const) {
      const cuba = run(createCubaLif(1, { alphaSyn: 0, alpha: 0.7, reset }), I).map((r) => [r[1], r[2]]);
      const lif = run(createLif(1, { alpha: 0.7, reset }), I);
      expect(cuba).toEqual(lif);
    }
  });
});

describe('cuba-lif conformance', () => {
  it('has the capabilities its registry entry claims', () => {
    const cell = cubaLif.create(3);
    expect(cell.capabilities).toEqual(cubaLif.capabilities);
    expect(cell.stateSize).toBe(2);
  });
  it('rejects bad options with the valid choices', () => {
    expect(() => createCubaLif(3, { tau: 2 } as never)).toThrow(/cuba-lif option "tau"/);
    expect(() => createCubaLif(3, { alphaSyn: 1.5 })).toThrow(/alphaSyn/);
    expect(() => createCubaLif(3, { reset: 'hard' as never })).toThrow(/cuba-lif reset.*"zero"/);
    expect(() => createCubaLif(3, { detachReset: 1 as never })).toThrow(/detachReset.*boolean/);
  });
});
