import { join } from 'node:path';
import { formatMeanStd, meanStd } from '@snn/metrics';
import { renderAccuracyBars, renderSuiteCurves } from '@snn/plots';
import { writeFileAtomic } from '@snn/runs';
import type { SuiteSpec, Trial } from './suite';

/** One line of results.jsonl: a finished trial (no wall-clock fields, so reruns reproduce it exactly). */
export interface TrialResult {
  index: number;
  id: string;
  group: string;
  seed: number;
  epochs: number;
  final_test_accuracy: number;
  final_test_loss: number;
  final_train_loss: number;
  best_test_accuracy: number;
  best_epoch: number;
  curve: Array<{ epoch: number; train_loss: number; test_loss: number; test_accuracy: number }>;
  [axis: string]: unknown;
}

/** A trial that cannot finish (a bad configuration fails the same way on every machine): its message goes into the table. */
export interface TrialFailure {
  index: number;
  id: string;
  message: string;
}

/** Rows of the table: one per group (configuration), over its seeds, in grid order. */
export function groupResults(trials: readonly Trial[], results: readonly TrialResult[]) {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const groups = new Map<string, { trials: Trial[]; results: TrialResult[] }>();
  for (const t of trials) {
    const g = groups.get(t.group) ?? { trials: [], results: [] };
    g.trials.push(t);
    const r = byIndex.get(t.index);
    if (r) g.results.push(r);
    groups.set(t.group, g);
  }
  return [...groups.entries()].map(([group, g]) => ({ group, labels: g.trials[0]!.labels, planned: g.trials.length, results: g.results }));
}

/** table.md: final and best test accuracy (mean ± std over seeds, %), final test loss, and the published number where known. */
export function renderTable(spec: SuiteSpec, trials: readonly Trial[], results: readonly TrialResult[], failures: readonly TrialFailure[] = []): string {
  const rows = groupResults(trials, results);
  const axes = spec.axes.map((a) => a.name);
  const hasPublished = !!spec.published && Object.keys(spec.published).length > 0;
  const header = [...axes, 'seeds', 'final test acc. (%)', 'best test acc. (%)', 'final test loss', ...(hasPublished ? ['published'] : [])];
  const lines = [
    `# ${spec.name}`,
    '',
    ...(spec.description ? [spec.description, ''] : []),
    `Mean ± sample std over seeds ${spec.seeds.join(', ')}; every configuration has the same budget (${describeBudget(spec, trials[0]!)}).`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
  ];
  for (const row of rows) {
    const n = row.results.length;
    const cell = (f: (r: TrialResult) => number, percent: boolean) => (n ? formatMeanStd(meanStd(row.results.map(f)), { percent, ...(percent ? {} : { digits: 4 }) }) : '-');
    lines.push(
      `| ${[
        ...axes.map((a) => row.labels[a] ?? ''),
        n === row.planned ? String(n) : `${n} of ${row.planned}`,
        cell((r) => r.final_test_accuracy, true),
        cell((r) => r.best_test_accuracy, true),
        cell((r) => r.final_test_loss, false),
        ...(hasPublished ? [spec.published![row.group] ?? ''] : []),
      ].join(' | ')} |`,
    );
  }
  if (spec.source) lines.push('', `Published: ${spec.source}`);
  if (failures.length > 0) {
    // Failed trials are listed, never averaged away: a row's "n of m" says how many seeds it lacks.
    lines.push('', `## Failed trials (${failures.length})`, '');
    for (const f of [...failures].sort((a, b) => a.index - b.index)) lines.push(`- \`${f.id}\`: ${f.message.replace(/\s+/g, ' ').trim()}`);
  }
  return lines.join('\n') + '\n';
}

/** The settings every trial shares (those no axis changes). */
function describeBudget(spec: SuiteSpec, t: Trial): string {
  const swept = new Set(spec.axes.flatMap((a) => a.values.flatMap((v) => Object.keys(v.config))));
  const c = t.config;
  const parts = [
    !swept.has('epochs') && `${c.epochs} epochs`,
    !swept.has('batchSize') && `batch ${c.batchSize}`,
    !swept.has('optimizer') && !swept.has('learningRate') && `${c.optimizer} lr ${c.learningRate}`,
    !swept.has('hidden') && !swept.has('layers') && `${c.layers} x ${c.hidden} neurons`,
  ].filter(Boolean);
  return parts.join(', ');
}

/** results.jsonl, table.md and, with `plots`, curves.svg/png (mean ± std band per configuration) and accuracy.svg/png. */
export async function writeSuiteOutputs(dir: string, spec: SuiteSpec, trials: readonly Trial[], results: readonly TrialResult[], options: { plots: boolean; failures?: readonly TrialFailure[] }): Promise<void> {
  const sorted = [...results].sort((a, b) => a.index - b.index);
  writeFileAtomic(join(dir, 'results.jsonl'), sorted.map((r) => JSON.stringify(r) + '\n').join(''));
  writeFileAtomic(join(dir, 'table.md'), renderTable(spec, trials, sorted, options.failures));
  if (!options.plots || sorted.length === 0) return;
  const rows = groupResults(trials, sorted).filter((r) => r.results.length > 0);
  const curves = await renderSuiteCurves(
    rows.map((r) => ({ label: r.group, runs: r.results.map((t) => ({ label: t.id, epochs: t.curve })) })),
    { title: `${spec.name}: learning curves (mean ± std over seeds)` },
  );
  writeFileAtomic(join(dir, 'curves.svg'), curves.svg);
  writeFileAtomic(join(dir, 'curves.png'), curves.png);
  const bars = await renderAccuracyBars(
    rows.map((r) => ({ label: r.group, ...meanStd(r.results.map((t) => t.final_test_accuracy)) })),
    { title: `${spec.name}: final test accuracy` },
  );
  writeFileAtomic(join(dir, 'accuracy.svg'), bars.svg);
  writeFileAtomic(join(dir, 'accuracy.png'), bars.png);
}
