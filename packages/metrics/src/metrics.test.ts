import { describe, expect, it } from 'vitest';
import { accuracy, defaultGroupOf, formatMeanStd, gradientCosine, meanStd } from './index';

describe('summaries', () => {
  it('mean and sample std over seeds, and their table form', () => {
    const s = meanStd([0.9, 0.95, 1]);
    expect(s.mean).toBeCloseTo(0.95, 12);
    expect(s.std).toBeCloseTo(0.05, 12);
    expect(formatMeanStd(s, { percent: true })).toBe('95.0 ± 5.0');
    expect(formatMeanStd(meanStd([0.5]), { percent: true })).toBe('50.0');
    expect(() => meanStd([])).toThrow(/at least one/);
    expect(() => meanStd([NaN])).toThrow(/finite/);
  });
  it('accuracy', () => {
    expect(accuracy([1, 2, 3, 4], [1, 2, 0, 4])).toBe(0.75);
    expect(() => accuracy([1], [1, 2])).toThrow(/has 1 entries, labels 2/);
  });
});

describe('gradient cosine similarity', () => {
  const g = (entries: Record<string, number[]>) => new Map(Object.entries(entries).map(([k, v]) => [k, Float64Array.from(v)]));
  it('per parameter, per layer and for the model', () => {
    const ref = g({ 'l0.W_in': [1, 0], 'l1.W_in': [0, 1], W_out: [1, 1] });
    const same = gradientCosine(ref, ref);
    expect(same.model).toBeCloseTo(1, 12);
    const mixed = gradientCosine(g({ 'l0.W_in': [2, 0], 'l1.W_in': [0, -1], W_out: [1, -1] }), ref);
    expect(mixed.parameters['l0.W_in']).toBeCloseTo(1, 12);
    expect(mixed.groups.layer1).toBeCloseTo(-1, 12);
    expect(mixed.groups.output).toBeCloseTo(0, 12);
    // model: <a,b> = 2 - 1 + 0 = 1; |a| = sqrt(4 + 1 + 2), |b| = 2
    expect(mixed.model).toBeCloseTo(1 / (Math.sqrt(7) * 2), 12);
    expect(defaultGroupOf('W_rec')).toBe('layer0');
    expect(() => gradientCosine(g({ a: [1] }), g({ b: [1] }))).toThrow(/has no b/);
  });
});
