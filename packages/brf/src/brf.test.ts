import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLearner, createNetwork, streamBatch } from '@snn/core';
import { checkCellJacobians } from '@snn/testing';
import { describeCellConformance } from '@snn/testing/vitest';
import type { CellVjpArgs } from '@snn/protocol';
import { brf, brfDefaults, brfDivergenceBoundary, createBrf } from './index';


// Capabilities as declared, Jacobians against the VJP, finite differences when smooth, the learner
// contract under every workspace rule that can train brf, and every vector naming brf.
await describeCellConformance(brf, { vectors: { fixtures: [resolve(__dirname, '__fixtures__')] } });

const oneNeuron = (omega: number, bOffset: number) => ({ omega: Float64Array.of(omega), b_offset: Float64Array.of(bOffset) });
const stepArgs = (params: ReturnType<typeof oneNeuron>, I = 0) => ({
  batch: 1,
  inputCurrent: Float64Array.of(I),
  recurrentCurrent: null,
  prevState: new Float64Array(3),
  prevOutput: new Float64Array(1),
  state: new Float64Array(3),
  output: new Float64Array(1),
  tape: new Float64Array(0),
  params,
});

describe('brf step', () => {
  it('follows the r-form: explicit Euler on (u, v), refractory trace from the own spike, no reset', () => {
    const cell = createBrf(1, { dt: 0.1, theta: 1, gamma: 0.5 });
    const params = oneNeuron(-6, 0.5); // |omega| = 6, |b_offset| = 0.5
    const p = (-1 + Math.sqrt(1 - 0.36)) / 0.1; // -2
    expect(brfDivergenceBoundary(6, 0.1)).toBeCloseTo(p, 14);
    const a = stepArgs(params, 20);
    cell.step(a); // u = 0.1 * 20 = 2 > 1 + 0: spike; v = 0; r = 0
    expect([...a.state, ...a.output]).toEqual([2, 0, 0, 1]);
    const b = { ...stepArgs(params, 0), prevState: a.state, prevOutput: a.output };
    cell.step(b);
    // r = 1, damping = -2 - 0.5 - 1 = -3.5; u = 2 + 0.1 (-3.5 * 2) = 1.3; v = 0.1 * 6 * 2 = 1.2; 1.3 - 1 - 1 < 0.
    expect(b.state[0]).toBeCloseTo(1.3, 14);
    expect(b.state[1]).toBeCloseTo(1.2, 14);
    expect(b.state[2]).toBe(1);
    expect(b.output[0]).toBe(0);
  });
});

describe('brf omega domain (dt |omega| <= 1)', () => {
  it('rejects a larger |omega| in step with a clear error, whatever its sign', () => {
    const cell = createBrf(1);
    expect(() => cell.step(stepArgs(oneNeuron(100.5, 1)))).toThrow(/brf omega\[0\]: is 100\.5, but BRF needs dt \|omega\| <= 1 \(\|omega\| <= 100 at dt = 0\.01\)/);
    expect(() => cell.step(stepArgs(oneNeuron(-150, 1)))).toThrow(/brf omega\[0\]/);
    expect(() => cell.step(stepArgs(oneNeuron(Number.NaN, 1)))).toThrow(/brf omega\[0\]: is NaN/);
  });
  it('accepts the boundary in the forward pass (p = -1/dt) but not in the derivatives (p\' infinite)', () => {
    const cell = createBrf(1);
    const a = stepArgs(oneNeuron(100, 0), 50);
    cell.step(a);
    expect(a.state.every(Number.isFinite)).toBe(true);
    expect(brfDivergenceBoundary(100, 0.01)).toBeCloseTo(-100, 10);
    const grads = { omega: new Float64Array(1), b_offset: new Float64Array(1) };
    const vjp: CellVjpArgs = {
      ...a,
      gradState: new Float64Array(3),
      gradOutput: Float64Array.of(1),
      gradPrevState: new Float64Array(3),
      gradPrevOutput: new Float64Array(1),
      gradInputCurrent: new Float64Array(1),
      gradRecurrentCurrent: null,
      gradParams: grads,
    };
    expect(() => cell.vjp(vjp)).toThrow(/dt \|omega\| < 1.*infinite/);
  });
  it('a network whose omega left the domain fails at the first step, naming the neuron', () => {
    const net = createNetwork({ inputs: 1, outputs: 2, layers: [{ cell: 'brf', neurons: 3 }] }, { dtype: 'float64', seed: 1 });
    net.parameters().find((p) => p.name === 'omega')!.data[2] = 250;
    const learner = createLearner('bptt', net, () => {});
    const data = { x: new Float64Array(4), batch: 1, steps: 4, targets: Int32Array.of(0) };
    expect(() => streamBatch(net, learner, data)).toThrow(/brf omega\[2\]: is 250/);
  });
});

