import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, createSgd, registerRule, streamBatch, type Network } from '@snn/core';
import { CheckpointError, InvalidArgumentError } from '@snn/errors';
import { conformanceData, relativeError, shapes } from '@snn/testing';
import { describeRuleConformance } from '@snn/testing/vitest';
import { DynamicRegulariser, fptt } from './index';

// Every cell of the workspace that FPTT can train: the learner contract, and with the weights held
// fixed (no update, so the regulariser's gradient is zero) FPTT's gradient is truncated BPTT's with
// the same window, and BPTT's when the window is the whole sequence.
await describeRuleConformance(fptt, {
  options: { alpha: 0.5 },
  identities: [
    { name: 'weights fixed, k = 1: equals truncated BPTT with k = 1', reference: 'tbptt', options: { alpha: 0.5 }, referenceOptions: { k: 1 }, shapes: [shapes.recurrent(), shapes.stack()] },
    { name: 'weights fixed, k = T: equals BPTT', reference: 'bptt', options: ({ steps }) => ({ k: steps, alpha: 0.5 }), shapes: [shapes.recurrent()] },
  ],
  vectors: false,
});
registerRule(fptt, { override: true });

const net = (seed = 3): Network =>
  createNetwork({ inputs: 3, outputs: 3, layers: [{ cell: 'lstm', neurons: 5 }], readout: { kappa: 0.5 } }, { dtype: 'float64', seed });
const batch = (seed: number) => {
  const d = conformanceData({ name: 'fptt', layers: [{ neurons: 5 }], batch: 3, steps: 8 }, false);
  for (let i = 0; i < d.x.length; i++) d.x[i] = Math.sin(0.37 * i * seed + seed);
  return d;
};
const snapshot = (n: Network) => new Map(n.parameters().map((p) => [p.name, Float64Array.from(p.data)]));

/** Trains `rule` with plain SGD for `batches` batches and returns the final weights. */
function train(rule: string, options: Record<string, unknown>, batches: number, n = net()): Map<string, Float64Array> {
  const sgd = createSgd(n.parameters(), { learningRate: 0.05 }, () => n.markUpdated());
  const learner = createLearner(rule, n, (g) => sgd.step(g), options);
  for (let i = 0; i < batches; i++) streamBatch(n, learner, batch(i + 1));
  return snapshot(n);
}

describe('fptt under SGD', () => {
  it('alpha = 0 gives exactly the weights of truncated BPTT with the same window (k = 1 and k = 3)', () => {
    for (const k of [1, 3]) {
      const a = train('fptt', { alpha: 0, k }, 3);
      const b = train('tbptt', { k }, 3);
      for (const [name, w] of b) expect(relativeError(a.get(name)!, w), `${name} k=${k}`).toBeLessThan(1e-13);
    }
  });
  it('alpha > 0 pulls the weights towards their running average: a different path from truncated BPTT', () => {
    const a = train('fptt', { alpha: 2 }, 3);
    const b = train('tbptt', { k: 1 }, 3);
    expect(relativeError(a.get('W_rec')!, b.get('W_rec')!)).toBeGreaterThan(1e-5);
  });
  it('one window by hand: the sink sees dL/dW + alpha (W - Wbar) - lambda, then lambda and Wbar move', () => {
    const n = net();
    const learner = createLearner('fptt', n, () => {}, { alpha: 0.3, beta: 0.5 });
    const reg = (learner as unknown as { regulariser: DynamicRegulariser }).regulariser;
    // Put the regulariser somewhere nontrivial, then compare the sink's gradient with tbptt's plus dR/dW.
    const w = n.parameter('W_in').data;
    reg.mean.get('W_in')!.forEach((_, i, m) => (m[i] = w[i]! + 0.01 * Math.cos(i)));
    reg.dual.get('W_in')!.forEach((_, i, l) => (l[i] = 0.02 * Math.sin(i)));
    const seen: Float64Array[] = [];
    const l2 = createLearner('fptt', n, (g) => seen.push(Float64Array.from(g.get('W_in')!)), { alpha: 0.3, beta: 0.5 });
    const r2 = (l2 as unknown as { regulariser: DynamicRegulariser }).regulariser;
    r2.mean.get('W_in')!.set(reg.mean.get('W_in')!);
    r2.dual.get('W_in')!.set(reg.dual.get('W_in')!);
    const m0 = Float64Array.from(r2.mean.get('W_in')!);
    const l0 = Float64Array.from(r2.dual.get('W_in')!);
    const plain: Float64Array[] = [];
    const t = createLearner('tbptt', n, (g) => plain.push(Float64Array.from(g.get('W_in')!)), { k: 1 });
    const d = batch(1);
    streamBatch(n, l2, d);
    streamBatch(n, t, d);
    const expected0 = plain[0]!.map((g, i) => g + 0.3 * (w[i]! - m0[i]!) - l0[i]!);
    expect(relativeError(seen[0]!, expected0)).toBeLessThan(1e-14);
    // Weights never moved (the sink did nothing): lambda_1 = lambda_0 - alpha (W - Wbar_0).
    const l1 = l0.map((l, i) => l - 0.3 * (w[i]! - m0[i]!));
    const m1 = m0.map((m, i) => 0.5 * m + 0.5 * w[i]! - (0.5 / 0.3) * l1[i]!);
    const expected1 = plain[1]!.map((g, i) => g + 0.3 * (w[i]! - m1[i]!) - l1[i]!);
    expect(relativeError(seen[1]!, expected1)).toBeLessThan(1e-13);
    expect(seen).toHaveLength(d.steps);
  });
  it('learns a task whose class is given by the input sign at every step', () => {
    const n = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'gru', neurons: 8 }], readout: { kappa: 0 } }, { dtype: 'float32', seed: 1 });
    const sgd = createSgd(n.parameters(), { learningRate: 0.05 }, () => n.markUpdated());
    const learner = createLearner('fptt', n, (g) => sgd.step(g), { alpha: 0.1 });
    const B = 8, T = 10;
    const x = new Float32Array(B * T * 2);
    const targets = Int32Array.from({ length: B }, (_, b) => b % 2);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) x[(b * T + t) * 2] = b % 2 ? 1 : -1;
    const losses: number[] = [];
    for (let epoch = 0; epoch < 30; epoch++) losses.push(streamBatch(n, learner, { x, batch: B, steps: T, targets }).loss);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 4);
  });
});

