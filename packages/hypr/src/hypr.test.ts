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
import { eprop } from '@snn/eprop';
import { relativeError, ruleGradients, runGradientVectorFile, smoothTestCell } from '@snn/testing';
import { hypr, HyprLearner } from './index';

for (const c of [lif, alif, brf, seAdlif, lstm, gru, smoothTestCell]) if (!listCells().includes(c.name)) registerCell(c);
for (const r of [eprop, hypr]) if (!listRules().includes(r.name)) registerRule(r);

const fixtures = resolve(__dirname, '__fixtures__');
const shared = process.env.SNN_VECTORS ?? resolve(__dirname, '../../../../shared/vectors');
const files = [
  ...readdirSync(fixtures).map((f) => join(fixtures, f)),
  ...(existsSync(shared) ? readdirSync(shared).filter((f) => /^[a-z-]+-hypr-l\d+-/.test(f) && !f.startsWith('stack-')).map((f) => join(shared, f)) : []),
];

describe('gradient vectors (hypr)', () => {
  it.each(files.flatMap((f) => [[f, 'float32'] as const, [f, 'float64'] as const]))('%s in %s', (file, dtype) => {
    const r = runGradientVectorFile(file, { dtype });
    expect(r.message ?? '').toBe('');
    expect(r.status).toBe('pass');
    expect(r.worst!.relativeError).toBeLessThan(dtype === 'float64' ? 1e-8 : 1e-3);
  });
});

function data(B: number, T: number, I: number, spikes: boolean) {
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = spikes ? (Math.sin(1.7 * i) > 0.2 ? 1 : 0) : Math.sin(1.3 * i) * 0.8;
  const targets = Int32Array.from({ length: B }, (_, b) => b % 3);
  const lossMask = Array.from({ length: T }, (_, t) => (t % 3 === 0 ? 0 : t % 2 === 0 ? 0.5 : 1));
  return { x, batch: B, steps: T, targets, lossMask };
}

describe('hypr == eprop for every lambda', () => {
  const T = 19;
  const cells: Array<[string, boolean]> = [['smooth-test', false], ['lif', true], ['alif', true], ['brf', true], ['se-adlif', true], ['lstm', false], ['gru', false]];
  for (const [cell, spikes] of cells) {
    for (const kappa of [0, 0.8]) {
      it.each([1, 4, 16, T, 7])(`${cell}, kappa ${kappa}, lambda %i`, (lambda) => {
        const net = createNetwork({ inputs: 3, outputs: 3, layers: [{ cell, neurons: 5 }], readout: { kappa } }, { dtype: 'float64', seed: 5, init: { inputScale: 4, recurrentScale: 2 } });
        const d = data(2, T, 3, spikes);
        const ref = ruleGradients(net, 'eprop', d);
        for (const scan of ['sequential', 'associative']) {
          const g = ruleGradients(net, 'hypr', d, { lambda, scan });
          for (const [name, r] of ref) expect(relativeError(g.get(name)!, r), `${name} (${scan})`).toBeLessThan(1e-12);
        }
      });
    }
  }
});

describe('event-driven and dense P-stage products', () => {
  // Sparse presynaptic spikes make the P-stage run its products as event lists; dense inputs use
  // GEMMs. Both must give e-prop's gradient, in float64 (typed-array kernels) and float32 (SIMD kernels).
  const sparseData = (B: number, T: number, I: number, density: number) => {
    const x = new Float64Array(B * T * I);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 1000) / 1000 < density ? 1 : 0;
    return { x, batch: B, steps: T, targets: Int32Array.from({ length: B }, (_, b) => b % 3) };
  };
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [density, sparse] of [[0.03, true], [0.6, false]] as const) {
      for (const cell of ['lif', 'brf', 'gru']) {
        it(`${cell}, ${dtype}, input density ${density}: ${sparse ? 'event-driven' : 'dense'} products equal e-prop`, () => {
          const net = createNetwork({ inputs: 40, outputs: 3, layers: [{ cell, neurons: 6 }], readout: { kappa: 0.7 } },
            { dtype, seed: 3, init: { inputScale: cell === 'brf' ? 60 : 6, recurrentScale: 1 } });
          const d = sparseData(3, 23, 40, density);
          const ref = ruleGradients(net, 'eprop', d);
          const sink = createAccumulatingSink(net);
          const learner = createLearner('hypr', net, sink, { lambda: 8 }) as HyprLearner;
          streamBatch(net, learner, d);
          // Spiking layers add their own sparse spikes and a bias column; a GRU's h is dense.
          if (cell !== 'gru') expect(learner.lastProductsSparse).toBe(sparse);
          let norm = 0;
          for (const [name, r] of ref) {
            norm += Array.from(r).reduce((a, v) => a + Math.abs(v), 0);
            expect(relativeError(sink.total.get(name)!, r), name).toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-4);
          }
          expect(norm).toBeGreaterThan(0);
          const t = learner.timings;
          expect(t.sStage).toBeGreaterThan(0);
          expect(t.scan + t.carryIn + t.factors + t.products).toBeGreaterThan(0);
        });
      }
    }
  }
});

