import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNetwork } from '@snn/core';
import { checkCellJacobians } from '@snn/testing';
import { describeCellConformance } from '@snn/testing/vitest';
import { createSeAdlif, seAdlif, seAdlifDefaults } from './index';


// Capabilities as declared, Jacobians against the VJP, finite differences when smooth, the learner
// contract under every workspace rule that can train se-adlif, and every vector naming se-adlif.
await describeCellConformance(seAdlif, { vectors: { fixtures: [resolve(__dirname, '__fixtures__')] } });

const params = (alpha: number, beta: number, a: number, b: number) => ({
  alpha: Float64Array.of(alpha),
  beta: Float64Array.of(beta),
  adapt_a: Float64Array.of(a),
  adapt_b: Float64Array.of(b),
});
const run = (cell: ReturnType<typeof createSeAdlif>, p: ReturnType<typeof params>, currents: number[]) => {
  let s = new Float64Array(2);
  let z = new Float64Array(1);
  const trace: number[][] = [];
  for (const I of currents) {
    const state = new Float64Array(2);
    const output = new Float64Array(1);
    cell.step({ batch: 1, inputCurrent: Float64Array.of(I), recurrentCurrent: null, prevState: s, prevOutput: z, state, output, tape: new Float64Array(0), params: p });
    trace.push([...state, ...output]);
    s = state;
    z = output;
  }
  return trace;
};

describe('se-adlif step', () => {
  it('hard-resets to zero after a spike and adapts with the post-reset membrane and the spike', () => {
    const cell = createSeAdlif(1, { theta: 1, q: 2 });
    // alpha = beta = 0.5, adapt_a = 1, adapt_b = 0.5, q = 2.
    // t1: ut = 0.5 * 4 = 2 > 1, spike; u = 0; w = 0.5 * 2 * (0 + 0.5) = 0.5.
    // t2: ut = 0.5 * 0 + 0.5 * (1 - 0.5) = 0.25, no spike; w = 0.25 + 0.5 * 2 * 0.25 = 0.5.
    // t3: ut = 0.125 + 0.5 * (2 - 0.5) = 0.875 (not > 1); w = 0.25 + 0.875 = 1.125.
    expect(run(cell, params(0.5, 0.5, 1, 0.5), [4, 1, 2])).toEqual([
      [2, 0.5, 1],
      [0.25, 0.5, 0],
      [0.875, 1.125, 0],
    ]);
  });
});

describe('se-adlif conformance', () => {
  it('per-neuron Jacobians (J, D, C, P) agree with the VJP', () => {
    const r = checkCellJacobians(createSeAdlif(5), { currentScale: 3 });
    expect(r.ok).toBe(true);
  });
  it('with spikes in the previous step and another surrogate', () => {
    const r = checkCellJacobians(createSeAdlif(6, { q: 10, surrogate: { name: 'fast-sigmoid', slope: 5 } }), { seed: 4, currentScale: 6, batch: 4 });
    expect(r.ok).toBe(true);
  });
  it('has the capabilities its registry entry claims and four neuron parameters', () => {
    const cell = seAdlif.create(3);
    expect(cell.capabilities).toEqual(seAdlif.capabilities);
    expect(cell.stateSize).toBe(2);
    expect(cell.neuronParameters.map((p) => p.name)).toEqual(['alpha', 'beta', 'adapt_a', 'adapt_b']);
  });
  it('initialises the neuron parameters in the reference ranges', () => {
    let k = 0;
    const p = createSeAdlif(200).initNeuronParameters('float32', () => (k++ * 0.618) % 1);
    expect(p.alpha).toBeInstanceOf(Float32Array);
    const within = (a: ArrayLike<number>, lo: number, hi: number) => Array.from(a).every((v) => v >= lo && v <= hi);
    expect(within(p.alpha!, Math.exp(-1 / 5) - 1e-6, Math.exp(-1 / 25) + 1e-6)).toBe(true);
    expect(within(p.beta!, Math.exp(-1 / 60) - 1e-6, Math.exp(-1 / 300) + 1e-6)).toBe(true);
    expect(within(p.adapt_a!, 0, 1)).toBe(true);
    expect(within(p.adapt_b!, 0, 2)).toBe(true);
    expect(Math.max(...p.adapt_b!)).toBeGreaterThan(1.5);
  });
  it('a network made by name gets its neuron parameters initialised', () => {
    const net = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'se-adlif', neurons: 4 }] }, { seed: 3 });
    expect(net.parameters().map((p) => p.name)).toEqual(['W_in', 'W_rec', 'b', 'alpha', 'beta', 'adapt_a', 'adapt_b', 'W_out', 'b_out']);
    const alpha = net.parameters().find((p) => p.name === 'alpha')!.data;
    expect(Array.from(alpha).every((v) => v > 0.8 && v < 0.97)).toBe(true);
  });
});

describe('se-adlif options', () => {
  it('defaults to theta 1, q 120 and the SLAYER surrogate', () => {
    expect(createSeAdlif(2).options).toEqual(seAdlifDefaults);
    expect(seAdlifDefaults).toMatchObject({ theta: 1, q: 120, surrogate: { name: 'slayer-exp', alpha: 5, c: 0.4 } });
  });
  it('rejects unknown options, listing the valid ones', () => {
    expect(() => createSeAdlif(3, { alpha: 0.9 } as never)).toThrow(/se-adlif option "alpha".*theta, q, surrogate/);
  });
  it('rejects constants out of range', () => {
    expect(() => createSeAdlif(3, { theta: -1 })).toThrow(/se-adlif theta/);
    expect(() => createSeAdlif(3, { q: -1 })).toThrow(/se-adlif q/);
    expect(() => createSeAdlif(3, { q: Number.POSITIVE_INFINITY })).toThrow(/se-adlif q/);
    expect(() => createSeAdlif(1.5)).toThrow(/positive integer/);
  });
  it('rejects an unknown surrogate by name', () => {
    expect(() => createSeAdlif(3, { surrogate: 'nope' })).toThrow(/unknown surrogate "nope"/);
  });
});

describe('se-adlif constraints', () => {
  it('projects alpha, beta, adapt_a, adapt_b back into the reference ranges after an update', async () => {
    const { createAdam, createNetwork, listCells, registerCell } = await import('@snn/core');
    const { seAdlif } = await import('./index');
        const net = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'se-adlif', neurons: 3 }] }, { dtype: 'float64' });
    const adam = createAdam(net.parameters(), { learningRate: 10 }, () => net.markUpdated());
    const grads = new Map(net.parameters().map((p) => [p.name, new Float64Array(p.data.length).fill(-1)]));
    adam.step(grads); // pushes every parameter up by ~10
    const max = (name: string) => Math.max(...net.parameter(name).data);
    expect(max('alpha')).toBeCloseTo(Math.exp(-1 / 25), 12);
    expect(max('beta')).toBeCloseTo(Math.exp(-1 / 300), 12);
    expect(max('adapt_a')).toBe(1);
    expect(max('adapt_b')).toBe(2);
    // Explicitly set values are kept as given.
    net.setParameter('beta', [0.999, 0.999, 0.999]);
    expect(max('beta')).toBe(0.999);
  });
});
