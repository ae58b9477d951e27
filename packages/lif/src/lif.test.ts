import { describe, expect, it } from 'vitest';
import { describeCellConformance } from '@snn/testing/vitest';
import { createLif, lif } from './index';

// Jacobians against the VJP for every reset variant and a second surrogate, the learner contract under
// every workspace rule that can train LIF, and every vector naming lif (any rule, any folder).
const resets = ['subtract', 'subtract-after-decay', 'zero', 'none'] as const;
await describeCellConformance(lif, {
  variants: [
    ...resets.flatMap((reset) => [false, true].map((detachReset) => ({ name: `reset ${reset}${detachReset ? ', detached' : ''}`, options: { alpha: 0.8, theta: 0.7, reset, detachReset } }))),
    { name: 'arctan surrogate', options: { surrogate: { name: 'arctan' } } },
  ],
});

const run = (cell: ReturnType<typeof createLif>, currents: number[][]) => {
  const H = cell.neurons;
  let u = new Float64Array(H);
  let z = new Float64Array(H);
  const trace: number[][] = [];
  for (const I of currents) {
    const state = new Float64Array(H);
    const output = new Float64Array(H);
    cell.step({ batch: 1, inputCurrent: Float64Array.from(I), recurrentCurrent: null, prevState: u, prevOutput: z, state, output, tape: new Float64Array(0), params: {} });
    trace.push([...state, ...output]);
    u = state;
    z = output;
  }
  return trace;
};

describe('lif step', () => {
  it('integrates, spikes strictly above threshold and resets inside the leak', () => {
    const cell = createLif(1, { alpha: 0.5, theta: 1 });
    // u1 = 1 (not > theta: no spike), u2 = 0.5 + 1.5 = 2 (spike), u3 = 0.5 (2 - 1) + 0 = 0.5.
    expect(run(cell, [[1], [1.5], [0]])).toEqual([
      [1, 0],
      [2, 1],
      [0.5, 0],
    ]);
  });
});

describe('lif reset variants', () => {
  // u1 = 2 (spike); then step 2 with I = 0.25 applies the reset of z_1 = 1.
  const second = (reset: 'subtract' | 'subtract-after-decay' | 'zero' | 'none') =>
    run(createLif(1, { alpha: 0.5, theta: 1, reset }), [[2], [0.25]])[1]![0];
  it('subtract resets inside the leak: 0.5 (2 - 1) + 0.25', () => expect(second('subtract')).toBe(0.75));
  it('subtract-after-decay: 0.5 * 2 + 0.25 - 1', () => expect(second('subtract-after-decay')).toBe(0.25));
  it('zero clears the carried membrane but keeps the drive', () => expect(second('zero')).toBe(0.25));
  it('none does not reset', () => expect(second('none')).toBe(1.25));
  it('detachReset changes no forward value', () => {
    const a = run(createLif(1, { alpha: 0.5, reset: 'zero', detachReset: true }), [[2], [0.25], [3]]);
    const b = run(createLif(1, { alpha: 0.5, reset: 'zero' }), [[2], [0.25], [3]]);
    expect(a).toEqual(b);
  });
  it('rejects an unknown reset and a non-boolean detachReset', () => {
    expect(() => createLif(3, { reset: 'hard' as never })).toThrow(/lif reset.*"subtract", "subtract-after-decay", "zero", "none".*"hard"/);
    expect(() => createLif(3, { detachReset: 'yes' as never })).toThrow(/lif detachReset.*boolean/);
  });
});

describe('lif options', () => {
  it('rejects unknown options, listing the valid ones', () => {
    expect(() => createLif(3, { tau: 20 } as never)).toThrow(/lif option "tau".*alpha, theta, reset, detachReset, surrogate/);
  });
  it('rejects alpha outside [0, 1] and non-positive thresholds', () => {
    expect(() => createLif(3, { alpha: 1.2 })).toThrow(/alpha/);
    expect(() => createLif(3, { theta: 0 })).toThrow(/theta/);
    expect(() => createLif(0)).toThrow(/positive integer/);
  });
  it('rejects an unknown surrogate by name', () => {
    expect(() => createLif(3, { surrogate: 'nope' })).toThrow(/unknown surrogate "nope"/);
  });
});
