import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, listCells, listRules, registerCell, registerRule, streamBatch } from '@snn/core';
import { lif } from '@snn/lif';
import { alif } from '@snn/alif';
import { brf } from '@snn/brf';
import { seAdlif } from '@snn/se-adlif';
import { lstm } from '@snn/lstm';
import { gru } from '@snn/gru';
import { bptt } from '@snn/bptt';
import { relativeError, ruleGradients, runGradientVectorFile, smoothTestCell } from '@snn/testing';
import { eprop, EpropLearner } from './index';

for (const c of [lif, alif, brf, seAdlif, lstm, gru, smoothTestCell]) if (!listCells().includes(c.name)) registerCell(c);
for (const r of [bptt, eprop]) if (!listRules().includes(r.name)) registerRule(r);

const fixtures = resolve(__dirname, '__fixtures__');
const shared = process.env.SNN_VECTORS ?? resolve(__dirname, '../../../../shared/vectors');
const files = [
  ...readdirSync(fixtures).map((f) => join(fixtures, f)),
  ...(existsSync(shared) ? readdirSync(shared).filter((f) => /^[a-z-]+-eprop-/.test(f) && !f.startsWith('stack-')).map((f) => join(shared, f)) : []),
];

describe('gradient vectors (eprop)', () => {
  it.each(files.flatMap((f) => [[f, 'float32'] as const, [f, 'float64'] as const]))('%s in %s', (file, dtype) => {
    const r = runGradientVectorFile(file, { dtype });
    expect(r.message ?? '').toBe('');
    expect(r.status).toBe('pass');
    expect(r.worst!.relativeError).toBeLessThan(dtype === 'float64' ? 1e-8 : 1e-3);
  });
});

function smoothData(B: number, T: number, I: number, spikes = false) {
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = spikes ? (Math.sin(1.7 * i) > 0.3 ? 1 : 0) : Math.sin(1.3 * i) * 0.8;
  const targets = Int32Array.from({ length: B }, (_, b) => b % 3);
  const lossMask = Array.from({ length: T }, (_, t) => (t % 2 === 0 ? 0.5 : 1));
  return { x, batch: B, steps: T, targets, lossMask };
}

describe('eprop == bptt when W_rec = 0 (nothing is cut)', () => {
  const cases: Array<[string, Record<string, unknown> | undefined, boolean]> = [
    ['smooth-test', undefined, false],
    ['lif', undefined, true],
    ['alif', undefined, true],
    ['lstm', undefined, false],
    ['gru', undefined, false],
  ];
  it.each(cases)('%s', (cell, cellOptions, spikes) => {
    const net = createNetwork({ inputs: 3, outputs: 3, layers: [{ cell, neurons: 5, cellOptions }], readout: { kappa: 0.7 } }, { dtype: 'float64', seed: 4, init: { inputScale: 3 } });
    net.parameter('W_rec').data.fill(0);
    net.markUpdated();
    const data = smoothData(2, 9, 3, spikes);
    const a = ruleGradients(net, 'eprop', data);
    const b = ruleGradients(net, 'bptt', data);
    for (const [name, g] of b) {
      if (name === 'W_rec') continue;
      expect(relativeError(a.get(name)!, g), name).toBeLessThan(1e-10);
    }
  });
});

