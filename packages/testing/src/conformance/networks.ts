import type { CellV1, DType } from '@snn/protocol';
import { createNetwork, forwardSequence, getCellDefinition, type Network, type OutputSpec, type SequenceBatch } from '@snn/core';

/** The network a conformance case builds around one cell (every layer uses that cell). */
export interface NetworkShape {
  /** Shown in test names. */
  readonly name: string;
  /** Every layer uses the cell under test, unless a layer names another (e.g. a fixed top layer). */
  readonly layers: ReadonlyArray<{ readonly neurons: number; readonly recurrent?: boolean; readonly cell?: string; readonly cellOptions?: Readonly<Record<string, unknown>> }>;
  /** The leaky readout (default kappa 0.7), or `output` for the output-layer form. */
  readonly readout?: { readonly kappa: number };
  readonly output?: OutputSpec;
  /** Cell options of every layer. */
  readonly cellOptions?: Readonly<Record<string, unknown>>;
  readonly batch?: number;
  readonly steps?: number;
  readonly inputs?: number;
  readonly outputs?: number;
}

/** Shapes the kit and the rules' identities use; small, so that every pairing stays cheap. */
export const shapes = {
  recurrent: (kappa = 0.7): NetworkShape => ({ name: `1 recurrent layer, kappa ${kappa}`, layers: [{ neurons: 4 }], readout: { kappa } }),
  stack: (kappa = 0.6): NetworkShape => ({ name: `2 layers (recurrent, feed-forward), kappa ${kappa}`, layers: [{ neurons: 4 }, { neurons: 3, recurrent: false }], readout: { kappa } }),
  feedForward: (kappa = 0): NetworkShape => ({ name: `1 feed-forward layer, kappa ${kappa}`, layers: [{ neurons: 5, recurrent: false }], readout: { kappa } }),
  outputLayer: (depth = 2): NetworkShape => ({
    name: `${depth} feed-forward layers, spiking output layer`,
    layers: Array.from({ length: depth }, (_, l) => ({ neurons: l === depth - 1 ? 3 : 5, recurrent: false })),
    output: { kind: 'spikes' },
  }),
  /** Feed-forward layers of the given widths, under a readout (`kappa`) or an output-layer form. */
  feedForwardStack: (widths: readonly number[], form: { kappa: number } | OutputSpec, cellOptions?: Record<string, unknown>): NetworkShape => ({
    name: `feed-forward ${widths.join('-')}, ${'kind' in form ? `output ${form.kind}${form.kind === 'leaky-sum' ? ` kappa ${form.kappa}` : ''}` : `kappa ${form.kappa}`}${cellOptions ? `, ${JSON.stringify(cellOptions)}` : ''}`,
    layers: widths.map((neurons) => ({ neurons, recurrent: false })),
    ...('kind' in form ? { output: form } : { readout: form }),
    ...(cellOptions ? { cellOptions } : {}),
    inputs: 4,
    steps: 14,
  }),
};

export const shapeSteps = (shape: NetworkShape) => shape.steps ?? 9;

/**
 * Deterministic inputs: spikes for spiking cells (so event-driven products run), smooth values
 * otherwise, and a loss mask with zero, small and large weights.
 */
export function conformanceData(shape: NetworkShape, spiking: boolean): SequenceBatch {
  const B = shape.batch ?? 2;
  const T = shapeSteps(shape);
  const I = shape.inputs ?? 3;
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = spiking ? (Math.sin(1.7 * i + 0.4) > 0.1 ? 1 : 0) : 0.8 * Math.sin(1.3 * i + 0.2);
  const outputs = shape.outputs ?? 3;
  const targets = Int32Array.from({ length: B }, (_, b) => (b * 2 + 1) % outputs);
  const lossMask = Array.from({ length: T }, (_, t) => (t === 0 ? 0 : t % 3 === 0 ? 0.5 : 1 + 0.1 * t));
  return { x, batch: B, steps: T, targets, lossMask };
}

function build(cell: string, shape: NetworkShape, dtype: DType, inputScale: number, seed: number): Network {
  const layers = shape.layers.map((l) => {
    const cellOptions = l.cellOptions ?? (l.cell ? undefined : shape.cellOptions);
    return { cell: l.cell ?? cell, neurons: l.neurons, recurrent: l.recurrent ?? true, ...(cellOptions ? { cellOptions: { ...cellOptions } } : {}) };
  });
  const common = { inputs: shape.inputs ?? 3, outputs: shape.outputs ?? 3, layers };
  return createNetwork(shape.output ? { ...common, output: shape.output } : { ...common, readout: { kappa: shape.readout?.kappa ?? 0.7 } }, {
    dtype,
    seed,
    naming: shape.output ? 'prefixed' : undefined,
    init: { inputScale, recurrentScale: 1.5 },
  });
}

/** A cell instance of the registered definition, with the shape's options (for capability checks). */
export function sampleCell(cell: string, shape?: NetworkShape): CellV1 {
  return getCellDefinition(cell).create(3, shape?.cellOptions ? { ...shape.cellOptions } : undefined);
}

/**
 * The shape's network for `cell`, float64 unless asked. For spiking cells the input scale is raised
 * until every layer spikes at a moderate rate: a pairing checked on a silent network would pass
 * whatever the rule computes.
 */
export function conformanceNetwork(cell: string, shape: NetworkShape, options: { dtype?: DType; seed?: number } = {}): { network: Network; data: SequenceBatch } {
  const dtype = options.dtype ?? 'float64';
  const seed = options.seed ?? 3;
  const spiking = sampleCell(cell, shape).spiking;
  const data = conformanceData(shape, spiking);
  if (!spiking) return { network: build(cell, shape, dtype, 1.5, seed), data };
  // The scale depends on the cell and the shape only: find it once per pairing.
  const key = `${cell} ${seed} ${JSON.stringify(shape)}`;
  const known = calibrated.get(key);
  if (known !== undefined) return { network: build(cell, shape, dtype, known, seed), data };
  let best: { scale: number; network: Network; score: number } | undefined;
  for (const scale of [2, 4, 8, 16, 32, 64, 128]) {
    const network = build(cell, shape, dtype, scale, seed);
    const outputs = forwardSequence(network, data, { recordOutputs: true, validate: false }).outputs!;
    const rates = outputs.map((o) => Array.from(o).reduce((s, v) => s + (v !== 0 ? 1 : 0), 0) / o.length);
    const worst = Math.max(...rates.map((r) => Math.abs(r - 0.3)));
    if (!best || worst < best.score) best = { scale, network, score: worst };
    if (rates.every((r) => r >= 0.05 && r <= 0.8)) {
      best = { scale, network, score: 0 };
      break;
    }
  }
  calibrated.set(key, best!.scale);
  return dtype === 'float64' ? { network: best!.network, data } : { network: build(cell, shape, dtype, best!.scale, seed), data };
}

const calibrated = new Map<string, number>();
