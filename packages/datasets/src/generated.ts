import { InvalidArgumentError } from '@snn/errors';
import { createRandom, type Random } from '@snn/random';
import { makeSource } from './source';
import type { BatchSource, SequenceDataset } from './types';

/** Shape of a generated task. */
export interface GeneratedShape {
  name: string;
  size: number;
  steps: number;
  inputs: number;
  classes: number;
}

/**
 * A counter-based generator: sequence n is drawn from its own stream `fork(name).fork(n)` of the
 * seed, so it is the same whatever the batch size, order or how many sequences are made.
 */
export function sampleRandom(seed: number, name: string, n: number): Random {
  return createRandom(seed).fork(name).fork(`sample/${n}`);
}

/**
 * Streams batches of a generated task without holding all of it; `fill(n, out)` writes sequence n
 * ([T, I], zeroed) and returns its label.
 */
export function generatedSource(shape: GeneratedShape, fill: (n: number, out: Float32Array) => number): BatchSource {
  const stride = shape.steps * shape.inputs;
  const labels = new Int32Array(shape.size);
  const scratch = new Float32Array(stride);
  for (let n = 0; n < shape.size; n++) {
    scratch.fill(0);
    labels[n] = fill(n, scratch);
  }
  return makeSource({
    ...shape,
    labels,
    gather(indices, out) {
      for (let b = 0; b < indices.length; b++) fill(indices[b]!, out.subarray(b * stride, (b + 1) * stride));
    },
  });
}

/** Materialises a generated task as a dense dataset (checks it fits in `maxValues` floats). */
export function denseGenerated(shape: GeneratedShape, fill: (n: number, out: Float32Array) => number, maxValues = 2 ** 28): SequenceDataset {
  const stride = shape.steps * shape.inputs;
  if (shape.size * stride > maxValues) {
    throw new InvalidArgumentError('size', `${shape.name} with ${shape.size} sequences x ${shape.steps} steps x ${shape.inputs} inputs is too large to hold densely (${shape.size * stride} floats); lower size or use the streaming source`);
  }
  const x = new Float32Array(shape.size * stride);
  const labels = new Int32Array(shape.size);
  for (let n = 0; n < shape.size; n++) labels[n] = fill(n, x.subarray(n * stride, (n + 1) * stride));
  return { ...shape, x, labels };
}

/** Rejects options not in `valid`. */
export function checkKeys(options: object, valid: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) throw new InvalidArgumentError(key, `unknown option; valid options: ${valid.join(', ')}`);
  }
}

export function probability(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new InvalidArgumentError(argument, `must be a probability in [0, 1], got ${String(value)}`);
  return value;
}

export function nonNegativeInteger(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new InvalidArgumentError(argument, `must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** A loss mask [T] with ones on the last `last` steps. */
export function lastSteps(steps: number, last: number): Float64Array {
  const m = new Float64Array(steps);
  m.fill(1, Math.max(0, steps - last));
  return m;
}
