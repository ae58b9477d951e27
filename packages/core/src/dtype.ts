import type { DType, RealArray } from '@snn/protocol';
import { InvalidArgumentError } from '@snn/errors';

/** A zero-filled array of `length` elements of `dtype`. */
export function allocate(dtype: DType, length: number): RealArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

export function dtypeOf(array: RealArray): DType {
  return array instanceof Float64Array ? 'float64' : 'float32';
}

/** Accepts 'f32' / 'f64' shorthands as the CLI does. */
export function parseDType(value: string): DType {
  if (value === 'float32' || value === 'f32') return 'float32';
  if (value === 'float64' || value === 'f64') return 'float64';
  throw new InvalidArgumentError('dtype', `"${value}" is not a dtype; use f32 (float32) or f64 (float64)`);
}
