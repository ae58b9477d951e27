import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCellJacobians } from '@snn/testing';
import { describeCellConformance } from '@snn/testing/vitest';
import { alif, alifDefaults, createAlif } from './index';


// Capabilities as declared, Jacobians against the VJP, finite differences when smooth, the learner
// contract under every workspace rule that can train alif, and every vector naming alif.
await describeCellConformance(alif, { vectors: { fixtures: [resolve(__dirname, '__fixtures__')] } });

type Cell = ReturnType<typeof createAlif>;
const run = (cell: Cell, currents: number[]) => {
  let s = new Float64Array(2);
  let z = new Float64Array(1);
  const trace: number[][] = [];
  for (const I of currents) {
    const state = new Float64Array(2);
    const output = new Float64Array(1);
    cell.step({ batch: 1, inputCurrent: Float64Array.of(I), recurrentCurrent: null, prevState: s, prevOutput: z, state, output, tape: new Float64Array(0), params: {} });
    trace.push([...state, ...output]);
    s = state;
    z = output;
  }
  return trace;
};

describe('alif step', () => {
  it('resets outside the leak, adapts on its own spikes and raises the threshold', () => {
    const cell = createAlif(1, { alpha: 0.5, rho: 0.5, beta: 1, theta: 1 });
    // t1: u = 2 > 1 (spike). t2: a = 1, A = 2, u = 1 + 1.5 - 1 = 1.5 (no spike). t3: a = 0.5, A = 1.5, u = 0.75 + 1 = 1.75 (spike).
    expect(run(cell, [2, 1.5, 1])).toEqual([
      [2, 0, 1],
      [1.5, 1, 0],
      [1.75, 0.5, 1],
    ]);
  });
  it('does not spike exactly at the threshold (H(0) = 0)', () => {
    expect(run(createAlif(1, { alpha: 0.5, rho: 0.5, beta: 1, theta: 1 }), [1])).toEqual([[1, 0, 0]]);
  });
});

describe('alif conformance', () => {
  it('per-neuron Jacobians (with the reset and adaptation paths through z_{t-1}) agree with the VJP', () => {
    const r = checkCellJacobians(createAlif(5, { alpha: 0.8, rho: 0.9, beta: 0.7, theta: 0.5 }), { currentScale: 1 });
    expect(r.ok).toBe(true);
  });
  it('with the default options and another surrogate', () => {
    expect(checkCellJacobians(createAlif(5)).ok).toBe(true);
    expect(checkCellJacobians(createAlif(4, { surrogate: { name: 'arctan' } }), { seed: 9 }).ok).toBe(true);
  });
  it('has the capabilities its registry entry claims', () => {
    const cell = alif.create(3);
    expect(cell.capabilities).toEqual(alif.capabilities);
    expect(cell.stateSize).toBe(2);
    expect(cell.stateNames).toEqual(['membrane', 'adaptation']);
  });
});

describe('alif options', () => {
  it('uses the e-prop tutorial defaults', () => {
    expect(createAlif(2).options).toEqual(alifDefaults);
    expect(alifDefaults.alpha).toBeCloseTo(Math.exp(-1 / 20), 15);
    expect(alifDefaults.theta).toBe(0.6);
  });
  it('rejects unknown options, listing the valid ones', () => {
    expect(() => createAlif(3, { tau: 20 } as never)).toThrow(/alif option "tau".*alpha, rho, beta, theta, surrogate/);
  });
  it('rejects constants out of range', () => {
    expect(() => createAlif(3, { alpha: 1.2 })).toThrow(/alif alpha/);
    expect(() => createAlif(3, { rho: -0.1 })).toThrow(/alif rho/);
    expect(() => createAlif(3, { beta: -1 })).toThrow(/alif beta/);
    expect(() => createAlif(3, { beta: Number.NaN })).toThrow(/alif beta/);
    expect(() => createAlif(3, { theta: 0 })).toThrow(/alif theta/);
    expect(() => createAlif(0)).toThrow(/positive integer/);
  });
  it('rejects an unknown surrogate by name', () => {
    expect(() => createAlif(3, { surrogate: 'nope' })).toThrow(/unknown surrogate "nope"/);
  });
});
