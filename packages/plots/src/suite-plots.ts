import { InvalidArgumentError } from '@snn/errors';
import type { TopLevelSpec } from 'vega-lite';
import type { RunCurves } from './learning-curves';
import { renderSpec } from './render';

/** Several runs of one configuration (e.g. one per seed), drawn as their mean with a band of +- 1 std. */
export interface CurveGroup {
  label: string;
  runs: readonly RunCurves[];
}

/** One bar: a configuration's final accuracy over seeds. */
export interface AccuracyBar {
  label: string;
  mean: number;
  std: number;
  n: number;
}

const curvePanels = [
  { field: 'train_loss', title: 'training loss', format: '.3~g' },
  { field: 'test_accuracy', title: 'test accuracy', format: '.0%' },
] as const;

/** Learning curves of groups of runs: per epoch the mean over the group's runs and a +- 1 std band. */
export function suiteCurveSpec(groups: readonly CurveGroup[], options: { title: string; panelWidth?: number }): TopLevelSpec {
  if (groups.length === 0) throw new InvalidArgumentError('groups', 'needs at least one group of runs to plot');
  const values = groups.flatMap((g) =>
    g.runs.flatMap((run) => run.epochs.map((p) => ({ group: g.label, run: run.label, epoch: p.epoch, train_loss: p.train_loss, test_accuracy: p.test_accuracy }))),
  );
  const width = options.panelWidth ?? 300;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title, fontSize: 15 },
    background: 'white',
    config: { font: 'DejaVu Sans', view: { stroke: '#ddd' } },
    data: { values },
    hconcat: curvePanels.map((panel) => ({
      width,
      height: 220,
      title: panel.title,
      transform: [{ filter: `isFinite(datum.${panel.field})` }],
      // The line layer comes first: the legend takes its symbols from it, not from the faint band.
      encoding: { x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } }, color: { field: 'group', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 500, symbolType: 'stroke', symbolStrokeWidth: 3 } } },
      layer: [
        { mark: { type: 'line', point: true, strokeWidth: 2 }, encoding: { y: { aggregate: 'mean', field: panel.field, type: 'quantitative', title: `${panel.title} (mean ± std)`, axis: { format: panel.format }, scale: { zero: false } } } },
        { mark: { type: 'errorband', extent: 'stdev', opacity: 0.18 }, encoding: { y: { field: panel.field, type: 'quantitative', title: null } } },
      ],
    })),
  } as TopLevelSpec;
}

/** Final test accuracy per configuration: horizontal bars of the mean with +- 1 std whiskers (clipped to [0, 1]). */
export function accuracyBarSpec(bars: readonly AccuracyBar[], options: { title: string }): TopLevelSpec {
  if (bars.length === 0) throw new InvalidArgumentError('bars', 'needs at least one bar');
  const values = bars.map((b) => ({ ...b, low: Math.max(0, b.mean - b.std), high: Math.min(1, b.mean + b.std), text: `${(100 * b.mean).toFixed(1)}%${b.n > 1 ? ` ± ${(100 * b.std).toFixed(1)}` : ''}` }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title, fontSize: 15 },
    background: 'white',
    config: { font: 'DejaVu Sans', view: { stroke: '#ddd' } },
    data: { values },
    width: 420,
    height: Math.max(80, 26 * bars.length),
    encoding: { y: { field: 'label', type: 'nominal', title: null, sort: null, axis: { labelLimit: 500 } } },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8', height: 16 }, encoding: { x: { field: 'mean', type: 'quantitative', title: 'final test accuracy (mean ± std over seeds)', axis: { format: '.0%' }, scale: { domain: [0, 1] } } } },
      { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
      { mark: { type: 'text', align: 'left', dx: 6, fontSize: 11 }, encoding: { x: { field: 'high', type: 'quantitative' }, text: { field: 'text' } } },
    ],
  } as TopLevelSpec;
}

export async function renderSuiteCurves(groups: readonly CurveGroup[], options: { title: string }): Promise<{ svg: string; png: Uint8Array }> {
  return renderSpec(suiteCurveSpec(groups, options));
}

export async function renderAccuracyBars(bars: readonly AccuracyBar[], options: { title: string }): Promise<{ svg: string; png: Uint8Array }> {
  return renderSpec(accuracyBarSpec(bars, options));
}
