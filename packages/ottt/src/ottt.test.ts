import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, createSgd, streamBatch, type Network } from '@snn/core';
import { relativeError, ruleGradients, shapes } from '@snn/testing';
import { describeRuleConformance } from '@snn/testing/vitest';
import { UnsupportedError } from '@snn/errors';
import { ottt } from './index';

const ff = shapes.feedForwardStack;
// Every cell of the workspace ottt can train (feed-forward LIF-like layers): the learner contract, the
// exact identities, and every vector naming ottt.
await describeRuleConformance(ottt, {
  shapes: [ff([5, 3], { kind: 'spikes' }), ff([5, 4], { kappa: 0.8 })],
  identities: [
    { name: 'alpha 0 (memoryless layers, traces = inputs): equals BPTT', reference: 'bptt', shapes: [ff([6, 5, 3], { kind: 'spikes' }, { alpha: 0 })], mustReceive: ['l0.W_in'] },
    { name: 'standard readout: the readout gradient is exact for any kappa', reference: 'bptt', parameters: (p) => p === 'W_out' || p === 'b_out', shapes: [ff([5, 4], { kappa: 0.8 })] },
  ],
});

const cellOptions = { alpha: 0.9, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 25 } };
function net(widths: number[], form: { output?: { kind: 'spikes' } | { kind: 'leaky-sum'; kappa: number }; kappa?: number }, alpha = 0.9): Network {
  const layers = widths.map((neurons) => ({ cell: 'lif', neurons, recurrent: false, cellOptions: { ...cellOptions, alpha } }));
  return createNetwork(
    { inputs: 4, outputs: 3, layers, ...(form.output ? { output: form.output } : { readout: { kappa: form.kappa ?? 0 } }) },
    { dtype: 'float64', seed: 3, naming: 'prefixed', init: { inputScale: 3 } },
  );
}
function data(B = 3, T = 20) {
  const x = new Float64Array(B * T * 4);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(1.7 * i + 0.3) > 0.2 ? 1 : 0;
  return { x, batch: B, steps: T, targets: Int32Array.from({ length: B }, (_, b) => b % 3), lossMask: Array.from({ length: T }, (_, t) => (t < 4 ? 0 : 1 + 0.1 * t)) };
}
const close = (a: Map<string, ArrayLike<number>>, b: Map<string, ArrayLike<number>>, names: string[], tol = 1e-10) => {
  for (const n of names) expect(relativeError(a.get(n)!, b.get(n)!), n).toBeLessThan(tol);
};

describe('ottt is not BPTT', () => {
  it('with a leak it differs from BPTT (reset cut, upper layers memoryless)', () => {
    const n = net([6, 3], { output: { kind: 'spikes' } });
    expect(relativeError(ruleGradients(n, 'ottt', data()).get('l0.W_in')!, ruleGradients(n, 'bptt', data()).get('l0.W_in')!)).toBeGreaterThan(1e-6);
  });
});

describe('ottt online and offline use', () => {
  it("emit 'step' sums to the offline gradient", () => {
    const n = net([5, 3], { output: { kind: 'leaky-sum', kappa: 0.9 } });
    const d = data();
    const sink = createAccumulatingSink(n);
    streamBatch(n, createLearner('ottt', n, sink, { emit: 'step' }), d);
    expect(sink.events.length).toBe(16);
    close(sink.total, ruleGradients(n, 'ottt', d), ['l0.W_in', 'l0.b', 'l1.W_in', 'l1.b'], 1e-12);
  });
  it('online SGD changes the weights', () => {
    const n = net([5, 3], { output: { kind: 'spikes' } });
    const before = Float64Array.from(n.parameter('l1.W_in').data);
    const sgd = createSgd(n.parameters(), { learningRate: 0.1 }, () => n.markUpdated());
    streamBatch(n, createLearner('ottt', n, (g) => sgd.step(g), { emit: 'step' }), data());
    expect(relativeError(n.parameter('l1.W_in').data, before)).toBeGreaterThan(0);
  });
  it('trace memory is O(m + H) per layer and does not grow with T', () => {
    const n = net([6, 3], { output: { kind: 'spikes' } });
    const learner = createLearner('ottt', n, createAccumulatingSink(n)) as unknown as { memoryBytes: number };
    streamBatch(n, learner as never, data(2, 10));
    const m10 = learner.memoryBytes;
    streamBatch(n, learner as never, data(2, 200));
    expect(learner.memoryBytes).toBe(m10);
    expect(m10).toBe(8 * 2 * (4 + 6 + (6 + 3)));
  });
  it('refuses non-LIF-like cells with a typed error', () => {
    const n = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'lif', neurons: 3, cellOptions }] });
    expect(() => createLearner('ottt', n, () => {})).toThrow(UnsupportedError);
  });
});
