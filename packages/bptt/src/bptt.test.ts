import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, streamBatch } from '@snn/core';
import { describeRuleConformance } from '@snn/testing/vitest';
import { bptt } from './index';

// Every cell of the workspace: the learner contract on single layers, stacks and output-layer networks,
// finite differences on every smooth cell, and every vector naming bptt.
await describeRuleConformance(bptt, { exact: true, vectors: { fixtures: [resolve(__dirname, '__fixtures__')] } });

function smoothData(B: number, T: number, I: number) {
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(1.3 * i) * 0.8;
  const targets = Int32Array.from({ length: B }, (_, b) => b % 3);
  const lossMask = Array.from({ length: T }, (_, t) => (t % 2 === 0 ? 0.5 : 1));
  return { x, batch: B, steps: T, targets, lossMask };
}

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