describe('brf conformance', () => {
  it('per-neuron Jacobians (J, D, C, P) agree with the VJP', () => {
    const r = checkCellJacobians(createBrf(5));
    expect(r.ok).toBe(true);
  });
  it('with large currents, spikes, negative raw parameters and another surrogate', () => {
    const cell = createBrf(6, { dt: 0.05, surrogate: { name: 'fast-sigmoid', slope: 3 } });
    const init = cell.initNeuronParameters.bind(cell);
    cell.initNeuronParameters = (dtype, random) => {
      const p = init(dtype, random);
      for (let h = 0; h < 6; h += 2) {
        p.omega![h] = -p.omega![h]!;
        p.b_offset![h] = -p.b_offset![h]!;
      }
      return p;
    };
    expect(checkCellJacobians(cell, { seed: 5, currentScale: 40, batch: 4 }).ok).toBe(true);
  });
  it('has the capabilities its registry entry claims', () => {
    const cell = brf.create(3);
    expect(cell.capabilities).toEqual(brf.capabilities);
    expect(cell.stateSize).toBe(3);
    expect(cell.stateNames).toEqual(['u', 'v', 'r']);
    expect(cell.neuronParameters.map((p) => p.name)).toEqual(['omega', 'b_offset']);
  });
  it('initialises omega ~ U(5, 10) and b_offset ~ U(0, 3)', () => {
    let k = 0;
    const p = createBrf(100).initNeuronParameters('float64', () => (k++ * 0.618) % 1);
    expect(p.omega).toBeInstanceOf(Float64Array);
    expect(Math.min(...p.omega!)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...p.omega!)).toBeLessThanOrEqual(10);
    expect(Math.min(...p.b_offset!)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...p.b_offset!)).toBeGreaterThan(2.5);
  });
});

describe('brf options', () => {
  it('defaults to dt 0.01, theta 1, gamma 0.9 and the double-Gaussian surrogate', () => {
    expect(createBrf(2).options).toEqual(brfDefaults);
    expect(brfDefaults).toMatchObject({ dt: 0.01, theta: 1, gamma: 0.9, surrogate: { name: 'double-gaussian' } });
  });
  it('rejects unknown options, listing the valid ones', () => {
    expect(() => createBrf(3, { omega: 5 } as never)).toThrow(/brf option "omega".*dt, theta, gamma, surrogate/);
  });
  it('rejects constants out of range', () => {
    expect(() => createBrf(3, { dt: 0 })).toThrow(/brf dt/);
    expect(() => createBrf(3, { theta: 0 })).toThrow(/brf theta/);
    expect(() => createBrf(3, { gamma: 1.5 })).toThrow(/brf gamma/);
    expect(() => createBrf(-2)).toThrow(/positive integer/);
  });
  it('rejects an unknown surrogate by name', () => {
    expect(() => createBrf(3, { surrogate: 'nope' })).toThrow(/unknown surrogate "nope"/);
  });
});
