import { InvalidArgumentError, ShapeError } from '@snn/errors';
import type { SequenceDataset } from './types';

/** Checks the invariants every consumer relies on: sizes agree with the arrays, labels in range. */
export function checkDataset(argument: string, data: SequenceDataset): void {
  if (typeof data !== 'object' || data === null || !(data.x instanceof Float32Array) || !(data.labels instanceof Int32Array)) {
    throw new InvalidArgumentError(argument, 'must be a SequenceDataset { name, size, steps, inputs, classes, x: Float32Array, labels: Int32Array }');
  }
  const { size, steps, inputs, classes } = data;
  for (const [key, value] of [['size', size], ['steps', steps], ['inputs', inputs], ['classes', classes]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`${argument}.${key}`, `must be a non-negative integer, got ${value}`);
  }
  if (data.x.length !== size * steps * inputs) {
    throw new ShapeError(`${argument}.x`, [size, steps, inputs], [data.x.length], 'x must hold size * steps * inputs values');
  }
  if (data.labels.length !== size) throw new ShapeError(`${argument}.labels`, [size], [data.labels.length]);
}

export function positiveInteger(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, `must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function integerSeed(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(argument, `must be a safe integer, got ${String(value)}`);
  }
  return value;
}

/** The first sequence of batch `startBatch` (checked: an integer >= 0). */
export function startOffset(startBatch: number | undefined, batchSize: number): number {
  if (startBatch === undefined) return 0;
  if (!Number.isInteger(startBatch) || startBatch < 0) throw new InvalidArgumentError('options.startBatch', `must be an integer >= 0, got ${String(startBatch)}`);
  return startBatch * batchSize;
}
