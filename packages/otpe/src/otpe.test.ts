import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, createSgd, streamBatch, type Network } from '@snn/core';
import { indexVectors, relativeError, ruleGradients, sharedVectorDirectories, shapes } from '@snn/testing';
import { describeRuleConformance } from '@snn/testing/vitest';
import { UnsupportedError } from '@snn/errors';
import { approxOtpe, fApproxOtpe, fOtpe, otpe, otpeRules } from './index';


const ff = shapes.feedForwardStack;
const layer = (l: number) => (p: string) => p.startsWith(`l${l}.`);
const memoryless = { name: 'alpha 0 (memoryless layers): equals BPTT', reference: 'bptt', mustReceive: ['l0.W_in'] };
// Every cell of the workspace the OTPE family can train (feed-forward LIF-like layers): the learner
// contract, the exact identities of each rule, and every vector naming it.
await describeRuleConformance(otpe, {
  shapes: [ff([5, 3], { kind: 'spikes' }), ff([5, 4], { kappa: 0.8 })],
  identities: [
    { ...memoryless, shapes: [ff([6, 5, 3], { kind: 'spikes' }, { alpha: 0 })] },
    { name: 'the output layer (OSTL) equals BPTT', reference: 'bptt', parameters: layer(2), shapes: [ff([6, 5, 3], { kind: 'spikes' })] },
    { name: 'one layer: equals BPTT (its output layer is OSTL)', reference: 'bptt', shapes: [ff([3], { kind: 'spikes' })] },
  ],
});
await describeRuleConformance(approxOtpe, { shapes: [ff([5, 3], { kind: 'spikes' })], identities: [{ ...memoryless, shapes: [ff([6, 5, 3], { kind: 'spikes' }, { alpha: 0 })] }] });
for (const rule of [fOtpe, fApproxOtpe]) {
  await describeRuleConformance(rule, {
    shapes: [ff([5, 3], { kind: 'leaky-sum', kappa: 0.9 })],
    identities: [
      { ...memoryless, name: 'alpha 0 and kappa 0: equals BPTT', shapes: [ff([6, 5, 3], { kind: 'leaky-sum', kappa: 0 }, { alpha: 0 })] },
      ...(rule === fOtpe ? [{ name: 'the output layer equals BPTT on the leaky-sum network (R is d o_t / dW)', reference: 'bptt', parameters: layer(2), shapes: [ff([6, 5, 3], { kind: 'leaky-sum', kappa: 0.9 })] }] : []),
    ],
  });
}
const files = indexVectors(sharedVectorDirectories()).filter((e) => otpeRules.some((r) => r.name === e.rule)).map((e) => e.file);

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

const all = ['l0.W_in', 'l0.b', 'l1.W_in', 'l1.b', 'l2.W_in', 'l2.b'];

describe('layer rules', () => {
  it.skipIf(files.length === 0)('are the ones each vector names (rule.layerRules)', () => {
    const defs = { otpe, 'approx-otpe': approxOtpe, 'f-otpe': fOtpe, 'f-approx-otpe': fApproxOtpe } as const;
    for (const f of files) {
      const v = JSON.parse(readFileSync(f, 'utf8'));
      expect(defs[v.rule.name as keyof typeof defs].layerRuleNames(v.layers.length, true)).toEqual(v.rule.layerRules);
    }
  });
  it('with a readout every spiking layer is a hidden layer', () => {
    expect(otpe.layerRuleNames(3, false)).toEqual(['otpe', 'otpe', 'otpe']);
    expect(approxOtpe.layerRuleNames(2, true)).toEqual(['approx-otpe', 'ottt']);
  });
});

describe('otpe is not BPTT', () => {
  it('hidden layers differ from BPTT', () => {
    const n = net([6, 5, 3], { output: { kind: 'spikes' } });
    expect(relativeError(ruleGradients(n, 'otpe', data()).get('l0.W_in')!, ruleGradients(n, 'bptt', data()).get('l0.W_in')!)).toBeGreaterThan(1e-6);
  });
});

describe('otpe online and offline use', () => {
  it.each(['otpe', 'approx-otpe'])("%s: emit 'step' sums to the offline gradient", (rule) => {
    const n = net([5, 4, 3], { output: { kind: 'spikes' } });
    const d = data();
    const sink = createAccumulatingSink(n);
    streamBatch(n, createLearner(rule, n, sink, { emit: 'step' }), d);
    expect(sink.events.length).toBe(16);
    close(sink.total, ruleGradients(n, rule, d), all, 1e-12);
  });
  it('online SGD changes the weights', () => {
    const n = net([5, 3], { output: { kind: 'leaky-sum', kappa: 0.9 } });
    const before = Float64Array.from(n.parameter('l0.W_in').data);
    const sgd = createSgd(n.parameters(), { learningRate: 0.1 }, () => n.markUpdated());
    streamBatch(n, createLearner('f-approx-otpe', n, (g) => sgd.step(g), { emit: 'step' }), data());
    expect(relativeError(n.parameter('l0.W_in').data, before)).toBeGreaterThan(0);
  });
  it('memory: OTPE O(H m), Approx-OTPE O(m + H) per layer, constant in T', () => {
    const n = net([6, 3], { output: { kind: 'spikes' } });
    const bytes = (rule: string, T: number) => {
      const learner = createLearner(rule, n, createAccumulatingSink(n)) as unknown as { memoryBytes: number };
      streamBatch(n, learner as never, data(2, T));
      return learner.memoryBytes;
    };
    expect(bytes('otpe', 200)).toBe(bytes('otpe', 10));
    expect(bytes('approx-otpe', 200)).toBe(bytes('approx-otpe', 10));
    // otpe hidden layer: e, R (H m each), e^b, R^b, gbar (H) + the norm; output (OSTL): e, e^b, psi
    expect(bytes('otpe', 10)).toBe(8 * 2 * (2 * 6 * 4 + 3 * 6) + 8 + 8 * 2 * (3 * 6 + 3 + 3));
    // approx hidden: a, zhat (m each), gbar (H) + the norm; output (OTTT): a (m), psi (H)
    expect(bytes('approx-otpe', 10)).toBe(8 * 2 * (2 * 4 + 6) + 8 + 8 * 2 * (6 + 3));
  });
  it('refuses a network form the rule is not defined for', () => {
    expect(() => createLearner('otpe', net([4, 3], { output: { kind: 'leaky-sum', kappa: 0.9 } }), () => {})).toThrow(UnsupportedError);
    expect(() => createLearner('f-otpe', net([4, 3], { output: { kind: 'spikes' } }), () => {})).toThrow(/leaky-sum/);
  });
});
