// The `alignment` study of `snn compare` (preset otpe-cosine): per-layer cosine similarity of every
// feed-forward rule's gradient with BPTT's, over a BPTT training run of the OTPE paper's network.
import type { Study, StudyResult, SuiteSpec, Trial } from '@snn/compare';
import type { RandmanOptions } from '@snn/datasets';
import { InvalidArgumentError } from '@snn/errors';
import { formatMeanStd, meanStd } from '@snn/metrics';
import { renderLinePanels } from '@snn/plots';
import { alignmentCurve, type AlignmentPoint } from './cosine-command';

export interface AlignmentStudyOptions {
  /** Rules measured on each network form: `spikes` (loss on the output spikes), `leaky-sum` (F- variants). */
  rules: Partial<Record<'spikes' | 'leaky-sum', string[]>>;
  /** Held-out batches every evaluation averages over. */
  evalBatches: number;
}

const GROUPS = ['layer0', 'layer1', 'output', 'model'];

function groupsOf(results: readonly StudyResult[]): string[] {
  const seen = new Set<string>();
  for (const r of results) for (const p of r.curve as AlignmentPoint[]) for (const g of Object.values(p.rules)) for (const k of Object.keys(g)) seen.add(k);
  const hidden = [...seen].filter((k) => /^layer\d+$/.test(k)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  return [...hidden, ...['output', 'model'].filter((k) => seen.has(k))];
}

/** Rows: (trial group, rule), with the results of that group in grid order. */
function rowsOf(spec: SuiteSpec, trials: readonly Trial[], results: readonly StudyResult[]) {
  const options = spec.study!.options as unknown as AlignmentStudyOptions;
  const groups = new Map<string, { labels: Record<string, string>; output: string; planned: number; results: StudyResult[] }>();
  for (const t of trials) {
    const g = groups.get(t.group) ?? { labels: t.labels, output: t.config.output ?? 'spikes', planned: 0, results: [] };
    g.planned++;
    groups.set(t.group, g);
  }
  for (const r of results) groups.get(r.group)?.results.push(r);
  return [...groups.entries()].flatMap(([group, g]) => (options.rules[g.output as 'spikes'] ?? []).map((rule) => ({ group, rule, ...g })));
}

export const alignmentStudy: Study = {
  name: 'alignment',
  run(trial, raw, progress) {
    const options = raw as unknown as AlignmentStudyOptions;
    const c = trial.config;
    if (c.dataset !== 'randman') throw new InvalidArgumentError('dataset', `the alignment study runs on randman (T- or R-Randman), got ${c.dataset}`);
    const output = c.output === 'leaky-sum' ? 'leaky-sum' : 'spikes';
    const rules = options.rules[output] ?? [];
    if (rules.length === 0) throw new InvalidArgumentError('study.options.rules', `names no rule for the ${output} network`);
    const started = performance.now();
    const curve = alignmentCurve({
      randman: c.datasetOptions as RandmanOptions,
      layers: Array.from({ length: c.layers }, () => c.hidden),
      output,
      rules,
      epochs: c.epochs,
      batchSize: c.batchSize,
      evalBatches: options.evalBatches,
      seed: c.seed,
      onPoint: (p) => progress(`epoch ${p.epoch}/${c.epochs}: ${rules.map((r) => `${r} ${p.rules[r]!.model!.toFixed(3)}`).join(', ')} (${Math.round((performance.now() - started) / 1000)} s)`),
    });
    return { rules, curve };
  },
  table(spec, trials, results) {
    const rows = rowsOf(spec, trials, results);
    const groups = results.length ? groupsOf(results) : GROUPS;
    const axes = spec.axes.map((a) => a.name);
    const header = [...axes, 'rule', 'seeds', ...groups.map((g) => `${g} (trained)`), 'model (mean over training)'];
    const lines = [
      `# ${spec.name}`,
      '',
      ...(spec.description ? [spec.description, ''] : []),
      `Cosine similarity of each rule's gradient with BPTT's at the same weights on the same held-out batches, mean ± sample std over seeds ${spec.seeds.join(', ')}. ` +
        `"trained": at the weights after the last BPTT epoch (the paper evaluates at BPTT-trained weights); "mean over training": over the evaluations at epoch 0 and after every epoch.`,
      '',
      `| ${header.join(' | ')} |`,
      `|${header.map(() => '---').join('|')}|`,
    ];
    for (const row of rows) {
      const n = row.results.length;
      const final = (g: string) => row.results.map((r) => (r.curve as AlignmentPoint[]).at(-1)!.rules[row.rule]?.[g]).filter((v): v is number => Number.isFinite(v));
      const overall = row.results.map((r) => {
        const vs = (r.curve as AlignmentPoint[]).map((p) => p.rules[row.rule]?.model).filter((v): v is number => Number.isFinite(v));
        return vs.reduce((a, b) => a + b, 0) / vs.length;
      }).filter(Number.isFinite);
      const cell = (vs: number[]) => (vs.length ? formatMeanStd(meanStd(vs), { digits: 3 }) : '-');
      lines.push(`| ${[...axes.map((a) => row.labels[a] ?? ''), row.rule, n === row.planned ? String(n) : `${n} of ${row.planned}`, ...groups.map((g) => cell(final(g))), cell(overall)].join(' | ')} |`);
    }
    return lines.join('\n') + '\n';
  },
  async plots(spec, trials, results) {
    const rows = rowsOf(spec, trials, results);
    const layers = groupsOf(results).filter((g) => g !== 'model');
    const points = rows.flatMap((row) =>
      row.results.flatMap((r) =>
        (r.curve as AlignmentPoint[]).flatMap((p) =>
          layers.flatMap((layer) => {
            const y = p.rules[row.rule]?.[layer];
            return Number.isFinite(y) ? [{ panel: `${row.labels.task ?? row.group} · ${layer}`, series: row.rule, x: p.epoch, y: y! }] : [];
          }),
        ),
      ),
    );
    const plot = await renderLinePanels(points, {
      title: `${spec.name}: cosine similarity with BPTT per layer over BPTT training (mean ± std over seeds)`,
      xTitle: 'BPTT epochs',
      yTitle: 'cosine with BPTT',
      yDomain: [-0.2, 1],
      columns: layers.length,
    });
    return [{ name: 'cosine', ...plot }];
  },
};
