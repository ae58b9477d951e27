import type { CellV1, DType, LayerV1, NetworkV1, Parameter, ReadoutV1, RealArray } from '@snn/protocol';
import { assertFinite, InvalidArgumentError, ShapeError, UnknownNameError } from '@snn/errors';
import { createRandom } from '@snn/random';
import { allocate, parseDType } from './dtype';
import { createCell } from './registry';

/** One recurrent (or feed-forward) layer: a cell plus the weights that feed it. */
export interface LayerSpec {
  /** A registered cell name (see `registerCell`) or a cell instance built for `neurons`. */
  cell: string | CellV1;
  neurons: number;
  /** Whether the layer has W_rec (its own outputs of the previous step as input). Default true. */
  recurrent?: boolean;
  /** Constants of the cell (when `cell` is a name). */
  cellOptions?: Record<string, unknown>;
}

export interface NetworkSpec {
  inputs: number;
  /** Bottom to top. */
  layers: LayerSpec[];
  outputs: number;
  /** Leaky-integrator readout o_t = kappa o_{t-1} + W_out y_t + b_out. Default kappa 0. */
  readout?: { kappa?: number };
  /**
   * The network form of the feed-forward online rules (OTTT, OSTL, OTPE): no readout; the top layer is
   * the output layer (it must have `outputs` neurons) and the logits are its spikes (`spikes`) or their
   * leaky sum o_t = kappa o_{t-1} + z_t (`leaky-sum`). Leave out for the standard readout.
   */
  output?: OutputSpec;
}

/** How the logits are read from the top layer when the network has no readout (see `NetworkSpec.output`). */
export type OutputSpec = { kind: 'spikes' } | { kind: 'leaky-sum'; kappa: number };

export interface InitOptions {
  /** W_in ~ N(0, (inputScale / sqrt(fan_in))^2). Default 1. */
  inputScale?: number;
  /** W_rec ~ N(0, (recurrentScale / sqrt(H))^2). Default 1. */
  recurrentScale?: number;
  /** W_out ~ N(0, (outputScale / sqrt(H))^2). Default 1. */
  outputScale?: number;
}

export interface NetworkOptions {
  dtype?: DType | 'f32' | 'f64';
  /** Seed of the initialisers. Default 0. */
  seed?: number;
  /**
   * Parameter names: 'flat' gives `W_in`, `W_rec`, ... (single-layer networks only), 'prefixed' gives
   * `l0.W_in`, ... Default: flat for one layer, prefixed otherwise (the vectors' convention).
   */
  naming?: 'flat' | 'prefixed';
  init?: InitOptions;
}

interface MutableParameter extends Parameter {
  data: RealArray;
}

function makeParameter(name: string, shape: number[], dtype: DType): MutableParameter {
  return { name, shape, data: allocate(dtype, shape.reduce((a, b) => a * b, 1)) };
}

export class Layer implements LayerV1 {
  readonly gates: number;
  readonly inputWeights: Parameter;
  readonly recurrentWeights: Parameter | null;
  /** Biases by the cell's bias spec, `[G*H]` each. */
  readonly biases: ReadonlyArray<{ readonly adds: 'input' | 'recurrent'; readonly parameter: Parameter }>;
  /** Neuron-wise parameters `[H]` by name (views of the Parameter data, handed to the cell each step). */
  readonly neuronParams: Readonly<Record<string, RealArray>>;
  readonly neuronParameterList: readonly Parameter[];
  /** W_in transposed `[I, G*H]`, for event-driven products with sparse inputs. Refreshed by the network. */
  inputWeightsT: RealArray;
  /** W_rec transposed `[H, G*H]`. */
  recurrentWeightsT: RealArray | null;

