import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, streamBatch } from '@snn/core';
import { MemoryLimitError } from '@snn/errors';
import { relativeError, ruleGradients, shapes } from '@snn/testing';
import { describeRuleConformance } from '@snn/testing/vitest';
import { influenceBytes, rtrl } from './index';

// RTRL is exact: on every cell of the workspace with Jacobians it equals BPTT (single layers, stacks,
// output-layer networks), matches finite differences on smooth cells, passes every rtrl vector, and
// reproduces every bptt vector (single layer, stacks, feed-forward) at 1e-9.
const exact = { name: 'equals BPTT', reference: 'bptt', shapes: [shapes.recurrent(), shapes.stack(0.7), shapes.outputLayer()], tolerance: 1e-9 };
await describeRuleConformance(rtrl, { exact: true, identities: [exact], vectorsOf: [{ rule: 'bptt', tolerance: 1e-9 }] });

function data(B: number, T: number, I: number) {
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(1.3 * i) > 0.1 ? 1 : Math.sin(0.7 * i) * 0.5;
  return { x, batch: B, steps: T, targets: Int32Array.from({ length: B }, (_, b) => b % 2), lossMask: Array.from({ length: T }, (_, t) => 0.5 + (t % 3)) };
}

describe('rtrl learner', () => {
  it("emit 'step' sums to the sequence gradient", () => {
    const n = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'gru', neurons: 3 }], readout: { kappa: 0.5 } }, { dtype: 'float64', seed: 1 });
    const d = data(2, 10, 3);
    const sink = createAccumulatingSink(n);
    streamBatch(n, createLearner('rtrl', n, sink, { emit: 'step' }), d);
    expect(sink.events.length).toBe(10);
    const ref = ruleGradients(n, 'rtrl', d);
    for (const [name, r] of ref) expect(relativeError(sink.total.get(name)!, r), name).toBeLessThan(1e-12);
  });
});

describe('rtrl memory limit', () => {
  it('refuses a network whose influence tensor exceeds the limit, stating the bytes it would need', () => {
    const n = createNetwork({ inputs: 10, outputs: 2, layers: [{ cell: 'lif', neurons: 64 }] });
    const need = influenceBytes(n, 1);
    expect(need).toBeGreaterThan(1e6);
    expect(() => createLearner('rtrl', n, () => {}, { maxInfluenceBytes: 1e6 })).toThrow(MemoryLimitError);
    expect(() => createLearner('rtrl', n, () => {}, { maxInfluenceBytes: 1e6 })).toThrow(new RegExp(`would need ${need} bytes`));
  });
  it('checks the batch at begin()', () => {
    const n = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'lif', neurons: 4 }] });
    const learner = createLearner('rtrl', n, () => {}, { maxInfluenceBytes: influenceBytes(n, 2) });
    expect(() => learner.begin(2)).not.toThrow();
    expect(() => learner.begin(3)).toThrow(MemoryLimitError);
  });
});
