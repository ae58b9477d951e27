import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, streamBatch } from '@snn/core';
import { relativeError, ruleGradients, shapes } from '@snn/testing';
import { describeRuleConformance } from '@snn/testing/vitest';
import { tbptt } from './index';

// Every cell of the workspace that tbptt can train: the learner contract, k = T equals BPTT on single
// layers, stacks and output-layer networks, and every vector naming tbptt.
await describeRuleConformance(tbptt, {
  options: { k: 3 },
  identities: [{ name: 'k = T equals BPTT', reference: 'bptt', options: ({ steps }) => ({ k: steps }), shapes: [shapes.recurrent(), shapes.stack(), shapes.outputLayer()] }],
  vectors: { fixtures: [resolve(__dirname, '__fixtures__')] },
});

function smoothData(B: number, T: number, I: number) {
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = Math.cos(0.7 * i) * 0.9;
  return { x, batch: B, steps: T, targets: Int32Array.from({ length: B }, (_, b) => b % 3), lossMask: Array.from({ length: T }, (_, t) => 0.5 + (t % 3)) };
}

const smoothNet = (layers = 1) =>
  createNetwork(
    { inputs: 3, outputs: 3, layers: Array.from({ length: layers }, () => ({ cell: 'smooth-test', neurons: 4 })), readout: { kappa: 0.7 } },
    { dtype: 'float64', seed: 5 },
  );

describe('tbptt', () => {
  it('with k < T differs from BPTT, and per-chunk emission sums to the per-sequence gradient', () => {
    const net = smoothNet();
    const data = smoothData(2, 7, 3);
    const full = ruleGradients(net, 'bptt', data);
    const chunked = ruleGradients(net, 'tbptt', data, { k: 3 });
    const once = ruleGradients(net, 'tbptt', data, { k: 3, emit: 'sequence' });
    expect(relativeError(chunked.get('W_rec')!, full.get('W_rec')!)).toBeGreaterThan(1e-3);
    for (const [name, g] of chunked) expect(relativeError(once.get(name)!, g), name).toBeLessThan(1e-12);
  });
  it('hands out one gradient per chunk (the last one shorter) and keeps the loss of the whole sequence', () => {
    const net = smoothNet();
    const sink = createAccumulatingSink(net);
    const learner = createLearner('tbptt', net, sink, { k: 3 });
    const result = streamBatch(net, learner, smoothData(2, 7, 3));
    expect(sink.events.map((e) => e.step)).toEqual([3, 6, 7]);
    expect(sink.events.every((e) => e.cadence === 'chunk')).toBe(true);
    const sum = sink.events.reduce((s, e) => s + e.loss, 0);
    expect(sum).toBeCloseTo(result.loss, 12);
  });
  it('tBPTT1 (k = 1) updates after every step and learns a simple task', () => {
    const net = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'lstm', neurons: 8 }], readout: { kappa: 0 } }, { dtype: 'float32', seed: 1 });
    let updates = 0;
    const learning = 0.05;
    const learner = createLearner('tbptt', net, (grads) => {
      updates++;
      for (const p of net.parameters()) {
        const g = grads.get(p.name)!;
        for (let i = 0; i < g.length; i++) p.data[i] = p.data[i]! - learning * g[i]!;
      }
      net.markUpdated();
    }, { k: 1 });
    // The class is given by the sign of the first input at every step: no memory needed.
    const B = 8, T = 10;
    const x = new Float32Array(B * T * 2);
    const targets = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      targets[b] = b % 2;
      for (let t = 0; t < T; t++) x[(b * T + t) * 2] = b % 2 ? 1 : -1;
    }
    let first = 0;
    let last = 0;
    for (let epoch = 0; epoch < 30; epoch++) {
      const r = streamBatch(net, learner, { x, batch: B, steps: T, targets });
      if (epoch === 0) first = r.loss;
      last = r.loss;
    }
    expect(updates).toBe(30 * T);
    expect(last).toBeLessThan(first / 4);
  });
  it('rejects a missing or bad chunk length and unknown options', () => {
    const net = smoothNet();
    expect(() => createLearner('tbptt', net, () => {}, {})).toThrow(/chunk length must be a positive integer, got undefined/);
    expect(() => createLearner('tbptt', net, () => {}, { k: 0 })).toThrow(/positive integer, got 0/);
    expect(() => createLearner('tbptt', net, () => {}, { k: 2, lambda: 3 })).toThrow(/tbptt option "lambda"/);
    expect(() => createLearner('tbptt', net, () => {}, { k: 2, emit: 'step' })).toThrow(/'chunk' or 'sequence'/);
  });
});