describe('stacked layers: hypr == eprop for every lambda', () => {
  // Both give every layer its own eligibility and the lower layers the immediate spatial signal; e-prop's
  // stack gradient is checked against BPTT where that signal is exact (eprop.test.ts).
  const stacks: Array<[string, Array<{ cell: string; neurons: number; recurrent?: boolean }>, boolean]> = [
    ['lif / alif', [{ cell: 'lif', neurons: 5 }, { cell: 'alif', neurons: 4 }], true],
    ['brf / se-adlif (ff) / lif', [{ cell: 'brf', neurons: 4 }, { cell: 'se-adlif', neurons: 4, recurrent: false }, { cell: 'lif', neurons: 3 }], true],
    ['lstm / gru', [{ cell: 'lstm', neurons: 4 }, { cell: 'gru', neurons: 3 }], false],
  ];
  for (const [name, layers, spikes] of stacks) {
    it.each([1, 4, 19])(`${name}, kappa 0.8, lambda %i`, (lambda) => {
      const net = createNetwork({ inputs: 3, outputs: 3, layers, readout: { kappa: 0.8 } }, { dtype: 'float64', seed: 2, init: { inputScale: 6, recurrentScale: 2 } });
      const d = data(2, 19, 3, spikes);
      const ref = ruleGradients(net, 'eprop', d);
      const g = ruleGradients(net, 'hypr', d, { lambda });
      let lowerNorm = 0;
      for (const [p, r] of ref) {
        if (p.startsWith('l0.')) lowerNorm += Array.from(r).reduce((a, v) => a + Math.abs(v), 0);
        expect(relativeError(g.get(p)!, r), p).toBeLessThan(1e-12);
      }
      expect(lowerNorm).toBeGreaterThan(0);
    });
  }
});

describe('hypr learner', () => {
  it("emit 'segment' hands one gradient per segment that sum to the sequence gradient", () => {
    const net = createNetwork({ inputs: 3, outputs: 3, layers: [{ cell: 'lif', neurons: 4 }], readout: { kappa: 0.5 } }, { dtype: 'float64', seed: 1, init: { inputScale: 4 } });
    const d = data(2, 10, 3, true);
    const seq = ruleGradients(net, 'hypr', d, { lambda: 4 });
    const sink = createAccumulatingSink(net);
    const r = streamBatch(net, createLearner('hypr', net, sink, { lambda: 4, emit: 'segment' }), d);
    expect(sink.events.map((e) => e.step)).toEqual([4, 8, 10]);
    expect(sink.events.every((e) => e.cadence === 'chunk')).toBe(true);
    expect(sink.events.reduce((s, e) => s + e.loss, 0)).toBeCloseTo(r.loss, 12);
    for (const [name, g] of seq) expect(relativeError(sink.total.get(name)!, g), name).toBeLessThan(1e-12);
  });
  it('memory does not grow with T', () => {
    const net = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'alif', neurons: 4 }] });
    const learner = createLearner('hypr', net, () => {}, { lambda: 4 }) as HyprLearner;
    streamBatch(net, learner, data(2, 5, 3, true));
    const m5 = learner.memoryBytes;
    streamBatch(net, learner, data(2, 60, 3, true));
    expect(learner.memoryBytes).toBe(m5);
  });
  it('rejects bad options', () => {
    const net = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'lif', neurons: 3 }] });
    expect(() => createLearner('hypr', net, () => {}, { k: 3 })).toThrow(/hypr option "k"/);
    expect(() => createLearner('hypr', net, () => {}, { lambda: 0 })).toThrow(/lambda/);
    expect(() => createLearner('hypr', net, () => {}, { emit: 'step' })).toThrow(/emit/);
    expect(() => createLearner('hypr', net, () => {}, { scan: 'x' })).toThrow(/scan/);
  });
});
