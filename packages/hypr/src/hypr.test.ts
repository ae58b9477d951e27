import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, streamBatch } from '@snn/core';
import { relativeError, ruleGradients, shapes } from '@snn/testing';
import { describeRuleConformance } from '@snn/testing/vitest';
import { hypr, HyprLearner } from './index';

// HYPR computes e-prop's gradient exactly, for every segment length lambda and both scans: checked on
// every cell of the workspace with Jacobians, on single layers (kappa 0 and 0.8) and stacks, with
// lambda 1, 4, a length that does not divide T, and T.
const T = 13;
const hyprShapes = [{ ...shapes.recurrent(0), steps: T }, { ...shapes.recurrent(0.8), steps: T }, { ...shapes.stack(0.8), steps: T }];
await describeRuleConformance(hypr, {
  options: { lambda: 4 },
  identities: [1, 4, 5, T].flatMap((lambda) =>
    ['sequential', 'associative'].map((scan) => ({ name: `lambda ${lambda}, ${scan} scan: equals e-prop`, reference: 'eprop', options: { lambda, scan }, shapes: hyprShapes, tolerance: 1e-12 })),
  ),
  vectors: { fixtures: [resolve(__dirname, '__fixtures__')] },
});

function data(B: number, T: number, I: number, spikes: boolean) {
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = spikes ? (Math.sin(1.7 * i) > 0.2 ? 1 : 0) : Math.sin(1.3 * i) * 0.8;
  const targets = Int32Array.from({ length: B }, (_, b) => b % 3);
  const lossMask = Array.from({ length: T }, (_, t) => (t % 3 === 0 ? 0 : t % 2 === 0 ? 0.5 : 1));
  return { x, batch: B, steps: T, targets, lossMask };
}

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
