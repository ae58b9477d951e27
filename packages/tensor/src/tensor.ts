/**
 * Tensors are plain `ndarray` objects over Float32Array / Float64Array: every view that ndarray
 * offers (`transpose`, `lo`, `hi`, `step`, `pick`, `.T`) copies nothing, and the functions here
 * accept any such view. Results are new row-major contiguous tensors unless an `out` is given.
 */
import ndarray from 'ndarray';
import { InvalidArgumentError, ShapeError } from '@snn/errors';
import type { RealArray } from './blas';
import { resolveBackend } from './backend';
import { referenceKernels } from './kernels/reference';

import type { DType } from './kernels/types';

export type { DType };
export type Tensor = ndarray.NdArray<RealArray>;

// ---------------------------------------------------------------------------------------------
// Creation
// ---------------------------------------------------------------------------------------------

function checkShape(argument: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidArgumentError(argument, `must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

function checkDType(dtype: string): asserts dtype is DType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new InvalidArgumentError('dtype', `must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  }
}

function checkTensor(argument: string, t: Tensor): void {
  if (!t || !(t.data instanceof Float32Array || t.data instanceof Float64Array) || !Array.isArray(t.shape)) {
    throw new InvalidArgumentError(argument, 'must be an ndarray over a Float32Array or Float64Array');
  }
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

function allocate(dtype: DType, size: number): RealArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

export function dtypeOf(t: Tensor): DType {
  return t.data instanceof Float64Array ? 'float64' : 'float32';
}

/** A new zero-filled row-major tensor. */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  checkShape('shape', shape);
  checkDType(dtype);
  return ndarray(allocate(dtype, sizeOf(shape)), [...shape]);
}

/**
 * A row-major tensor over `data`. A Float32Array/Float64Array is wrapped without copying (its
 * dtype wins unless `dtype` asks for the other one, which copies); any other array-like is copied
 * into a new array of `dtype` (default 'float32').
 */
export function fromArray(data: ArrayLike<number>, shape: readonly number[] = [data.length], dtype?: DType): Tensor {
  checkShape('shape', shape);
  if (dtype !== undefined) checkDType(dtype);
  const size = sizeOf(shape);
  if (data.length !== size) {
    throw new ShapeError('data', [size], [data.length], `a tensor of shape [${shape.join(', ')}] needs exactly ${size} values`);
  }
  const wrapsAsIs =
    (data instanceof Float32Array && (dtype ?? 'float32') === 'float32') ||
    (data instanceof Float64Array && (dtype ?? 'float64') === 'float64');
  if (wrapsAsIs) return ndarray(data as RealArray, [...shape]);
  const target = allocate(dtype ?? 'float32', size);
  for (let i = 0; i < size; i++) target[i] = data[i];
  return ndarray(target, [...shape]);
}

/** True when `t` is row-major and dense (its elements are data[offset .. offset + size)). */
export function isContiguous(t: Tensor): boolean {
  let expected = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== expected) return false;
    expected *= t.shape[d];
  }
  return true;
}