  constructor(
    readonly index: number,
    readonly cell: CellV1,
    readonly inputs: number,
    readonly recurrent: boolean,
    prefix: string,
    dtype: DType,
  ) {
    const H = cell.neurons;
    const G = cell.gates;
    this.gates = G;
    this.inputWeights = makeParameter(`${prefix}W_in`, [G * H, inputs], dtype);
    this.recurrentWeights = recurrent ? makeParameter(`${prefix}W_rec`, [G * H, H], dtype) : null;
    this.biases = cell.biases.map((b) => ({ adds: b.adds, parameter: makeParameter(`${prefix}${b.name}`, [G * H], dtype) }));
    const neuronParams: Record<string, RealArray> = {};
    this.neuronParameterList = cell.neuronParameters.map((p) => {
      const param = makeParameter(`${prefix}${p.name}`, [H], dtype);
      neuronParams[p.name] = param.data;
      return param;
    });
    this.neuronParams = neuronParams;
    this.inputWeightsT = allocate(dtype, G * H * inputs);
    this.recurrentWeightsT = recurrent ? allocate(dtype, G * H * H) : null;
  }

  get neurons(): number {
    return this.cell.neurons;
  }

  parameters(): Parameter[] {
    const list: Parameter[] = [this.inputWeights];
    if (this.recurrentWeights) list.push(this.recurrentWeights);
    for (const b of this.biases) list.push(b.parameter);
    list.push(...this.neuronParameterList);
    return list;
  }
}

export class Readout implements ReadoutV1 {
  readonly weights: Parameter;
  readonly bias: Parameter;
  /** W_out transposed `[H, O]`. */
  weightsT: RealArray;

  /**
   * @param trainable false for the output-layer form (`NetworkSpec.output`): W_out is then the fixed
   * identity and b_out zero, so o_t = kappa o_{t-1} + z_t exactly, and neither is a network parameter.
   */
  constructor(
    readonly inputs: number,
    readonly outputs: number,
    readonly kappa: number,
    dtype: DType,
    readonly trainable = true,
  ) {
    this.weights = makeParameter('W_out', [outputs, inputs], dtype);
    this.bias = makeParameter('b_out', [outputs], dtype);
    this.weightsT = allocate(dtype, outputs * inputs);
    if (!trainable) for (let k = 0; k < outputs; k++) this.weights.data[k * inputs + k] = 1;
  }
}

function transposeInto(src: RealArray, rows: number, cols: number, dst: RealArray): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[base + c]!;
  }
}

/**
 * Stacked recurrent layers and a leaky-integrator readout. Parameters follow the vectors' names and
 * shapes (rows post-synaptic). Learners read weights through the network and call `markUpdated()`
 * after changing them, so cached transposes are refreshed before the next step.
 */
export class Network implements NetworkV1 {
  readonly dtype: DType;
  readonly inputs: number;
  readonly outputs: number;
  readonly layers: readonly Layer[];
  readonly readout: Readout;
  readonly spec: NetworkSpec;
  private version = 0;
  private cachedVersion = -1;
  private readonly byName = new Map<string, Parameter>();

  constructor(spec: NetworkSpec, options: NetworkOptions = {}) {
    validateSpec(spec);
    this.spec = spec;
    // The CLI's spellings (f32, f64) are accepted here too; anything else is refused rather than ignored.
    this.dtype = parseDType(options.dtype ?? 'float32');
    this.inputs = spec.inputs;
    this.outputs = spec.outputs;
    const naming = options.naming ?? (spec.layers.length === 1 ? 'flat' : 'prefixed');
    if (naming === 'flat' && spec.layers.length > 1) {
      throw new InvalidArgumentError('naming', "'flat' parameter names need a single layer; use 'prefixed'");
    }
    let fanIn = spec.inputs;
    this.layers = spec.layers.map((ls, i) => {
      const cell = typeof ls.cell === 'string' ? createCell(ls.cell, ls.neurons, ls.cellOptions) : ls.cell;
      if (cell.neurons !== ls.neurons) {
        throw new InvalidArgumentError(`layers[${i}].cell`, `was built for ${cell.neurons} neurons but the layer has ${ls.neurons}`);
      }
      const layer = new Layer(i, cell, fanIn, ls.recurrent ?? true, naming === 'flat' ? '' : `l${i}.`, this.dtype);
      fanIn = ls.neurons;
      return layer;
    });
    const output = spec.output;
    const kappa = output ? (output.kind === 'leaky-sum' ? output.kappa : 0) : spec.readout?.kappa ?? 0;
    const kappaName = output ? 'output.kappa' : 'readout.kappa';
    if (!(kappa >= 0 && kappa <= 1)) throw new InvalidArgumentError(kappaName, `must be in [0, 1], got ${kappa}`);
    this.readout = new Readout(fanIn, spec.outputs, kappa, this.dtype, !output);
    for (const p of this.parameters()) this.byName.set(p.name, p);
    this.initialize(options.seed ?? 0, options.init);
  }