describe('eprop learner', () => {
  it("emit 'step' sums to the same gradient as 'sequence'", () => {
    const net = createNetwork({ inputs: 3, outputs: 3, layers: [{ cell: 'smooth-test', neurons: 4 }], readout: { kappa: 0.5 } }, { dtype: 'float64', seed: 1 });
    const data = smoothData(2, 6, 3);
    const seq = ruleGradients(net, 'eprop', data);
    const sink = createAccumulatingSink(net);
    const learner = createLearner('eprop', net, sink, { emit: 'step' });
    const r = streamBatch(net, learner, data);
    expect(sink.events).toHaveLength(6);
    expect(sink.events.every((e) => e.cadence === 'step')).toBe(true);
    expect(sink.events.reduce((s, e) => s + e.loss, 0)).toBeCloseTo(r.loss, 12);
    for (const [name, g] of seq) expect(relativeError(sink.total.get(name)!, g), name).toBeLessThan(1e-12);
  });
  it('memory does not grow with T', () => {
    const net = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'lif', neurons: 4 }] });
    const learner = createLearner('eprop', net, () => {}) as EpropLearner;
    streamBatch(net, learner, smoothData(2, 5, 3, true));
    const m5 = learner.memoryBytes;
    streamBatch(net, learner, smoothData(2, 50, 3, true));
    expect(learner.memoryBytes).toBe(m5);
  });
  it('rejects unknown options and bad emit values', () => {
    const net = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'lif', neurons: 3 }] });
    expect(() => createLearner('eprop', net, () => {}, { k: 3 })).toThrow(/eprop option "k"/);
    expect(() => createLearner('eprop', net, () => {}, { emit: 'chunk' })).toThrow(/emit/);
  });
  it('rejects NaN inputs naming the step', () => {
    const net = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'lif', neurons: 3 }] });
    const learner = createLearner('eprop', net, () => {});
    learner.begin(1);
    expect(() => learner.step({ x: new Float32Array([0, NaN]), offset: 0, rowStride: 2, targets: new Int32Array([0]), lossWeight: 1 })).toThrow(/at step 1 is NaN/);
  });
});

describe('stacked layers (immediate spatial learning signal)', () => {
  // Where the immediate signal is the whole credit, e-prop on a stack is exact: no W_rec anywhere
  // (so no inter-neuron temporal path), a memoryless top layer (LIF with alpha = 0: J = 0) and no
  // readout leak. Then every parameter's e-prop gradient equals BPTT's, which checks the signal
  // passed down through the upper layer (C, D, CI and W_in of the layer above) and the per-layer
  // eligibilities against an independent computation.
  for (const cell of ['lif', 'alif', 'brf', 'se-adlif', 'lstm', 'gru', 'smooth-test']) {
    it(`${cell} below a memoryless LIF layer: e-prop == BPTT`, () => {
      const spikes = !['lstm', 'gru', 'smooth-test'].includes(cell);
      const net = createNetwork(
        { inputs: 3, outputs: 3, layers: [{ cell, neurons: 5, recurrent: false }, { cell: 'lif', neurons: 4, recurrent: false, cellOptions: { alpha: 0, theta: 0.3 } }], readout: { kappa: 0 } },
        { dtype: 'float64', seed: 7, init: { inputScale: cell === 'brf' ? 40 : 4 } },
      );
      const d = smoothData(2, 17, 3, spikes);
      const ref = ruleGradients(net, 'bptt', d);
      const g = ruleGradients(net, 'eprop', d);
      let lowerNorm = 0;
      for (const [name, r] of ref) {
        if (name.startsWith('l0.')) lowerNorm += Array.from(r).reduce((a, v) => a + Math.abs(v), 0);
        expect(relativeError(g.get(name)!, r), name).toBeLessThan(1e-10);
      }
      // The lower layer must actually receive credit through the upper one.
      expect(lowerNorm).toBeGreaterThan(1e-6);
    });
  }
  it('differs from BPTT once the upper layer has memory (it sees only the immediate signal)', () => {
    const net = createNetwork(
      { inputs: 3, outputs: 3, layers: [{ cell: 'alif', neurons: 5, recurrent: false }, { cell: 'lif', neurons: 4, recurrent: false, cellOptions: { alpha: 0.9, theta: 0.3 } }], readout: { kappa: 0 } },
      { dtype: 'float64', seed: 7, init: { inputScale: 4 } },
    );
    const d = smoothData(2, 17, 3, true);
    const ref = ruleGradients(net, 'bptt', d);
    const g = ruleGradients(net, 'eprop', d);
    expect(relativeError(g.get('l1.W_in')!, ref.get('l1.W_in')!)).toBeLessThan(1e-10);
    expect(relativeError(g.get('l0.W_in')!, ref.get('l0.W_in')!)).toBeGreaterThan(1e-3);
  });
});
