import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { renderLearningCurves, type RunCurves } from '@snn/plots';
import { InvalidArgumentError } from '@snn/errors';
import { writeFileAtomic } from './atomic-write';
import { readMetricsLines } from './metrics-file';

interface RunDescription {
  rule?: string;
  cell?: string;
  dataset?: string;
  hidden?: number;
  layers?: number;
}

function describe(runDir: string): RunDescription {
  const file = join(runDir, 'config.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunDescription;
  } catch {
    return {};
  }
}

function titleOf(d: RunDescription): string {
  const shape = d.hidden ? ` (${d.layers ?? 1} x ${d.hidden})` : '';
  return [d.rule, `${d.cell ?? '?'}${shape}`, d.dataset].filter(Boolean).join(' · ');
}

/** The curves of one run folder (its metrics.jsonl). */
export function readRunCurves(runDir: string, label = basename(resolve(runDir))): RunCurves & { title: string } {
  const folder = resolve(runDir);
  const metrics = join(folder, 'metrics.jsonl');
  if (!existsSync(metrics)) throw new InvalidArgumentError('run folder', `${folder} has no metrics.jsonl; name folders written by snn train`);
  const epochs = readMetricsLines(metrics).map((m) => ({ epoch: m.epoch!, train_loss: m.train_loss!, test_loss: m.test_loss!, test_accuracy: m.test_accuracy! }));
  return { label, epochs, title: titleOf(describe(folder)) };
}

/** Draws a run's learning curves into curves.svg and curves.png in its folder (nothing before its first epoch). */
export async function drawRunCurves(runDir: string): Promise<{ svg: string; png: string } | undefined> {
  const run = readRunCurves(runDir);
  if (run.epochs.length === 0) return undefined;
  const { svg, png } = await renderLearningCurves([run], { title: run.title });
  const files = { svg: join(resolve(runDir), 'curves.svg'), png: join(resolve(runDir), 'curves.png') };
  writeFileAtomic(files.svg, svg);
  writeFileAtomic(files.png, png);
  return files;
}

/**
 * Overlays several runs in one picture; writes `<out>.svg` and `<out>.png` (`out` without extension,
 * or ending in .svg/.png). Returns the paths written.
 */
export async function plotRuns(runDirs: readonly string[], out: string): Promise<{ svg: string; png: string }> {
  if (runDirs.length === 0) throw new InvalidArgumentError('run folders', 'name at least one run folder');
  const runs = runDirs.map((d) => readRunCurves(d));
  const titles = [...new Set(runs.map((r) => r.title))];
  const title = titles.length === 1 ? titles[0]! : `${runs.length} runs`;
  const labelled = runs.map((r) => ({ label: titles.length === 1 ? r.label : `${r.label} (${r.title})`, epochs: r.epochs }));
  const { svg, png } = await renderLearningCurves(labelled, { title });
  const stem = out.replace(/\.(svg|png)$/i, '');
  const files = { svg: resolve(`${stem}.svg`), png: resolve(`${stem}.png`) };
  writeFileAtomic(files.svg, svg);
  writeFileAtomic(files.png, png);
  return files;
}
