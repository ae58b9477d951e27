import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNetwork, listCells, listRules, registerCell, registerRule } from '@snn/core';
import { bptt } from '@snn/bptt';
import { checkCellJacobians, compareWithFiniteDifferences, runGradientVectorFile } from '@snn/testing';
import { createGru, gru } from './index';

if (!listCells().includes('gru')) registerCell(gru);
if (!listRules().includes('bptt')) registerRule(bptt);

const fixtures = resolve(__dirname, '__fixtures__');
const shared = process.env.SNN_VECTORS ?? resolve(__dirname, '../../../../shared/vectors');
const fixtureFiles = readdirSync(fixtures).filter((f) => f.endsWith('.json'));
const files = [
  ...fixtureFiles.map((f) => join(fixtures, f)),
  ...(existsSync(shared)
    ? readdirSync(shared)
        .filter((f) => /^(gru|stack-gru-.*)-bptt-.*\.json$/.test(f) && !fixtureFiles.includes(f))
        .map((f) => join(shared, f))
    : []),
];

const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe('gru step', () => {
  it('computes h = (1 - z) n + z h_prev with n = tanh(a_n + r R_n), gates r, z, n along columns', () => {
    const cell = createGru(2);
    // Batch 1, H = 2: columns [r0 r1 z0 z1 n0 n1] of the input current a and the recurrent current R.
    const a = Float64Array.from([0.3, -0.2, 1.1, 0.4, -0.7, 0.9]);
    const R = Float64Array.from([-0.5, 0.6, 0.2, -0.9, 1.4, -0.35]);
    const hPrev = Float64Array.from([0.6, -0.25]);
    const state = new Float64Array(2);
    const output = new Float64Array(2);
    const tape = new Float64Array(cell.tapeSize * 2);
    // prevOutput deliberately differs from prevState: the cell must read h_{t-1} from its state.
    cell.step({ batch: 1, inputCurrent: a, recurrentCurrent: R, prevState: hPrev, prevOutput: Float64Array.from([9, 9]), state, output, tape, params: {} });
    for (let h = 0; h < 2; h++) {
      const r = sig(a[h]! + R[h]!);
      const z = sig(a[2 + h]! + R[2 + h]!);
      const n = Math.tanh(a[4 + h]! + r * R[4 + h]!);
      const expected = (1 - z) * n + z * hPrev[h]!;
      expect(state[h]).toBeCloseTo(expected, 14);
      expect(output[h]).toBe(state[h]);
    }
  });

  it('sends dL/dh_t back through z to the previous state and leaves dL/dy_{t-1} alone', () => {
    const cell = createGru(1);
    const a = Float64Array.from([0.2, 0.8, -0.4]);
    const R = Float64Array.from([0.1, -0.3, 0.7]);
    const hPrev = Float64Array.from([0.5]);
    const state = new Float64Array(1);
    const output = new Float64Array(1);
    const tape = new Float64Array(cell.tapeSize);
    const step = { batch: 1, inputCurrent: a, recurrentCurrent: R, prevState: hPrev, prevOutput: hPrev, state, output, tape, params: {} };
    cell.step(step);
    const gradPrevOutput = Float64Array.from([7]);
    const gradPrevState = new Float64Array(1);
    const gradInputCurrent = new Float64Array(3);
    const gradRecurrentCurrent = new Float64Array(3);
    cell.vjp({
      ...step,
      gradState: Float64Array.from([0.25]),
      gradOutput: Float64Array.from([0.75]),
      gradPrevState,
      gradPrevOutput,
      gradInputCurrent,
      gradRecurrentCurrent,
      gradParams: {},
    });
    const r = sig(0.3);
    expect(gradPrevOutput[0]).toBe(7);
    expect(gradPrevState[0]).toBeCloseTo(sig(0.5), 14);
    // r and z see the sum a + R: same gradient; the n column of R is scaled by r.
    expect(gradRecurrentCurrent[0]).toBe(gradInputCurrent[0]);
    expect(gradRecurrentCurrent[1]).toBe(gradInputCurrent[1]);
    expect(gradRecurrentCurrent[2]).toBeCloseTo(gradInputCurrent[2]! * r, 15);
  });

  it('refuses to step without the recurrent current', () => {
    const cell = createGru(1);
    const z = () => new Float64Array(3);
    expect(() =>
      cell.step({ batch: 1, inputCurrent: z(), recurrentCurrent: null, prevState: z(), prevOutput: z(), state: z(), output: z(), tape: z(), params: {} }),
    ).toThrow(/recurrentCurrent/);
  });
});

describe('gradient vectors (bptt)', () => {
  it('finds the fixture and, when present, the shared vectors', () => {
    expect(files.length).toBeGreaterThanOrEqual(1);
    if (existsSync(shared)) expect(files.filter((f) => basename(f).startsWith('gru-bptt-')).length).toBeGreaterThanOrEqual(2);
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
    const net = createNetwork({ inputs: 3, outputs: 3, layers: [{ cell: 'gru', neurons: 4 }], readout: { kappa: 0.8 } }, { dtype: 'float64', seed: 5 });
    randomizeBiases(net);
    const errors = compareWithFiniteDifferences(net, 'bptt', smoothData(2, 7, 3));
    expect(Object.keys(errors)).toEqual(['W_in', 'W_rec', 'b_in', 'b_rec', 'W_out', 'b_out']);
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(1e-6);
  });
  it('two layers, the second feed-forward', () => {
    const net = createNetwork(
      {
        inputs: 2,
        outputs: 3,
        layers: [
          { cell: 'gru', neurons: 3 },
          { cell: 'gru', neurons: 4, recurrent: false },
        ],
        readout: { kappa: 0.5 },
      },
      { dtype: 'float64', seed: 6 },
    );
    randomizeBiases(net);
    const errors = compareWithFiniteDifferences(net, 'bptt', smoothData(3, 6, 2));
    expect(errors['l1.W_rec']).toBeUndefined();
    expect(Object.keys(errors)).toEqual(['l0.W_in', 'l0.W_rec', 'l0.b_in', 'l0.b_rec', 'l1.W_in', 'l1.b_in', 'l1.b_rec', 'W_out', 'b_out']);
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(1e-6);
  });
});

describe('gru conformance', () => {
  it('per-neuron Jacobians agree with the VJP', () => {
    const r = checkCellJacobians(createGru(5));
    expect(r.errors).toBeDefined();
    expect(r.ok).toBe(true);
  });
  it('also with saturating currents and another seed', () => {
    expect(checkCellJacobians(createGru(3), { seed: 11, currentScale: 4, batch: 2 }).ok).toBe(true);
  });
  it('has the capabilities its registry entry claims', () => {
    const cell = gru.create(3);
    expect(cell.capabilities).toEqual(gru.capabilities);
    expect(cell.stateSize).toBe(1);
    expect(cell.gates).toBe(3);
    expect(cell.spiking).toBe(false);
    expect(cell.splitsRecurrentCurrent).toBe(true);
    expect(cell.biases).toEqual([
      { name: 'b_in', adds: 'input' },
      { name: 'b_rec', adds: 'recurrent' },
    ]);
  });
});

describe('gru options', () => {
  it('rejects unknown options and bad sizes', () => {
    expect(() => createGru(3, { resetAfter: true } as never)).toThrow(/gru option "resetAfter"/);
    expect(() => createGru(0)).toThrow(/positive integer/);
    expect(() => createGru(2.5)).toThrow(/positive integer/);
  });
  it('accepts no options and an empty object', () => {
    expect(createGru(2).options).toEqual({});
    expect(gru.create(2, {}).neurons).toBe(2);
  });
});
