import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNetwork, listCells, listRules, registerCell, registerRule } from '@snn/core';
import { bptt } from '@snn/bptt';
import { checkCellJacobians, compareWithFiniteDifferences, runGradientVectorFile } from '@snn/testing';
import { createLstm, lstm } from './index';

if (!listCells().includes('lstm')) registerCell(lstm);
if (!listRules().includes('bptt')) registerRule(bptt);

const fixtures = resolve(__dirname, '__fixtures__');
const shared = process.env.SNN_VECTORS ?? resolve(__dirname, '../../../../shared/vectors');
const fixtureFiles = readdirSync(fixtures).filter((f) => f.endsWith('.json'));
const files = [
  ...fixtureFiles.map((f) => join(fixtures, f)),
  ...(existsSync(shared)
    ? readdirSync(shared)
        .filter((f) => /^(lstm|stack-lstm-.*)-bptt-.*\.json$/.test(f) && !fixtureFiles.includes(f))
        .map((f) => join(shared, f))
    : []),
];

const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe('lstm step', () => {
  it('computes c = f c + i g and h = o tanh(c) with gates stacked i, f, g, o along columns', () => {
    const cell = createLstm(2);
    // Batch 1, H = 2: columns [i0 i1 f0 f1 g0 g1 o0 o1].
    const a = Float64Array.from([0.3, -0.2, 1.1, 0.4, -0.7, 0.9, 0.5, -1.3]);
    const cPrev = Float64Array.from([0.6, -0.25]);
    const state = new Float64Array(2);
    const output = new Float64Array(2);
    const tape = new Float64Array(cell.tapeSize * 2);
    cell.step({ batch: 1, inputCurrent: a, recurrentCurrent: null, prevState: cPrev, prevOutput: new Float64Array(2), state, output, tape, params: {} });
    for (let h = 0; h < 2; h++) {
      const c = sig(a[2 + h]!) * cPrev[h]! + sig(a[h]!) * Math.tanh(a[4 + h]!);
      expect(state[h]).toBeCloseTo(c, 14);
      expect(output[h]).toBeCloseTo(sig(a[6 + h]!) * Math.tanh(c), 14);
    }
  });

  it('leaves dL/dh_{t-1} alone (h_{t-1} enters only through W_rec) and passes dL/dc back through f', () => {
    const cell = createLstm(1);
    const a = Float64Array.from([0.2, 0.8, -0.4, 0.1]);
    const cPrev = Float64Array.from([0.5]);
    const state = new Float64Array(1);
    const output = new Float64Array(1);
    const tape = new Float64Array(cell.tapeSize);
    const step = { batch: 1, inputCurrent: a, recurrentCurrent: null, prevState: cPrev, prevOutput: new Float64Array(1), state, output, tape, params: {} };
    cell.step(step);
    const gradPrevOutput = Float64Array.from([7]);
    const gradPrevState = new Float64Array(1);
    cell.vjp({
      ...step,
      gradState: Float64Array.from([1]),
      gradOutput: Float64Array.from([0]),
      gradPrevState,
      gradPrevOutput,
      gradInputCurrent: new Float64Array(4),
      gradRecurrentCurrent: null,
      gradParams: {},
    });
    expect(gradPrevOutput[0]).toBe(7);
    expect(gradPrevState[0]).toBeCloseTo(sig(0.8), 14);
  });
});

describe('gradient vectors (bptt)', () => {
  it('finds the fixture and, when present, the shared vectors', () => {
    expect(files.length).toBeGreaterThanOrEqual(1);
    if (existsSync(shared)) expect(files.some((f) => basename(f).startsWith('stack-lstm-'))).toBe(true);
  });
  it.each(files.flatMap((f) => [[f, 'float32'] as const, [f, 'float64'] as const]))('%s in %s', (file, dtype) => {
    const r = runGradientVectorFile(file, { dtype });
    expect(r.message ?? '').toBe('');
    expect(r.status).toBe('pass');
    expect(r.worst!.relativeError).toBeLessThan(dtype === 'float64' ? 1e-8 : 1e-3);
  });
});

function smoothData(B: number, T: number, I: number) {
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(1.3 * i) * 0.8;
  const targets = Int32Array.from({ length: B }, (_, b) => b % 3);
  const lossMask = Array.from({ length: T }, (_, t) => (t % 2 === 0 ? 0.5 : 1));
  return { x, batch: B, steps: T, targets, lossMask };
}

/** Nonzero biases, so that the finite differences also see the bias paths away from zero. */
function randomizeBiases(net: ReturnType<typeof createNetwork>) {
  for (const p of net.parameters()) {
    if (/(^|\.)b(_in|_rec)?$/.test(p.name)) for (let i = 0; i < p.data.length; i++) p.data[i] = 0.4 * Math.cos(2.1 * i + p.data.length);
  }
  net.markUpdated();
}

describe('bptt against finite differences (float64)', () => {
  it('one recurrent layer, every parameter', () => {
    const net = createNetwork({ inputs: 3, outputs: 3, layers: [{ cell: 'lstm', neurons: 4 }], readout: { kappa: 0.8 } }, { dtype: 'float64', seed: 5 });
    randomizeBiases(net);
    const errors = compareWithFiniteDifferences(net, 'bptt', smoothData(2, 7, 3));
    expect(Object.keys(errors)).toEqual(['W_in', 'W_rec', 'b', 'W_out', 'b_out']);
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(1e-6);
  });
  it('two layers, the second feed-forward', () => {
    const net = createNetwork(
      {
        inputs: 2,
        outputs: 3,
        layers: [
          { cell: 'lstm', neurons: 3 },
          { cell: 'lstm', neurons: 4, recurrent: false },
        ],
        readout: { kappa: 0.5 },
      },
      { dtype: 'float64', seed: 6 },
    );
    randomizeBiases(net);
    const errors = compareWithFiniteDifferences(net, 'bptt', smoothData(3, 6, 2));
    expect(errors['l1.W_rec']).toBeUndefined();
    expect(Object.keys(errors)).toEqual(['l0.W_in', 'l0.W_rec', 'l0.b', 'l1.W_in', 'l1.b', 'W_out', 'b_out']);
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(1e-6);
  });
});

describe('lstm conformance', () => {
  it('per-neuron Jacobians agree with the VJP', () => {
    const r = checkCellJacobians(createLstm(5));
    expect(r.errors).toBeDefined();
    expect(r.ok).toBe(true);
  });
  it('also with saturating currents and another seed', () => {
    expect(checkCellJacobians(createLstm(3), { seed: 11, currentScale: 4, batch: 2 }).ok).toBe(true);
  });
  it('has the capabilities its registry entry claims', () => {
    const cell = lstm.create(3);
    expect(cell.capabilities).toEqual(lstm.capabilities);
    expect(cell.stateSize).toBe(1);
    expect(cell.gates).toBe(4);
    expect(cell.spiking).toBe(false);
    expect(cell.splitsRecurrentCurrent).toBe(false);
    expect(cell.biases).toEqual([{ name: 'b', adds: 'input' }]);
  });
});

describe('lstm options', () => {
  it('rejects unknown options and bad sizes', () => {
    expect(() => createLstm(3, { forgetBias: 1 } as never)).toThrow(/lstm option "forgetBias"/);
    expect(() => createLstm(0)).toThrow(/positive integer/);
    expect(() => createLstm(2.5)).toThrow(/positive integer/);
  });
  it('accepts no options and an empty object', () => {
    expect(createLstm(2).options).toEqual({});
    expect(lstm.create(2, {}).neurons).toBe(2);
  });
});