  /** Every trainable parameter, bottom layer first, readout last (none in the output-layer form). */
  parameters(): Parameter[] {
    const layers = this.layers.flatMap((l) => l.parameters());
    return this.readout.trainable ? [...layers, this.readout.weights, this.readout.bias] : layers;
  }

  /** 'readout' (the leaky-integrator readout), or the output-layer form's kind (`NetworkSpec.output`). */
  get outputKind(): 'readout' | OutputSpec['kind'] {
    return this.spec.output?.kind ?? 'readout';
  }

  parameter(name: string): Parameter {
    const p = this.byName.get(name);
    if (!p) throw new UnknownNameError('parameter', name, [...this.byName.keys()]);
    return p;
  }

  /** Copies `values` into the parameter `name` (shape-checked, finite). */
  setParameter(name: string, values: ArrayLike<number>, shape?: readonly number[]): void {
    const p = this.parameter(name);
    if (shape && (shape.length !== p.shape.length || shape.some((s, i) => s !== p.shape[i]))) {
      throw new ShapeError(name, p.shape, shape);
    }
    if (values.length !== p.data.length) throw new ShapeError(name, p.shape, [values.length]);
    assertFinite(name, values);
    p.data.set(values);
    // Values set explicitly are kept exactly as given (vectors, checkpoints): no constraint here.
    this.version++;
  }

  /** Re-draws every parameter from the seeded initialisers. */
  initialize(seed: number, init: InitOptions = {}): void {
    const random = createRandom(seed);
    const inputScale = init.inputScale ?? 1;
    const recurrentScale = init.recurrentScale ?? 1;
    const outputScale = init.outputScale ?? 1;
    const fill = (data: RealArray, std: number) => {
      for (let i = 0; i < data.length; i++) data[i] = random.normal(0, std);
    };
    for (const layer of this.layers) {
      const H = layer.neurons;
      fill(layer.inputWeights.data, inputScale / Math.sqrt(layer.inputs));
      if (layer.recurrentWeights) fill(layer.recurrentWeights.data, recurrentScale / Math.sqrt(H));
      for (const b of layer.biases) b.parameter.data.fill(0);
      const init = layer.cell.initNeuronParameters?.(this.dtype, () => random.next());
      for (const p of layer.neuronParameterList) {
        const key = p.name.slice(p.name.lastIndexOf('.') + 1);
        const values = init?.[key];
        if (!values) throw new InvalidArgumentError(`cell ${layer.cell.name}`, `initNeuronParameters gave no values for "${key}"`);
        p.data.set(values);
      }
    }
    if (this.readout.trainable) {
      fill(this.readout.weights.data, outputScale / Math.sqrt(this.readout.inputs));
      this.readout.bias.data.fill(0);
    }
    this.markUpdated();
  }

  /** Increases whenever weights change (see `markUpdated`): lets kernels know when mirrors are stale. */
  get revision(): number {
    return this.version;
  }