/** `t` itself when it is already row-major dense at offset 0 over its whole buffer, else a dense copy. */
export function toContiguous(t: Tensor): Tensor {
  checkTensor('t', t);
  if (isContiguous(t) && t.offset === 0 && t.data.length === t.size) return t;
  const out = zeros(t.shape, dtypeOf(t));
  assign(out, t);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strided iteration: visits every line along the last axis (for all tensors at once, which must
// share `shape`), giving each tensor's offset of the line start. Lines are visited in row-major
// order, so a contiguous output can be filled sequentially.
// ---------------------------------------------------------------------------------------------

function forEachLine(
  tensors: readonly Tensor[],
  shape: readonly number[],
  visit: (offsets: number[], length: number, lastStrides: number[]) => void,
): void {
  const rank = shape.length;
  if (sizeOf(shape) === 0) return;
  const offsets = tensors.map((t) => t.offset);
  if (rank === 0) {
    visit(offsets, 1, tensors.map(() => 0));
    return;
  }
  const length = shape[rank - 1];
  const lastStrides = tensors.map((t) => t.stride[rank - 1]);
  const outer = rank - 1;
  const index = new Array<number>(outer).fill(0);
  const lines = sizeOf(shape.slice(0, outer));
  const current = offsets.slice();
  for (let line = 0; line < lines; line++) {
    visit(current, length, lastStrides);
    // Odometer increment over the leading axes.
    for (let d = outer - 1; d >= 0; d--) {
      index[d]++;
      for (let t = 0; t < tensors.length; t++) current[t] += tensors[t].stride[d];
      if (index[d] < shape[d]) break;
      for (let t = 0; t < tensors.length; t++) current[t] -= tensors[t].stride[d] * shape[d];
      index[d] = 0;
    }
  }
}

function sameShape(x: readonly number[], y: readonly number[]): boolean {
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

function checkOut(out: Tensor | undefined, shape: readonly number[]): void {
  if (out === undefined) return;
  checkTensor('out', out);
  if (!sameShape(out.shape, shape)) throw new ShapeError('out', shape, out.shape);
}

/** Copies `src` into `dst` element-wise (any strides on either side); shapes must match. */
function assign(dst: Tensor, src: Tensor): Tensor {
  checkTensor('dst', dst);
  checkTensor('src', src);
  if (!sameShape(dst.shape, src.shape)) throw new ShapeError('src', dst.shape, src.shape, 'assign needs equal shapes');
  const d = dst.data, s = src.data;
  forEachLine([dst, src], dst.shape, (offsets, length, strides) => {
    const [od, os] = offsets, [sd, ss] = strides;
    for (let i = 0; i < length; i++) d[od + i * sd] = s[os + i * ss];
  });
  return dst;
}

// ---------------------------------------------------------------------------------------------
// Products
// ---------------------------------------------------------------------------------------------

/**
 * How a rows x cols strided matrix maps onto gemm's (trans, ld) description, without copying:
 * row-major rows (unit column stride) as is, column-major (unit row stride) as the transpose of
 * its storage. null when neither holds (steps, negative strides): the caller copies.
 */
function gemmLayout(rows: number, cols: number, rowStride: number, colStride: number): { transposed: boolean; ld: number } | null {
  if ((colStride === 1 || cols === 1) && (rows === 1 || rowStride >= Math.max(cols, 1))) {
    return { transposed: false, ld: rows === 1 ? Math.max(cols, 1) : rowStride };
  }
  if ((rowStride === 1 || rows === 1) && (cols === 1 || colStride >= Math.max(rows, 1))) {
    return { transposed: true, ld: cols === 1 ? Math.max(rows, 1) : colStride };
  }
  return null;
}

/** A dense copy of the trailing 2-D matrices when their layout cannot feed gemm directly. */
function gemmReady(t: Tensor): Tensor {
  const r = t.shape.length;
  const ok = gemmLayout(t.shape[r - 2], t.shape[r - 1], t.stride[r - 2], t.stride[r - 1]) !== null;
  return ok ? t : toContiguous(t);
}

/** Broadcasts two batch shapes numpy-style (missing or size-1 axes stretch). */
function broadcastBatch(a: readonly number[], b: readonly number[], aFull: readonly number[], bFull: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError('b', [...a, -1, -1], bFull,
        `batch dimensions [${b.join(', ')}] do not broadcast against [${a.join(', ')}] of a (shape [${aFull.join(', ')}])`);
    }
    out.push(Math.max(da, db));
  }
  return out;
}

/** Offsets of each batch item of `t` (its leading axes broadcast to `batch`) in row-major batch order. */
function batchOffsets(t: Tensor, batch: readonly number[]): number[] {
  const lead = t.shape.length - 2;
  const count = sizeOf(batch);
  const offsets = new Array<number>(count);
  const index = new Array<number>(batch.length).fill(0);
  for (let item = 0; item < count; item++) {
    let offset = t.offset;
    for (let d = 0; d < batch.length; d++) {
      const td = d - (batch.length - lead);
      if (td >= 0 && t.shape[td] !== 1) offset += index[d] * t.stride[td];
    }
    offsets[item] = offset;
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++index[d] < batch[d]) break;
      index[d] = 0;
    }
  }
  return offsets;
}

