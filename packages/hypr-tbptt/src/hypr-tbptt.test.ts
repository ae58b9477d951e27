import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, streamBatch, type Network } from '@snn/core';
import { InvalidArgumentError, UnsupportedError } from '@snn/errors';
import { relativeError, ruleGradients, shapes } from '@snn/testing';
import { describeRuleConformance } from '@snn/testing/vitest';
import { HyprTbpttLearner, hyprTbptt } from './index';

// Every cell of the workspace with a VJP and Jacobians: the learner contract, k = T equals BPTT, with
// W_rec = 0 (nothing is cut) every k equals BPTT, and every vector naming hypr-tbptt.
await describeRuleConformance(hyprTbptt, {
  options: { k: 3 },
  identities: [
    { name: 'k = T equals BPTT', reference: 'bptt', options: ({ steps }) => ({ k: steps }), shapes: [shapes.recurrent(0), shapes.recurrent(0.8)], tolerance: 1e-12 },
    ...[1, 3].map((k) => ({ name: `W_rec = 0, k = ${k}: equals BPTT`, reference: 'bptt', options: { k }, prepare: (n: Network) => n.parameter('W_rec').data.fill(0), parameters: (p: string) => p !== 'W_rec', shapes: [shapes.recurrent(0.6)], tolerance: 1e-11 })),
  ],
  vectors: { fixtures: [resolve(__dirname, '__fixtures__')] },
});

function data(B: number, T: number, I: number, spikes: boolean) {
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = spikes ? (Math.sin(1.7 * i) > 0.2 ? 1 : 0) : Math.cos(0.7 * i) * 0.9;
  const targets = Int32Array.from({ length: B }, (_, b) => b % 3);
  const lossMask = Array.from({ length: T }, (_, t) => 0.5 + (t % 3));
  return { x, batch: B, steps: T, targets, lossMask };
}

const net = (cell: string, kappa: number, neurons = 5, seed = 3) =>
  createNetwork({ inputs: 3, outputs: 3, layers: [{ cell, neurons }], readout: { kappa } }, { dtype: 'float64', seed });

const isSpiking = (cell: string) => !['lstm', 'gru', 'smooth-test'].includes(cell);

