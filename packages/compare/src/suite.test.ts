import { describe, expect, it } from 'vitest';
import { expandTrials, getPreset, mergeConfig, renderTable } from './index';

describe('suites', () => {
  it('options belong to their cell, rule and task: naming another one starts them afresh', () => {
    const c = mergeConfig({ cell: 'lstm' }, { rule: 'tbptt', ruleOptions: { k: 5 } });
    expect(c.cellOptions).toEqual({});
    expect(c.ruleOptions).toEqual({ k: 5 });
    expect(mergeConfig({ cellOptions: { alpha: 0.8 } }).cellOptions).toMatchObject({ alpha: 0.8, theta: 1 });
  });
  it('expands the grid with seeds innermost, ids naming every axis', () => {
    const trials = expandTrials({
      name: 't',
      base: {},
      axes: [
        { name: 'rule', values: [{ label: 'bptt', config: { rule: 'bptt' } }, { label: 'eprop', config: { rule: 'eprop' } }] },
        { name: 'hidden', values: [{ label: 'hidden=8', config: { hidden: 8 } }] },
      ],
      seeds: [1, 2],
    });
    expect(trials.map((t) => t.id)).toEqual(['bptt-hidden=8-s1', 'bptt-hidden=8-s2', 'eprop-hidden=8-s1', 'eprop-hidden=8-s2']);
    expect(trials[3]!.config).toMatchObject({ rule: 'eprop', hidden: 8, seed: 2 });
    expect(() => expandTrials({ name: 't', base: {}, axes: [{ name: 'rule', values: [] }], seeds: [1] })).toThrow(/--rule: needs at least one value/);
  });
  it('presets build at both scales, and the table shows the published numbers beside ours', () => {
    const spec = getPreset('hypr-tbptt-adding');
    expect(spec.base.datasetOptions).toMatchObject({ steps: 100 });
    expect(getPreset('hypr-tbptt-adding', 'tiny').base.datasetOptions).toMatchObject({ steps: 20 });
    expect(getPreset('hypr-tbptt-adding', 'full').base.datasetOptions).toMatchObject({ steps: 5000 });
    const trials = expandTrials(spec);
    expect(trials).toHaveLength(12);
    expect(trials[0]!.config.cellOptions).toEqual({});
    const table = renderTable(spec, trials, []);
    expect(table).toMatch(/\| hypr \| 0 of 3 \| - \| - \| - \| 88.15 \|/);
    expect(() => getPreset('nope')).toThrow(/nope/);
  });
  it('the feed-forward and speed presets build at every scale with the paper\'s settings', () => {
    const cosine = getPreset('otpe-cosine');
    expect(cosine.study).toMatchObject({ name: 'alignment', options: { rules: { spikes: ['ottt', 'ostl', 'otpe', 'approx-otpe'], 'leaky-sum': ['f-otpe', 'f-approx-otpe'] } } });
    const trials = expandTrials(cosine);
    expect(trials.map((t) => t.id).slice(0, 4)).toEqual(['t-randman-spikes-s1', 't-randman-spikes-s2', 't-randman-spikes-s3', 't-randman-leaky-sum-s1']);
    expect(trials[3]!.config).toMatchObject({ output: 'leaky-sum', layers: 2, hidden: 128, feedForward: true, datasetOptions: { encoding: 'time', classes: 10, manifoldDim: 3 } });
    expect(trials[0]!.config.cellOptions).toMatchObject({ alpha: 1 / (1 + Math.exp(-3)), surrogate: { name: 'fast-sigmoid', slope: 25 } });
    const randman = expandTrials(getPreset('otpe-randman'));
    expect(randman).toHaveLength(2 * 7 * 3);
    expect(randman.find((t) => t.id === 'r-randman-f-otpe-s2')!.config).toMatchObject({ rule: 'f-otpe', ruleOptions: { emit: 'step' }, output: 'leaky-sum', optimizer: 'adamax', learningRate: 1e-3, datasetOptions: { encoding: 'rate' } });
    expect(randman.find((t) => t.id === 't-randman-bptt-s1')!.config.ruleOptions).toEqual({});
    const speed = expandTrials(getPreset('hypr-speed', 'tiny'));
    expect(speed.map((t) => t.id)).toEqual(['bptt-T=20-s1', 'bptt-T=40-s1', 'eprop-T=20-s1', 'eprop-T=40-s1', 'hypr-l4-T=20-s1', 'hypr-l4-T=40-s1']);
    expect(expandTrials(getPreset('hypr-speed', 'full')).length).toBeGreaterThan(speed.length);
  });
});
