/**
 * Tensors are plain `ndarray` objects over Float32Array / Float64Array: every view that ndarray
 * offers (`transpose`, `lo`, `hi`, `step`, `pick`, `.T`) copies nothing, and the functions here
 * accept any such view. Results are new row-major contiguous tensors unless an `out` is given.
 */
import ndarray from 'ndarray';
import { InvalidArgumentError, ShapeError } from '@snn/errors';
import { gemv, ger, type RealArray } from './blas';
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

/** Flat copy of the elements in row-major order, as a new typed array of the same dtype. */
export function toTypedArray(t: Tensor): RealArray {
  checkTensor('t', t);
  const out = allocate(dtypeOf(t), t.size);
  let next = 0;
  forEachLine([t], t.shape, (offsets, length, strides) => {
    const [src] = offsets, [stride] = strides;
    for (let i = 0; i < length; i++) out[next++] = t.data[src + i * stride];
  });
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
export function assign(dst: Tensor, src: Tensor): Tensor {
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
// Elementwise
// ---------------------------------------------------------------------------------------------

/** out[i] = fn(t[i]); a new tensor of t's dtype unless `out` (same shape) is given. */
export function map(t: Tensor, fn: (value: number) => number, out?: Tensor): Tensor {
  checkTensor('t', t);
  checkOut(out, t.shape);
  const result = out ?? zeros(t.shape, dtypeOf(t));
  const r = result.data, s = t.data;
  forEachLine([result, t], t.shape, (offsets, length, strides) => {
    const [or, os] = offsets, [sr, ss] = strides;
    for (let i = 0; i < length; i++) r[or + i * sr] = fn(s[os + i * ss]);
  });
  return result;
}

/** out[i] = fn(a[i], b[i]) over equal shapes; float64 if either input is, unless `out` is given. */
export function zip(a: Tensor, b: Tensor, fn: (x: number, y: number) => number, out?: Tensor): Tensor {
  checkTensor('a', a);
  checkTensor('b', b);
  if (!sameShape(a.shape, b.shape)) throw new ShapeError('b', a.shape, b.shape, 'zip needs equal shapes');
  checkOut(out, a.shape);
  const result = out ?? zeros(a.shape, dtypeOf(a) === 'float64' || dtypeOf(b) === 'float64' ? 'float64' : 'float32');
  const r = result.data, x = a.data, y = b.data;
  forEachLine([result, a, b], a.shape, (offsets, length, strides) => {
    const [or, oa, ob] = offsets, [sr, sa, sb] = strides;
    for (let i = 0; i < length; i++) r[or + i * sr] = fn(x[oa + i * sa], y[ob + i * sb]);
  });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------------------------

function normalizeAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new InvalidArgumentError('axis', `must be an integer in [${-rank}, ${rank - 1}] for a rank-${rank} tensor, got ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Moves `axis` last (a view) so a reduction is one pass per line. */
function axisLast(t: Tensor, axis: number): Tensor {
  const order = t.shape.map((_, d) => d).filter((d) => d !== axis);
  order.push(axis);
  return t.transpose(...order);
}

function reduce(
  name: string,
  t: Tensor,
  axis: number | undefined,
  initial: number,
  step: (acc: number, value: number) => number,
): number | Tensor {
  checkTensor('t', t);
  if (axis === undefined) {
    let acc = initial;
    forEachLine([t], t.shape, (offsets, length, strides) => {
      const [o] = offsets, [s] = strides;
      for (let i = 0; i < length; i++) acc = step(acc, t.data[o + i * s]);
    });
    return acc;
  }
  const rank = t.shape.length;
  const ax = normalizeAxis(axis, rank);
  if (t.shape[ax] === 0 && name === 'max') {
    throw new ShapeError('t', t.shape.map((d, i) => (i === ax ? -1 : d)), t.shape, `max over an empty axis ${ax} is undefined`);
  }
  const moved = axisLast(t, ax);
  const out = zeros(t.shape.filter((_, d) => d !== ax), dtypeOf(t));
  const o = out.data;
  let next = 0;
  forEachLine([moved], moved.shape, (offsets, length, strides) => {
    const [start] = offsets, [s] = strides;
    let acc = initial;
    for (let i = 0; i < length; i++) acc = step(acc, t.data[start + i * s]);
    o[next++] = acc;
  });
  return out;
}

/** Sum of all elements (a number), or over one axis (a tensor without that axis). */
export function sum(t: Tensor): number;
export function sum(t: Tensor, axis: number): Tensor;
export function sum(t: Tensor, axis?: number): number | Tensor {
  return reduce('sum', t, axis, 0, (acc, v) => acc + v);
}

/** Maximum of all elements (a number; -Infinity when empty), or over one axis (a tensor). NaN propagates. */
export function max(t: Tensor): number;
export function max(t: Tensor, axis: number): Tensor;
export function max(t: Tensor, axis?: number): number | Tensor {
  return reduce('max', t, axis, -Infinity, (acc, v) => (v > acc || Number.isNaN(v) ? v : acc));
}

/** log(softmax(t)) along the last axis, computed stably as x - max - log(sum(exp(x - max))). */
export function logSoftmax(t: Tensor, out?: Tensor): Tensor {
  checkTensor('t', t);
  if (t.shape.length === 0) throw new ShapeError('t', [-1], t.shape, 'logSoftmax needs at least one axis');
  checkOut(out, t.shape);
  const result = out ?? zeros(t.shape, dtypeOf(t));
  const r = result.data, x = t.data;
  forEachLine([result, t], t.shape, (offsets, length, strides) => {
    const [or, ox] = offsets, [sr, sx] = strides;
    let peak = -Infinity;
    for (let i = 0; i < length; i++) {
      const v = x[ox + i * sx];
      if (v > peak) peak = v;
    }
    // All -Infinity (or empty) rows would give NaN from -Inf - -Inf; shift by 0 instead.
    const shift = Number.isFinite(peak) ? peak : 0;
    let total = 0;
    for (let i = 0; i < length; i++) total += Math.exp(x[ox + i * sx] - shift);
    const logNorm = shift + Math.log(total);
    for (let i = 0; i < length; i++) r[or + i * sr] = x[ox + i * sx] - logNorm;
  });
  return result;
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
  if (a.shape.length < 2) throw new ShapeError('a', [-1, -1], a.shape, 'matmul needs at least 2 axes; use matvec for vectors');
  if (b.shape.length < 2) throw new ShapeError('b', [-1, -1], b.shape, 'matmul needs at least 2 axes; use matvec for vectors');
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

/** A dense (unit-stride) view or copy of a vector. */
function denseVector(v: Tensor): { data: RealArray; offset: number } {
  if (v.stride[0] === 1 || v.shape[0] <= 1) return { data: v.data, offset: v.offset };
  const copy = toContiguous(v);
  return { data: copy.data, offset: 0 };
}

/** y = alpha * op(a) x + beta * y for a 2-D `a` ([m, n], or [n, m] with transA) and vector x [n]. */
export function matvec(
  a: Tensor,
  x: Tensor,
  options: { transA?: boolean; alpha?: number; beta?: number; out?: Tensor } = {},
): Tensor {
  checkTensor('a', a);
  checkTensor('x', x);
  const { transA = false, alpha = 1, beta = 0, out } = options;
  if (a.shape.length !== 2) throw new ShapeError('a', [-1, -1], a.shape, 'matvec needs a matrix');
  const m = transA ? a.shape[1] : a.shape[0];
  const n = transA ? a.shape[0] : a.shape[1];
  if (x.shape.length !== 1 || x.shape[0] !== n) throw new ShapeError('x', [n], x.shape);
  if (out === undefined && beta !== 0) throw new InvalidArgumentError('beta', 'a nonzero beta needs an `out` vector to accumulate into');
  checkOut(out, [m]);
  const aReady = gemmReady(a);
  const layout = gemmLayout(aReady.shape[0], aReady.shape[1], aReady.stride[0], aReady.stride[1])!;
  const xv = denseVector(x);
  const float64 = dtypeOf(a) === 'float64' || dtypeOf(x) === 'float64';
  const directOut = out !== undefined && (out.stride[0] === 1 || m <= 1);
  const target = directOut ? out! : out !== undefined ? toContiguous(out) : zeros([m], float64 ? 'float64' : 'float32');
  gemv(transA !== layout.transposed, m, n, alpha, aReady.data, aReady.offset, layout.ld, xv.data, xv.offset, beta, target.data, target.offset);
  if (out !== undefined && target !== out) assign(out, target);
  return out ?? target;
}

/** a += alpha * x y^T for a 2-D `a` [m, n] (any strides), x [m], y [n]. Returns `a`. */
export function outerAccumulate(a: Tensor, x: Tensor, y: Tensor, alpha = 1): Tensor {
  checkTensor('a', a);
  checkTensor('x', x);
  checkTensor('y', y);
  if (a.shape.length !== 2) throw new ShapeError('a', [-1, -1], a.shape, 'outerAccumulate needs a matrix');
  const [m, n] = a.shape;
  if (x.shape.length !== 1 || x.shape[0] !== m) throw new ShapeError('x', [m], x.shape);
  if (y.shape.length !== 1 || y.shape[0] !== n) throw new ShapeError('y', [n], y.shape);
  const xv = denseVector(x), yv = denseVector(y);
  const layout = gemmLayout(m, n, a.stride[0], a.stride[1]);
  if (layout && !layout.transposed) {
    ger(m, n, alpha, xv.data, xv.offset, yv.data, yv.offset, a.data, a.offset, layout.ld);
  } else if (layout) {
    // A column-major view is the transpose of its storage: storage += alpha * y x^T.
    ger(n, m, alpha, yv.data, yv.offset, xv.data, xv.offset, a.data, a.offset, layout.ld);
  } else {
    const d = a.data;
    for (let i = 0; i < m; i++) {
      const s = alpha * xv.data[xv.offset + i];
      for (let j = 0; j < n; j++) d[a.offset + i * a.stride[0] + j * a.stride[1]] += s * yv.data[yv.offset + j];
    }
  }
  return a;
}