describe('the dynamic regulariser', () => {
  it('its gradient is the derivative of its value (central differences)', () => {
    const n = net(7);
    const reg = new DynamicRegulariser(n.parameters(), 0.7, 0.5);
    for (const [name, m] of reg.mean) m.forEach((v, i) => (m[i] = v + 0.1 * Math.sin(i + name.length)));
    for (const l of reg.dual.values()) l.forEach((_, i) => (l[i] = 0.05 * Math.cos(3 * i)));
    const out = new Map(n.parameters().map((p) => [p.name, new Float64Array(p.data.length)]));
    reg.addGradient(new Map(), out);
    for (const p of n.parameters()) {
      const fd = new Float64Array(p.data.length);
      for (let i = 0; i < p.data.length; i++) {
        const keep = p.data[i]!;
        p.data[i] = keep + 1e-6;
        const plus = reg.value();
        p.data[i] = keep - 1e-6;
        const minus = reg.value();
        p.data[i] = keep;
        fd[i] = (plus - minus) / 2e-6;
      }
      expect(relativeError(out.get(p.name)!, fd), p.name).toBeLessThan(1e-7);
    }
  });
  it('exportState / importState continue a run exactly', () => {
    const straight = net();
    const sgdA = createSgd(straight.parameters(), { learningRate: 0.05 }, () => straight.markUpdated());
    const a = createLearner('fptt', straight, (g) => sgdA.step(g), { alpha: 0.4 });
    for (let i = 0; i < 3; i++) streamBatch(straight, a, batch(i + 1));

    const first = net();
    const sgdB = createSgd(first.parameters(), { learningRate: 0.05 }, () => first.markUpdated());
    const b = createLearner('fptt', first, (g) => sgdB.step(g), { alpha: 0.4 });
    streamBatch(first, b, batch(1));
    const saved = b.exportState!();
    // A new process: same weights, a fresh learner, the saved regulariser state.
    const second = net();
    for (const p of first.parameters()) second.setParameter(p.name, p.data, p.shape);
    const sgdC = createSgd(second.parameters(), { learningRate: 0.05 }, () => second.markUpdated());
    const c = createLearner('fptt', second, (g) => sgdC.step(g), { alpha: 0.4 });
    c.importState!(saved);
    for (let i = 1; i < 3; i++) streamBatch(second, c, batch(i + 1));
    for (const p of straight.parameters()) expect(relativeError(second.parameter(p.name).data, p.data), p.name).toBe(0);
    // Without the state the run would differ.
    expect(Object.keys(saved)).toContain('mean.W_rec');
  });
  it('refuses state of another network with a typed error', () => {
    const n = net();
    const l = createLearner('fptt', n, () => {});
    const other = createLearner('fptt', createNetwork({ inputs: 3, outputs: 3, layers: [{ cell: 'lstm', neurons: 4 }] }, { dtype: 'float64' }), () => {});
    expect(() => l.importState!(other.exportState!())).toThrow(CheckpointError);
    expect(() => l.importState!(other.exportState!())).toThrow(/mean.W_in holds 48 values, the parameter 60/);
    expect(() => l.importState!({ ...l.exportState!(), 'mean.W_zz': new Float64Array(1) })).toThrow(/mean.W_zz/);
  });
});

describe('fptt options', () => {
  it('rejects bad values and unknown options, naming them', () => {
    const n = net();
    expect(() => createLearner('fptt', n, () => {}, { alpha: -1 })).toThrow(InvalidArgumentError);
    expect(() => createLearner('fptt', n, () => {}, { alpha: -1 })).toThrow(/fptt option "alpha".*>= 0/);
    expect(() => createLearner('fptt', n, () => {}, { beta: 0 })).toThrow(/fptt option "beta"/);
    expect(() => createLearner('fptt', n, () => {}, { k: 0 })).toThrow(/fptt option "k".*positive integer/);
    expect(() => createLearner('fptt', n, () => {}, { lambda: 2 })).toThrow(/fptt option "lambda"/);
  });
  it('emits per step with k = 1 and per window otherwise', () => {
    const n = net();
    const sink = createAccumulatingSink(n);
    streamBatch(n, createLearner('fptt', n, sink, { k: 3 }), batch(1));
    expect(sink.events.map((e) => e.step)).toEqual([3, 6, 8]);
    expect(sink.events.every((e) => e.cadence === 'chunk')).toBe(true);
    expect(createLearner('fptt', n, () => {}).cadence).toBe('step');
  });
});
