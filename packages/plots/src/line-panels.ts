import { InvalidArgumentError } from '@snn/errors';
import type { TopLevelSpec } from 'vega-lite';
import { renderSpec } from './render';

/** One measured point: `x`, `y`, the series it belongs to, the panel it is drawn in (several points per (panel, series, x) make a band). */
export interface PanelPoint {
  panel: string;
  series: string;
  x: number;
  y: number;
}

export interface LinePanelOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  /** d3 format of the y axis, e.g. '.2f', '.3~s'. */
  yFormat?: string;
  /** Log scales (for sizes and times spanning decades). */
  xLog?: boolean;
  yLog?: boolean;
  /** y axis range, e.g. [-1, 1] for cosines; default: fitted to the data. */
  yDomain?: [number, number];
  /** Panels per row (default 3). */
  columns?: number;
  panelWidth?: number;
}

/**
 * Small multiples: one panel per `panel` value, in it one line per `series` through the mean over the
 * points that share an x (e.g. seeds), with a +- 1 std band. Panel and series order is first appearance.
 */
export function linePanelSpec(points: readonly PanelPoint[], options: LinePanelOptions): TopLevelSpec {
  if (points.length === 0) throw new InvalidArgumentError('points', 'needs at least one point to plot');
  const panels = [...new Set(points.map((p) => p.panel))];
  const series = [...new Set(points.map((p) => p.series))];
  const scale = (log?: boolean) => (log ? { type: 'log' as const } : { zero: false });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title, fontSize: 15 },
    background: 'white',
    config: { font: 'DejaVu Sans', view: { stroke: '#ddd' } },
    data: { values: points.map((p) => ({ ...p })) },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels, header: { labelFontSize: 13 } },
    columns: options.columns ?? 3,
    resolve: { scale: { y: options.yDomain ? 'shared' : 'independent' } },
    spec: {
      width: options.panelWidth ?? 260,
      height: 200,
      // The line layer comes first: the legend takes its symbols from it, not from the faint band.
      encoding: {
        x: { field: 'x', type: 'quantitative', title: options.xTitle, scale: scale(options.xLog) },
        color: { field: 'series', type: 'nominal', title: null, sort: series, legend: { orient: 'bottom', columns: 4, labelLimit: 400, symbolType: 'stroke', symbolStrokeWidth: 3 } },
      },
      layer: [
        {
          mark: { type: 'line', point: true, strokeWidth: 2, clip: true },
          encoding: {
            y: {
              aggregate: 'mean',
              field: 'y',
              type: 'quantitative',
              title: options.yTitle,
              axis: options.yFormat ? { format: options.yFormat } : {},
              scale: options.yDomain ? { domain: options.yDomain } : scale(options.yLog),
            },
          },
        },
        { mark: { type: 'errorband', extent: 'stdev', opacity: 0.18, clip: true }, encoding: { y: { field: 'y', type: 'quantitative', title: null } } },
      ],
    },
  } as TopLevelSpec;
}

export async function renderLinePanels(points: readonly PanelPoint[], options: LinePanelOptions): Promise<{ svg: string; png: Uint8Array }> {
  return renderSpec(linePanelSpec(points, options));
}
