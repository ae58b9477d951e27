import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, createSgd, listCells, listRules, registerCell, registerRule, streamBatch, type Network } from '@snn/core';
import { lif } from '@snn/lif';
import { bptt } from '@snn/bptt';
import { relativeError, ruleGradients, runGradientVectorFile } from '@snn/testing';
import { UnsupportedError } from '@snn/errors';
import { approxOtpe, fApproxOtpe, fOtpe, otpe, otpeRules } from './index';

if (!listCells().includes('lif')) registerCell(lif);
for (const r of [bptt, ...otpeRules]) if (!listRules().includes(r.name)) registerRule(r);

const shared = process.env.SNN_VECTORS ?? resolve(__dirname, '../../../../shared/vectors');
const ffDir = join(shared, 'ff');
const files = existsSync(ffDir) ? readdirSync(ffDir).filter((f) => /-(f-)?(approx-)?otpe-/.test(f)).map((f) => join(ffDir, f)) : [];

describe.skipIf(files.length === 0)('gradient vectors (otpe family)', () => {
  it.each(files.flatMap((f) => [[f, 'float32'] as const, [f, 'float64'] as const]))('%s in %s', (file, dtype) => {
    const r = runGradientVectorFile(file, { dtype });
    expect(r.message ?? '').toBe('');
    expect(r.status).toBe('pass');
  });
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

describe('otpe identities (f64)', () => {
  it.each(['otpe', 'approx-otpe'])('%s with alpha 0 (memoryless layers): equals BPTT', (rule) => {
    const n = net([6, 5, 3], { output: { kind: 'spikes' } }, 0);
    close(ruleGradients(n, rule, data()), ruleGradients(n, 'bptt', data()), all);
  });
  it.each(['f-otpe', 'f-approx-otpe'])('%s with alpha 0 and kappa 0: equals BPTT', (rule) => {
    const n = net([6, 5, 3], { output: { kind: 'leaky-sum', kappa: 0 } }, 0);
    close(ruleGradients(n, rule, data()), ruleGradients(n, 'bptt', data()), all);
  });
  it('otpe: the output layer (OSTL) equals BPTT; hidden layers differ', () => {
    const n = net([6, 5, 3], { output: { kind: 'spikes' } });
    const g = ruleGradients(n, 'otpe', data());
    const ref = ruleGradients(n, 'bptt', data());
    close(g, ref, ['l2.W_in', 'l2.b']);
    expect(relativeError(g.get('l0.W_in')!, ref.get('l0.W_in')!)).toBeGreaterThan(1e-6);
  });
  it('f-otpe: the output layer equals BPTT on the leaky-sum network (R is d o_t / dW)', () => {
    const n = net([6, 5, 3], { output: { kind: 'leaky-sum', kappa: 0.9 } });
    close(ruleGradients(n, 'f-otpe', data()), ruleGradients(n, 'bptt', data()), ['l2.W_in', 'l2.b']);
  });
  it('one layer: otpe equals BPTT (its output layer is OSTL)', () => {
    const n = net([3], { output: { kind: 'spikes' } });
    close(ruleGradients(n, 'otpe', data()), ruleGradients(n, 'bptt', data()), ['l0.W_in', 'l0.b']);
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