  /**
   * Call after changing weights in place (optimizers do, through their `onUpdate`): neuron parameters
   * are projected back into their valid range by cells that constrain them, and cached transposes are
   * rebuilt lazily.
   */
  markUpdated(): void {
    for (const layer of this.layers) layer.cell.constrainNeuronParameters?.(layer.neuronParams);
    this.version++;
  }

  /** Rebuilds the transposed weight caches if weights changed since the last call. */
  refreshCaches(): void {
    if (this.cachedVersion === this.version) return;
    for (const layer of this.layers) {
      const rows = layer.gates * layer.neurons;
      transposeInto(layer.inputWeights.data, rows, layer.inputs, layer.inputWeightsT);
      if (layer.recurrentWeights && layer.recurrentWeightsT) {
        transposeInto(layer.recurrentWeights.data, rows, layer.neurons, layer.recurrentWeightsT);
      }
    }
    transposeInto(this.readout.weights.data, this.outputs, this.readout.inputs, this.readout.weightsT);
    this.cachedVersion = this.version;
  }
}

function validateSpec(spec: NetworkSpec): void {
  const positive = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new InvalidArgumentError(name, `must be a positive integer, got ${String(v)}`);
    }
  };
  positive('inputs', spec.inputs);
  positive('outputs', spec.outputs);
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new InvalidArgumentError('layers', 'a network needs at least one layer');
  }
  spec.layers.forEach((l, i) => positive(`layers[${i}].neurons`, l.neurons));
  if (spec.output !== undefined) {
    const kind = (spec.output as { kind?: unknown }).kind;
    if (kind !== 'spikes' && kind !== 'leaky-sum') {
      throw new InvalidArgumentError('output.kind', `must be 'spikes' or 'leaky-sum', got ${JSON.stringify(kind)}`);
    }
    if (kind === 'leaky-sum' && typeof (spec.output as { kappa?: unknown }).kappa !== 'number') {
      throw new InvalidArgumentError('output.kappa', "a 'leaky-sum' output needs a number kappa in [0, 1]");
    }
    if (spec.readout !== undefined) {
      throw new InvalidArgumentError('readout', 'a network with an output layer (`output`) has no readout; give one of the two');
    }
    const top = spec.layers[spec.layers.length - 1]!;
    if (top.neurons !== spec.outputs) {
      throw new InvalidArgumentError(
        `layers[${spec.layers.length - 1}].neurons`,
        `the top layer is the output layer when \`output\` is given, so it needs ${spec.outputs} neurons (outputs), got ${top.neurons}`,
      );
    }
  }
  const weights = synapseCount(spec.inputs, spec.layers.map((l) => l.neurons), spec.outputs);
  if (weights > MAX_NETWORK_WEIGHTS) {
    throw new InvalidArgumentError(
      'layers',
      `${spec.layers.length} layer(s) of ${[...new Set(spec.layers.map((l) => l.neurons))].join('/')} neurons need ${weights.toExponential(2)} weights ` +
        `(${(weights * 4 / 2 ** 30).toFixed(1)} GiB in float32, several times that while training); at most ${MAX_NETWORK_WEIGHTS.toExponential(2)}: use fewer or smaller layers`,
    );
  }
}

/** The most synapse weights a network may hold (4 GiB in float32; transposes and optimizer moments come on top). */
export const MAX_NETWORK_WEIGHTS = 2 ** 30;

/**
 * Input, recurrent and readout weights of a stack of recurrent layers (one gate per neuron: gated cells
 * such as LSTM hold a few times more). Arithmetic only, so sizes can be checked before anything is allocated.
 */
export function synapseCount(inputs: number, hidden: readonly number[], outputs: number): number {
  let total = 0;
  let fanIn = inputs;
  for (const h of hidden) {
    total += h * fanIn + h * h;
    fanIn = h;
  }
  return total + fanIn * outputs;
}

export function createNetwork(spec: NetworkSpec, options?: NetworkOptions): Network {
  return new Network(spec, options);
}
