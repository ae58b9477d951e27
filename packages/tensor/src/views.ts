/**
 * Shaped, zero-copy views of the flat typed arrays that kernels and learners use, as `ndarray`
 * objects: parameters, gradients, batches, whole datasets and single samples. Writing through a
 * view writes the underlying array (and reading sees every update), so a view can be made once and
 * kept. The argument types are structural: `Parameter` of @snn/protocol, `Batch` and
 * `SequenceDataset` of @snn/datasets fit them.
 */
import ndarray from 'ndarray';
import { InvalidArgumentError, ShapeError, UnknownNameError } from '@snn/errors';
import type { RealArray } from './blas';
import type { Tensor } from './tensor';

/** A named flat array with a shape (a network parameter). */
export interface ShapedArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: RealArray;
}

/** Sequences stored `[N, T, I]` row-major (a dataset; `size` = N). */
export interface SequenceArray {
  readonly size: number;
  readonly steps: number;
  readonly inputs: number;
  readonly x: RealArray;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function checkData(name: string, data: unknown): asserts data is RealArray {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) throw new InvalidArgumentError(name, 'must be a Float32Array or Float64Array');
}

/**
 * A row-major view of `shape` over `data` from `offset`, copying nothing. Throws ShapeError when
 * the array holds fewer than offset + size values.
 */
export function viewOf(data: RealArray, shape: readonly number[], offset = 0): Tensor {
  checkData('data', data);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidArgumentError('shape', `must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError('offset', `must be a non-negative integer, got ${offset}`);
  const size = sizeOf(shape);
  if (offset + size > data.length) {
    throw new ShapeError('data', [offset + size], [data.length], `a [${shape.join(', ')}] view at offset ${offset} needs ${offset + size} values`);
  }
  const stride = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    stride[d] = s;
    s *= shape[d]!;
  }
  return ndarray(data, [...shape], stride, offset);
}

/** A parameter as a view of its own shape (W_in `[H, I]`, a bias `[H]`, ...). */
export function parameterView(parameter: ShapedArray): Tensor {
  if (sizeOf(parameter.shape) !== parameter.data.length) {
    throw new ShapeError(parameter.name, [sizeOf(parameter.shape)], [parameter.data.length], `parameter "${parameter.name}" of shape [${parameter.shape.join(', ')}]`);
  }
  return viewOf(parameter.data, parameter.shape);
}

/** Every parameter as a view, by name (e.g. `network.parameters()`). */
export function parameterViews(parameters: Iterable<ShapedArray>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const p of parameters) out.set(p.name, parameterView(p));
  return out;
}

/**
 * Gradients (flat arrays by parameter name, as a learner's sink receives them) as views of their
 * parameters' shapes. Throws UnknownNameError for a gradient no parameter names.
 */
export function gradientViews(gradients: ReadonlyMap<string, RealArray>, parameters: Iterable<Omit<ShapedArray, 'data'>>): Map<string, Tensor> {
  const shapes = new Map<string, readonly number[]>();
  for (const p of parameters) shapes.set(p.name, p.shape);
  const out = new Map<string, Tensor>();
  for (const [name, data] of gradients) {
    const shape = shapes.get(name);
    if (!shape) throw new UnknownNameError('parameter', name, [...shapes.keys()]);
    if (sizeOf(shape) !== data.length) throw new ShapeError(name, [sizeOf(shape)], [data.length], `the gradient of "${name}" must match its parameter's shape [${shape.join(', ')}]`);
    out.set(name, viewOf(data, shape));
  }
  return out;
}

/** A whole dataset as `[N, T, I]`. */
export function sequencesView(sequences: SequenceArray): Tensor {
  return viewOf(sequences.x, [sequences.size, sequences.steps, sequences.inputs]);
}

/** A mini-batch `{ size, x }` of a dataset with `steps` and `inputs` as `[B, T, I]`. */
export function batchView(batch: { readonly size: number; readonly x: RealArray }, shape: { readonly steps: number; readonly inputs: number }): Tensor {
  const expected = batch.size * shape.steps * shape.inputs;
  if (batch.x.length !== expected) {
    throw new ShapeError('batch.x', [batch.size, shape.steps, shape.inputs], [batch.x.length], `a batch of ${batch.size} sequences of ${shape.steps} x ${shape.inputs} holds ${expected} values`);
  }
  return viewOf(batch.x, [batch.size, shape.steps, shape.inputs]);
}

/** Sequence `n` of a dataset (or batch) as `[T, I]`. */
export function sampleView(sequences: SequenceArray, n: number): Tensor {
  if (!Number.isInteger(n) || n < 0 || n >= sequences.size) throw new InvalidArgumentError('n', `must be a sequence index in [0, ${sequences.size}), got ${n}`);
  return viewOf(sequences.x, [sequences.steps, sequences.inputs], n * sequences.steps * sequences.inputs);
}
