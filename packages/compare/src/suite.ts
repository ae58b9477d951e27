import { defaultTrainConfig, type TrainConfig } from '@snn/runs';
import { InvalidArgumentError } from '@snn/errors';

/** One value of an axis: a label for tables and folder names, and what it sets in the configuration. */
export interface AxisValue {
  label: string;
  config: Partial<TrainConfig>;
}

/** A dimension of the grid: every trial takes one value of every axis. */
export interface Axis {
  name: string;
  values: AxisValue[];
}

/** What a suite trains: the base configuration, the grid's axes, the seeds; every trial has the same budget. */
export interface SuiteSpec {
  name: string;
  description?: string;
  base: Partial<TrainConfig>;
  axes: Axis[];
  seeds: number[];
  /** Published numbers beside ours, by group label (the axis labels joined with ' · '). */
  published?: Record<string, string>;
  /** Where the published numbers come from. */
  source?: string;
  /**
   * What every trial does: by default it trains (`snn train` with the trial's configuration); a study
   * (registerStudy, e.g. the CLI's gradient-alignment and speed studies) measures something else, with
   * these options for every trial.
   */
  study?: { name: string; options?: Record<string, unknown> };
}

/** One training run of a suite. */
export interface Trial {
  /** Position in the grid (table and results order). */
  index: number;
  /** Folder name under trials/: the axis labels and the seed. */
  id: string;
  /** The configuration without the seed, e.g. "adding · lstm · hypr". */
  group: string;
  labels: Record<string, string>;
  seed: number;
  config: TrainConfig;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9.=+-]+/g, '_');

/** Merges partial configurations; option objects (datasetOptions, ruleOptions, cellOptions) merge key by key. */
export function mergeConfig(...parts: Array<Partial<TrainConfig>>): TrainConfig {
  let out: TrainConfig = { ...defaultTrainConfig };
  for (const p of parts) {
    const next = { ...out, ...p };
    // Options belong to what they configure: a part that names another cell, rule or task starts its
    // options afresh (LIF's alpha means nothing to an LSTM); otherwise they merge key by key.
    const owner = { datasetOptions: 'dataset', ruleOptions: 'rule', cellOptions: 'cell' } as const;
    for (const key of ['datasetOptions', 'ruleOptions', 'cellOptions'] as const) {
      const changed = p[owner[key]] !== undefined && p[owner[key]] !== out[owner[key]];
      const before = changed ? {} : (out[key] as Record<string, unknown>);
      next[key] = { ...before, ...((p[key] as Record<string, unknown> | undefined) ?? {}) };
    }
    out = next;
  }
  return out;
}

/** Every trial of the grid, axes in order and seeds innermost. */
export function expandTrials(spec: SuiteSpec): Trial[] {
  if (spec.seeds.length === 0) throw new InvalidArgumentError('--seeds', 'needs at least one seed');
  for (const axis of spec.axes) {
    if (axis.values.length === 0) throw new InvalidArgumentError(`--${axis.name}`, 'needs at least one value');
    const labels = axis.values.map((v) => v.label);
    const twice = labels.find((l, i) => labels.indexOf(l) !== i);
    if (twice !== undefined) throw new InvalidArgumentError(`--${axis.name}`, `names "${twice}" twice`);
  }
  let combos: Array<{ labels: Record<string, string>; parts: Array<Partial<TrainConfig>> }> = [{ labels: {}, parts: [] }];
  for (const axis of spec.axes) {
    combos = combos.flatMap((c) => axis.values.map((v) => ({ labels: { ...c.labels, [axis.name]: v.label }, parts: [...c.parts, v.config] })));
  }
  const trials: Trial[] = [];
  for (const c of combos) {
    const group = Object.values(c.labels).join(' · ') || spec.name;
    for (const seed of spec.seeds) {
      const config = mergeConfig(spec.base, ...c.parts, { seed });
      trials.push({ index: trials.length, id: slug([...Object.values(c.labels), `s${seed}`].join('-')), group, labels: c.labels, seed, config });
    }
  }
  return trials;
}
