import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, createSgd, listCells, listRules, registerCell, registerRule, streamBatch, type Network } from '@snn/core';
import { lif } from '@snn/lif';
import { bptt } from '@snn/bptt';
import { relativeError, ruleGradients, runGradientVectorFile } from '@snn/testing';
import { UnsupportedError } from '@snn/errors';
import { ostl } from './index';

if (!listCells().includes('lif')) registerCell(lif);
for (const r of [bptt, ostl]) if (!listRules().includes(r.name)) registerRule(r);

const shared = process.env.SNN_VECTORS ?? resolve(__dirname, '../../../../shared/vectors');
const ffDir = join(shared, 'ff');
const files = existsSync(ffDir) ? readdirSync(ffDir).filter((f) => /-ostl-/.test(f)).map((f) => join(ffDir, f)) : [];

describe.skipIf(files.length === 0)('gradient vectors (ostl)', () => {
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

describe('ostl identities (f64)', () => {
  it('one spiking output layer: equals BPTT', () => {
    const n = net([3], { output: { kind: 'spikes' } });
    const g = ruleGradients(n, 'ostl', data());
    const ref = ruleGradients(n, 'bptt', data());
    expect(Math.max(...[...ref.values()].map((v) => Math.max(...Array.from(v, Math.abs))))).toBeGreaterThan(0);
    close(g, ref, ['l0.W_in', 'l0.b']);
  });
  it('deep: the output layer equals BPTT, the hidden layers do not', () => {
    const n = net([6, 5, 3], { output: { kind: 'spikes' } });
    const g = ruleGradients(n, 'ostl', data());
    const ref = ruleGradients(n, 'bptt', data());
    close(g, ref, ['l2.W_in', 'l2.b']);
    expect(relativeError(g.get('l0.W_in')!, ref.get('l0.W_in')!)).toBeGreaterThan(1e-6);
  });
  it('alpha 0 (memoryless layers): every layer equals BPTT', () => {
    const n = net([6, 5, 3], { output: { kind: 'spikes' } }, 0);
    close(ruleGradients(n, 'ostl', data()), ruleGradients(n, 'bptt', data()), ['l0.W_in', 'l0.b', 'l1.W_in', 'l1.b', 'l2.W_in', 'l2.b']);
  });
  it('standard readout, one layer, kappa 0: equals BPTT (readout included)', () => {
    const n = createNetwork(
      { inputs: 4, outputs: 3, layers: [{ cell: 'lif', neurons: 5, recurrent: false, cellOptions }], readout: { kappa: 0 } },
      { dtype: 'float64', seed: 3, init: { inputScale: 3 } },
    );
    close(ruleGradients(n, 'ostl', data()), ruleGradients(n, 'bptt', data()), ['W_in', 'b', 'W_out', 'b_out']);
  });
  it('standard readout with kappa 0.8: the readout gradient is exact (kappa-filtered traces)', () => {
    const n = net([5, 4], { kappa: 0.8 });
    close(ruleGradients(n, 'ostl', data()), ruleGradients(n, 'bptt', data()), ['W_out', 'b_out']);
  });
});

describe('ostl online and offline use', () => {
  it("emit 'step' hands one gradient per step with loss; their sum is the offline gradient", () => {
    const n = net([5, 3], { output: { kind: 'spikes' } });
    const d = data();
    const sink = createAccumulatingSink(n);
    streamBatch(n, createLearner('ostl', n, sink, { emit: 'step' }), d);
    expect(sink.events.length).toBe(d.lossMask.filter((w) => w !== 0).length);
    expect(sink.events.every((e) => e.cadence === 'step')).toBe(true);
    close(sink.total, ruleGradients(n, 'ostl', d), ['l0.W_in', 'l0.b', 'l1.W_in', 'l1.b'], 1e-12);
  });
  it('online SGD updates the weights every step', () => {
    const n = net([5, 3], { output: { kind: 'spikes' } });
    const before = Float64Array.from(n.parameter('l0.W_in').data);
    const sgd = createSgd(n.parameters(), { learningRate: 0.1 }, () => n.markUpdated());
    let calls = 0;
    const learner = createLearner('ostl', n, (g) => (calls++, sgd.step(g)), { emit: 'step' });
    streamBatch(n, learner, data());
    expect(calls).toBe(16);
    expect(relativeError(n.parameter('l0.W_in').data, before)).toBeGreaterThan(0);
  });
  it('trace memory is O(H m) per layer and does not grow with T', () => {
    const n = net([6, 3], { output: { kind: 'spikes' } });
    const sink = createAccumulatingSink(n);
    const learner = createLearner('ostl', n, sink) as unknown as { memoryBytes: number };
    streamBatch(n, learner as never, data(2, 10));
    const m10 = learner.memoryBytes;
    streamBatch(n, learner as never, data(2, 200));
    expect(learner.memoryBytes).toBe(m10);
    // e (H m) and e^b (H) and psi (H) per sequence, 8 bytes each
    expect(m10).toBe(8 * 2 * (6 * 4 + 6 + 6 + (3 * 6 + 3 + 3)));
  });
  it('refuses recurrent layers with a typed error', () => {
    const n = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'lif', neurons: 3, cellOptions }] });
    expect(() => createLearner('ostl', n, () => {})).toThrow(UnsupportedError);
    expect(() => createLearner('ostl', n, () => {})).toThrow(/recurrent: false/);
  });
});
