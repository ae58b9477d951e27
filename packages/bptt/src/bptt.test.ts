import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, listCells, listRules, registerCell, registerRule, streamBatch } from '@snn/core';
import { lif } from '@snn/lif';
import { compareWithFiniteDifferences, runGradientVectorFile, smoothTestCell } from '@snn/testing';
import { bptt } from './index';

if (!listCells().includes('lif')) registerCell(lif);
if (!listCells().includes('smooth-test')) registerCell(smoothTestCell);
if (!listRules().includes('bptt')) registerRule(bptt);

const fixtures = resolve(__dirname, '__fixtures__');
const shared = process.env.SNN_VECTORS ?? resolve(__dirname, '../../../../shared/vectors');
const files = [
  ...readdirSync(fixtures).map((f) => join(fixtures, f)),
  ...(existsSync(shared) ? readdirSync(shared).filter((f) => /^(lif|stack-lif-.*)-bptt-/.test(f)).map((f) => join(shared, f)) : []),
];

describe('gradient vectors (bptt)', () => {
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

describe('bptt against finite differences on a smooth cell', () => {
  it('single recurrent layer, every parameter', () => {
    const net = createNetwork({ inputs: 3, outputs: 3, layers: [{ cell: 'smooth-test', neurons: 4 }], readout: { kappa: 0.8 } }, { dtype: 'float64', seed: 2 });
    const errors = compareWithFiniteDifferences(net, 'bptt', smoothData(2, 6, 3));
    expect(Object.keys(errors)).toEqual(['W_in', 'W_rec', 'b', 'leak', 'gain', 'W_out', 'b_out']);
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(1e-6);
  });
  it('three layers (recurrent, feed-forward, recurrent)', () => {
    const net = createNetwork(
      {
        inputs: 2,
        outputs: 3,
        layers: [
          { cell: 'smooth-test', neurons: 3 },
          { cell: 'smooth-test', neurons: 4, recurrent: false },
          { cell: 'smooth-test', neurons: 3 },
        ],
        readout: { kappa: 0.5 },
      },
      { dtype: 'float64', seed: 3 },
    );
    const errors = compareWithFiniteDifferences(net, 'bptt', smoothData(3, 5, 2));
    expect(errors['l1.W_rec']).toBeUndefined();
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(1e-6);
  });
});

describe('bptt learner', () => {
  it('emits once per sequence and reports the loss', () => {
    const net = createNetwork({ inputs: 3, outputs: 3, layers: [{ cell: 'smooth-test', neurons: 4 }] }, { dtype: 'float64' });
    const sink = createAccumulatingSink(net);
    const learner = createLearner('bptt', net, sink);
    const r = streamBatch(net, learner, smoothData(2, 4, 3));
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]!.cadence).toBe('sequence');
    expect(sink.events[0]!.loss).toBeCloseTo(r.loss, 12);
    expect(r.loss).toBeGreaterThan(0);
  });
  it('rejects NaN inputs with a typed error naming the step', () => {
    const net = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'lif', neurons: 3 }] });
    const learner = createLearner('bptt', net, () => {});
    learner.begin(1);
    expect(() => learner.step({ x: new Float32Array([0, NaN]), offset: 0, rowStride: 2, targets: new Int32Array([0]), lossWeight: 1 })).toThrow(
      /x\[batch 0, input 1\] at step 1 is NaN/,
    );
  });
  it('rejects unknown options', () => {
    const net = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'lif', neurons: 3 }] });
    expect(() => createLearner('bptt', net, () => {}, { k: 3 })).toThrow(/bptt option "k"/);
  });
});
