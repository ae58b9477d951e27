import { InvalidArgumentError } from '@snn/errors';
import type * as vegaLite from 'vega-lite';
import { renderSpec } from './render';

/** One epoch of a run, as `metrics.jsonl` holds it. */
export interface EpochPoint {
  epoch: number;
  train_loss: number;
  test_loss: number;
  test_accuracy: number;
  train_accuracy?: number;
}

/** The curves of one run; `label` names it in the legend when several runs are overlaid. */
export interface RunCurves {
  label: string;
  epochs: readonly EpochPoint[];
}

export interface LearningCurveOptions {
  /** Title above the panels, e.g. "bptt · lif · randman". */
  title: string;
  /** Width of each panel in pixels (default 260). */
  panelWidth?: number;
  /** PNG scale relative to the SVG size (default 2, for sharp text). */
  pngScale?: number;
}

const panels = [
  { field: 'train_loss', title: 'training loss', format: '.3~g' },
  { field: 'test_loss', title: 'test loss', format: '.3~g' },
  { field: 'test_accuracy', title: 'test accuracy', format: '.0%' },
] as const;

function checkRuns(runs: readonly RunCurves[]): void {
  if (runs.length === 0) throw new InvalidArgumentError('runs', 'needs at least one run to plot');
  for (const run of runs) {
    for (const p of run.epochs) {
      for (const key of ['epoch', 'train_loss', 'test_loss', 'test_accuracy'] as const) {
        if (typeof p[key] !== 'number') throw new InvalidArgumentError(`${run.label}.epochs[].${key}`, `must be a number, got ${JSON.stringify(p[key])}`);
      }
    }
  }
}

/** The Vega-Lite specification of the learning curves: three panels side by side, one colour per run. */
export function learningCurveSpec(runs: readonly RunCurves[], options: LearningCurveOptions): vegaLite.TopLevelSpec {
  checkRuns(runs);
  const width = options.panelWidth ?? 260;
  // Non-finite values (a diverged loss) cannot be drawn; they are dropped rather than breaking the scale.
  const values = runs.flatMap((run) =>
    run.epochs.map((p) => ({ run: run.label, epoch: p.epoch, train_loss: p.train_loss, test_loss: p.test_loss, test_accuracy: p.test_accuracy })),
  );
  const several = runs.length > 1;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title, fontSize: 15 },
    data: { values },
    config: { font: 'DejaVu Sans', view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 } },
    background: 'white',
    hconcat: panels.map((panel) => ({
      width,
      height: 200,
      title: panel.title,
      transform: [{ filter: `isFinite(datum.${panel.field})` }],
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: {
          field: panel.field,
          type: 'quantitative',
          title: panel.title,
          axis: { format: panel.format },
          scale: panel.field === 'test_accuracy' ? { domain: [0, 1] } : { zero: false },
        },
        color: several ? { field: 'run', type: 'nominal', title: 'run', legend: { orient: 'bottom', columns: 1, labelLimit: 600 } } : { value: '#1f77b4' },
      },
    })),
  } as vegaLite.TopLevelSpec;
}

/** Renders learning curves as SVG text and PNG bytes. */
export async function renderLearningCurves(runs: readonly RunCurves[], options: LearningCurveOptions): Promise<{ svg: string; png: Uint8Array }> {
  return renderSpec(learningCurveSpec(runs, options), options.pngScale ?? 2);
}
