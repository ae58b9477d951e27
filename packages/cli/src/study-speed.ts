// The `speed` study of `snn compare` (preset hypr-speed): wall time per step and memory of a learner
// on one sequence of T steps, each trial in a fresh process (a clean peak RSS).
import type { Study, StudyResult, SuiteSpec, Trial } from '@snn/compare';
import { InvalidArgumentError } from '@snn/errors';
import { formatMeanStd, meanStd } from '@snn/metrics';
import { renderLinePanels } from '@snn/plots';
import { benchLearnerInFreshProcess } from './bench-ff-command';

export interface SpeedStudyOptions {
  inputs: number;
  outputs: number;
  batch: number;
  /** Input spike probability per step. */
  rate: number;
}

const stepsOf = (t: Trial): number => {
  const steps = (t.config.datasetOptions as { steps?: unknown }).steps;
  if (!(typeof steps === 'number' && Number.isInteger(steps) && steps > 0)) throw new InvalidArgumentError('datasetOptions.steps', `the speed study needs the sequence length T as datasetOptions.steps, got ${String(steps)}`);
  return steps;
};

/** The trial's label without its T (the series a row of the tables and a line of the plots belongs to). */
const seriesOf = (spec: SuiteSpec, labels: Record<string, string>) => spec.axes.filter((a) => a.name !== 'T').map((a) => labels[a.name]).join(' · ') || spec.name;

function byCell(spec: SuiteSpec, trials: readonly Trial[], results: readonly StudyResult[]) {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const series = [...new Set(trials.map((t) => seriesOf(spec, t.labels)))];
  const steps = [...new Set(trials.map(stepsOf))].sort((a, b) => a - b);
  const cell = (s: string, T: number) => trials.filter((t) => seriesOf(spec, t.labels) === s && stepsOf(t) === T).map((t) => byIndex.get(t.index)).filter((r): r is StudyResult => !!r);
  return { series, steps, cell };
}

export const speedStudy: Study = {
  name: 'speed',
  run(trial, raw) {
    const o = raw as unknown as SpeedStudyOptions;
    const c = trial.config;
    const r = benchLearnerInFreshProcess({
      rule: c.rule, ruleOptions: c.ruleOptions, cell: c.cell, cellOptions: c.cellOptions, inputs: o.inputs, hidden: c.hidden, layers: c.layers,
      feedForward: !!c.feedForward, output: c.output ?? 'readout', outputs: o.outputs, steps: stepsOf(trial), batch: o.batch, inputRate: o.rate,
      inputScale: c.inputScale, seed: c.seed,
    });
    return { steps: r.steps, ms_per_step: r.ms_per_step, learner_bytes: r.learner_bytes, peak_rss_bytes: r.peak_rss_bytes };
  },
  table(spec, trials, results) {
    const { series, steps, cell } = byCell(spec, trials, results);
    const o = spec.study!.options as unknown as SpeedStudyOptions;
    const c = trials[0]!.config;
    const block = (title: string, f: (r: StudyResult) => number, digits: number) => [
      `## ${title}`,
      '',
      `| ${['rule', ...steps.map((T) => `T = ${T}`)].join(' | ')} |`,
      `|${['rule', ...steps].map(() => '---').join('|')}|`,
      ...series.map((s) => `| ${[s, ...steps.map((T) => {
        const rs = cell(s, T);
        return rs.length ? formatMeanStd(meanStd(rs.map(f)), { digits }) : '-';
      })].join(' | ')} |`),
      '',
    ];
    return [
      `# ${spec.name}`,
      '',
      ...(spec.description ? [spec.description, ''] : []),
      `One sequence of T steps per trial after a short warm-up, each trial in a fresh process: ${c.cell} ${c.layers} x ${c.hidden}, ${o.inputs} inputs (Bernoulli(${o.rate}) spikes), ${o.outputs} classes, batch ${o.batch}, float32. ` +
        'Times are wall clock on the machine that ran the suite (they differ from run to run, and on a loaded machine they are upper bounds); memory is exact.',
      '',
      ...block('Time per step (ms, forward + learning, the gradient included)', (r) => r.ms_per_step as number, 3),
      ...block('Memory held by the learner at the end of the sequence (MiB: traces, stored trajectory)', (r) => (r.learner_bytes as number) / 1048576, 3),
      ...block('Peak resident set of the process (MiB)', (r) => (r.peak_rss_bytes as number) / 1048576, 0),
    ].join('\n');
  },
  async plots(spec, trials, results) {
    const byIndex = new Map(results.map((r) => [r.index, r]));
    const points = trials.flatMap((t) => {
      const r = byIndex.get(t.index);
      if (!r) return [];
      const series = seriesOf(spec, t.labels);
      return [
        { panel: 'time per step (ms)', series, x: stepsOf(t), y: r.ms_per_step as number },
        { panel: 'learner memory (MiB)', series, x: stepsOf(t), y: Math.max((r.learner_bytes as number) / 1048576, 1e-3) },
      ];
    });
    const plot = await renderLinePanels(points, { title: `${spec.name}: time per step and memory vs T`, xTitle: 'T (steps)', yTitle: 'value (log scale)', xLog: true, yLog: true, columns: 2, panelWidth: 320 });
    return [{ name: 'speed', ...plot }];
  },
};