describe('hypr-tbptt', () => {
  it('with k = 1 differs from e-prop and HYPR (it keeps the one-step neuron-to-neuron paths) and from TBPTT', () => {
    for (const cell of ['smooth-test', 'lstm']) {
      const n = net(cell, 0.7);
      const d = data(2, 9, 3, false);
      const mine = ruleGradients(n, 'hypr-tbptt', d, { k: 1 });
      const e = ruleGradients(n, 'eprop', d);
      const h = ruleGradients(n, 'hypr', d, { lambda: 3 });
      const t = ruleGradients(n, 'tbptt', d, { k: 1 });
      for (const other of [e, h, t]) {
        expect(relativeError(mine.get('W_rec')!, other.get('W_rec')!)).toBeGreaterThan(1e-3);
        expect(relativeError(mine.get('W_in')!, other.get('W_in')!)).toBeGreaterThan(1e-4);
      }
      // W_out gets its exact gradient from every one of these except TBPTT (which detaches o).
      expect(relativeError(mine.get('W_out')!, e.get('W_out')!)).toBeLessThan(1e-12);
    }
  });

  it('lies between TBPTT and BPTT in the sense that k < T differs from both', () => {
    const n = net('smooth-test', 0.7);
    const d = data(2, 9, 3, false);
    const full = ruleGradients(n, 'bptt', d);
    const mine = ruleGradients(n, 'hypr-tbptt', d, { k: 3 });
    const t = ruleGradients(n, 'tbptt', d, { k: 3 });
    expect(relativeError(mine.get('W_rec')!, full.get('W_rec')!)).toBeGreaterThan(1e-4);
    expect(relativeError(mine.get('W_in')!, t.get('W_in')!)).toBeGreaterThan(1e-3);
  });

  it('per-chunk emission sums to the per-sequence gradient; one event per chunk, the last one shorter', () => {
    for (const cell of ['alif', 'lstm']) {
      const n = net(cell, 0.8);
      const d = data(2, 8, 3, isSpiking(cell));
      const sink = createAccumulatingSink(n);
      const learner = createLearner('hypr-tbptt', n, sink, { k: 3 });
      const result = streamBatch(n, learner, d);
      expect(sink.events.map((e) => e.step)).toEqual([3, 6, 8]);
      expect(sink.events.every((e) => e.cadence === 'chunk')).toBe(true);
      expect(sink.events.reduce((s, e) => s + e.loss, 0)).toBeCloseTo(result.loss, 12);
      const once = ruleGradients(n, 'hypr-tbptt', d, { k: 3, emit: 'sequence' });
      for (const [name, g] of sink.total) expect(relativeError(once.get(name)!, g), name).toBeLessThan(1e-12);
    }
  });

  it('runs several sequences in a row (begin resets the eligibility) and with a different batch size', () => {
    const n = net('se-adlif', 0.5);
    const d = data(2, 7, 3, true);
    const first = ruleGradients(n, 'hypr-tbptt', d, { k: 2 });
    const sink = createAccumulatingSink(n);
    const learner = createLearner('hypr-tbptt', n, sink, { k: 2, emit: 'sequence' });
    streamBatch(n, learner, data(3, 5, 3, true));
    const again = createAccumulatingSink(n);
    const l2 = createLearner('hypr-tbptt', n, again, { k: 2, emit: 'sequence' });
    streamBatch(n, l2, data(3, 5, 3, true));
    streamBatch(n, l2, d);
    const s3 = createAccumulatingSink(n);
    const l3 = createLearner('hypr-tbptt', n, s3, { k: 2, emit: 'sequence' });
    streamBatch(n, l3, d);
    for (const [name, g] of first) expect(relativeError(s3.total.get(name)!, g), name).toBeLessThan(1e-14);
    expect((learner as HyprTbpttLearner).memoryBytes).toBeGreaterThan(0);
  });

  it('learns online with an update after every chunk, where TBPTT with the same k cannot (credit crosses chunks)', () => {
    const train = (rule: string) => {
      const n = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'gru', neurons: 8 }], readout: { kappa: 0.5 } }, { dtype: 'float32', seed: 1 });
      let updates = 0;
      const learner = createLearner(rule, n, (grads) => {
        updates++;
        for (const p of n.parameters()) {
          const g = grads.get(p.name)!;
          for (let i = 0; i < g.length; i++) p.data[i] = p.data[i]! - 0.2 * g[i]!;
        }
        n.markUpdated();
      }, { k: 3 });
      // The class is the sign of the first input at step 1 only; the loss is on steps 7..9 (third chunk).
      const B = 8, T = 9;
      const x = new Float32Array(B * T * 2);
      const targets = new Int32Array(B);
      for (let b = 0; b < B; b++) {
        targets[b] = b % 2;
        x[b * T * 2] = b % 2 ? 1 : -1;
        for (let t = 0; t < T; t++) x[(b * T + t) * 2 + 1] = 0.5;
      }
      const lossMask = Array.from({ length: T }, (_, t) => (t >= 6 ? 1 : 0));
      const losses: number[] = [];
      for (let epoch = 0; epoch < 80; epoch++) losses.push(streamBatch(n, learner, { x, batch: B, steps: T, targets, lossMask }).loss);
      return { first: losses[0]!, last: losses[losses.length - 1]!, updates };
    };
    const mine = train('hypr-tbptt');
    const truncated = train('tbptt');
    expect(mine.updates).toBe(80 * 3);
    expect(mine.last).toBeLessThan(mine.first / 20);
    expect(truncated.last).toBeGreaterThan(truncated.first / 4);
  });

  it('rejects bad options, multi-layer networks and misuse with typed errors', () => {
    const n = net('lif', 0);
    expect(() => createLearner('hypr-tbptt', n, () => {}, {})).toThrow(InvalidArgumentError);
    expect(() => createLearner('hypr-tbptt', n, () => {}, {})).toThrow(/chunk length must be a positive integer, got undefined/);
    expect(() => createLearner('hypr-tbptt', n, () => {}, { k: 0 })).toThrow(/positive integer, got 0/);
    expect(() => createLearner('hypr-tbptt', n, () => {}, { k: 2.5 })).toThrow(/positive integer, got 2.5/);
    expect(() => createLearner('hypr-tbptt', n, () => {}, { k: 2, lambda: 3 })).toThrow(/hypr-tbptt option "lambda"/);
    expect(() => createLearner('hypr-tbptt', n, () => {}, { k: 2, emit: 'step' })).toThrow(/'chunk' or 'sequence'/);
    expect(() => createLearner('hypr-tbptt', n, () => {}, { k: 2, validateInputs: 'yes' })).toThrow(InvalidArgumentError);
    const deep = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'lif', neurons: 4 }, { cell: 'lif', neurons: 4 }] }, { dtype: 'float64' });
    expect(() => new HyprTbpttLearner(deep, () => {}, { k: 2 })).toThrow(UnsupportedError);
    const learner = createLearner('hypr-tbptt', n, () => {}, { k: 2 });
    const input = { x: new Float64Array([0, 1, Number.NaN]), offset: 0, rowStride: 3, targets: new Int32Array([0]), lossWeight: 1 };
    expect(() => learner.step(input)).toThrow(/begin/);
    learner.begin(1);
    expect(() => learner.step(input)).toThrow(/finite/);
    expect(() => learner.begin(0)).toThrow(InvalidArgumentError);
  });
});
