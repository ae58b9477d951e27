import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, streamBatch } from '@snn/core';
import { relativeError, ruleGradients, shapes } from '@snn/testing';
import { describeRuleConformance } from '@snn/testing/vitest';
import { eprop, EpropLearner } from './index';

// Every cell of the workspace with Jacobians: the learner contract, two exact identities with BPTT,
// and every vector naming eprop.
await describeRuleConformance(eprop, {
  identities: [
    // With W_rec = 0 nothing is cut in a single layer: every other parameter gets BPTT's gradient.
    { name: 'W_rec = 0: equals BPTT', reference: 'bptt', prepare: (n) => n.parameter('W_rec').data.fill(0), parameters: (p) => p !== 'W_rec', shapes: [shapes.recurrent(0.7)] },
    // Where the immediate spatial signal is the whole credit, e-prop on a stack is exact: no W_rec
    // anywhere, a memoryless top layer (LIF with alpha = 0: J = 0) and no readout leak. That checks the
    // signal passed down through the upper layer (C, D, CI and its W_in) and the per-layer eligibilities.
    {
      name: 'below a memoryless LIF layer: equals BPTT',
      reference: 'bptt',
      mustReceive: ['l0.W_in'],
      shapes: [{ name: 'feed-forward layer under LIF alpha 0, kappa 0', layers: [{ neurons: 5, recurrent: false }, { neurons: 4, recurrent: false, cell: 'lif', cellOptions: { alpha: 0, theta: 0.3 } }], readout: { kappa: 0 }, steps: 13 }],
    },
  ],
  vectors: { fixtures: [resolve(__dirname, '__fixtures__')] },
});

function smoothData(B: number, T: number, I: number, spikes = false) {
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = spikes ? (Math.sin(1.7 * i) > 0.3 ? 1 : 0) : Math.sin(1.3 * i) * 0.8;
  const targets = Int32Array.from({ length: B }, (_, b) => b % 3);
  const lossMask = Array.from({ length: T }, (_, t) => (t % 2 === 0 ? 0.5 : 1));
  return { x, batch: B, steps: T, targets, lossMask };
}

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
  // The exact case (a memoryless top layer) is an identity of the conformance suite above.
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