export interface MatmulOptions {
  /** Use a's last two axes transposed (a is [..., k, m]). */
  transA?: boolean;
  /** Use b's last two axes transposed (b is [..., n, k]). */
  transB?: boolean;
  /** out = alpha * a b + beta * out; beta needs `out`. Defaults 1 and 0. */
  alpha?: number;
  beta?: number;
  /** Destination of shape [...batch, m, n]; a new tensor when absent. */
  out?: Tensor;
  /** Backend name for this call; otherwise setDefaultBackend / SNN_BACKEND / size-based. */
  backend?: string;
}

/**
 * Batched matrix product over the leading (broadcast) axes: [..., m, k] x [..., k, n] -> [..., m, n].
 * Row-major and transposed views go to gemm with their strides (no copy); other layouts (steps,
 * negative strides) are copied first. The result is float64 if either input is. `out` must not
 * share memory with `a` or `b`.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkTensor('a', a);
  checkTensor('b', b);
  const { transA = false, transB = false, alpha = 1, beta = 0, out, backend } = options;
  if (a.shape.length < 2) throw new ShapeError('a', [-1, -1], a.shape, 'matmul needs at least 2 axes (view a vector as [1, n] or [n, 1])');
  if (b.shape.length < 2) throw new ShapeError('b', [-1, -1], b.shape, 'matmul needs at least 2 axes (view a vector as [1, n] or [n, 1])');
  const ra = a.shape.length, rb = b.shape.length;
  const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (kb !== k) {
    const expected = [...b.shape.slice(0, -2).map(() => -1), ...(transB ? [-1, k] : [k, -1])];
    throw new ShapeError('b', expected, b.shape, `inner dimensions differ: op(a) has ${k} columns, op(b) has ${kb} rows`);
  }
  const batch = broadcastBatch(a.shape.slice(0, -2), b.shape.slice(0, -2), a.shape, b.shape);
  const outShape = [...batch, m, n];
  const float64 = dtypeOf(a) === 'float64' || dtypeOf(b) === 'float64';
  if (out === undefined && beta !== 0) throw new InvalidArgumentError('beta', 'a nonzero beta needs an `out` tensor to accumulate into');
  checkOut(out, outShape);

  const aReady = gemmReady(a), bReady = gemmReady(b);
  const aLayout = gemmLayout(aReady.shape[ra - 2], aReady.shape[ra - 1], aReady.stride[ra - 2], aReady.stride[ra - 1])!;
  const bLayout = gemmLayout(bReady.shape[rb - 2], bReady.shape[rb - 1], bReady.stride[rb - 2], bReady.stride[rb - 1])!;
  // Writing needs unit column stride; any other destination receives a copy of a dense result.
  const direct = out !== undefined && (n === 1 || out.stride[out.shape.length - 1] === 1) && (m === 1 || out.stride[out.shape.length - 2] >= n);
  const target = direct ? out! : out !== undefined && beta !== 0 ? toContiguous(out) : zeros(outShape, out ? dtypeOf(out) : float64 ? 'float64' : 'float32');
  const ldc = m === 1 ? Math.max(n, 1) : target.stride[target.shape.length - 2];
  const engine = resolveBackend(m, n, k, { backend, float64: float64 || dtypeOf(target) === 'float64' });

  const aOffsets = batchOffsets(aReady, batch), bOffsets = batchOffsets(bReady, batch), cOffsets = batchOffsets(target, batch);
  for (let item = 0; item < aOffsets.length; item++) {
    (engine.gemm ?? referenceKernels.gemm)(
      transA !== aLayout.transposed, transB !== bLayout.transposed, m, n, k, alpha,
      aReady.data, aOffsets[item], aLayout.ld, bReady.data, bOffsets[item], bLayout.ld,
      beta, target.data, cOffsets[item], ldc,
    );
  }
  if (out !== undefined && target !== out) assign(out, target);
  return out ?? target;
}
