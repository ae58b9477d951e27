import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createLearner, createNetwork, listCells, listRules, registerCell, registerRule, streamBatch } from '@snn/core';
import { lif } from '@snn/lif';
import { alif } from '@snn/alif';
import { brf } from '@snn/brf';
import { seAdlif } from '@snn/se-adlif';
import { lstm } from '@snn/lstm';
import { gru } from '@snn/gru';
import { bptt } from '@snn/bptt';
import { MemoryLimitError } from '@snn/errors';
import { parseGradientVector, relativeError, ruleGradients, runGradientVector, runGradientVectorFile, smoothTestCell } from '@snn/testing';
import { influenceBytes, rtrl } from './index';

for (const c of [lif, alif, brf, seAdlif, lstm, gru, smoothTestCell]) if (!listCells().includes(c.name)) registerCell(c);
for (const r of [bptt, rtrl]) if (!listRules().includes(r.name)) registerRule(r);

const shared = process.env.SNN_VECTORS ?? resolve(__dirname, '../../../../shared/vectors');
const list = (dir: string, re: RegExp) => (existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)).map((f) => join(dir, f)) : []);
const rtrlFiles = list(shared, /^rtrl-/);
// Every bptt vector (single layer, stacks, feed-forward output-layer networks), run with rule rtrl.
const bpttFiles = [...list(shared, /-bptt-/), ...list(join(shared, 'ff'), /-bptt-/)];

describe.skipIf(rtrlFiles.length === 0)('rtrl vectors', () => {
  it.each(rtrlFiles.flatMap((f) => [[f, 'float32'] as const, [f, 'float64'] as const]))('%s in %s', (file, dtype) => {
    const r = runGradientVectorFile(file, { dtype });
    expect(r.message ?? '').toBe('');
    expect(r.status).toBe('pass');
  });
});

describe.skipIf(bpttFiles.length === 0)('rtrl reproduces every bptt vector (f64, 1e-9)', () => {
  it.each(bpttFiles)('%s', (file) => {
    const v = parseGradientVector(JSON.parse(readFileSync(file, 'utf8')), file);
    const r = runGradientVector({ ...v, rule: { name: 'rtrl' } }, { dtype: 'float64', file });
    expect(r.message ?? '').toBe('');
    expect(r.status).toBe('pass');
    expect(r.worst!.relativeError).toBeLessThan(1e-9);
  });
});

function data(B: number, T: number, I: number) {
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(1.3 * i) > 0.1 ? 1 : Math.sin(0.7 * i) * 0.5;
  return { x, batch: B, steps: T, targets: Int32Array.from({ length: B }, (_, b) => b % 2), lossMask: Array.from({ length: T }, (_, t) => 0.5 + (t % 3)) };
}

describe('rtrl equals bptt (f64, independent of the vectors)', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['lif', { alpha: 0.9, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 5 } }],
    ['alif', {}],
    ['lstm', {}],
    ['gru', {}],
    ['smooth-test', {}],
  ];
  it.each(cases)('%s: two recurrent layers under a leaky readout', (cell, cellOptions) => {
    const n = createNetwork(
      { inputs: 3, outputs: 2, layers: [{ cell, neurons: 4, cellOptions }, { cell, neurons: 3, cellOptions, recurrent: false }], readout: { kappa: 0.7 } },
      { dtype: 'float64', seed: 5, init: { inputScale: 2 } },
    );
    const d = data(2, 15, 3);
    const g = ruleGradients(n, 'rtrl', d);
    const ref = ruleGradients(n, 'bptt', d);
    for (const [name, r] of ref) expect(relativeError(g.get(name)!, r), name).toBeLessThan(1e-9);
  });
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
