/**
 * SimdWorkspace: a WebAssembly memory holding f32/i32 buffers, plus the hand-written f32x4 SIMD
 * kernels of kernels.wat (packed 4x8 register-blocked GEMM, event-driven scatter-axpy).
 *
 * - The memory is a SHARED WebAssembly.Memory, so growing it (when `allocate` needs room) never
 *   detaches the `view`s handed out earlier: every buffer's view stays valid until `release()`.
 * - Allocation is a bump allocator: `allocate*` hands out zeroed, 64-byte aligned buffers;
 *   `release()` frees all of them at once (their views then alias memory that later allocations reuse,
 *   and passing a released buffer to a kernel throws).
 * - Every public kernel call validates its arguments once (O(1), plus O(count) for scatterAxpy's row
 *   indices) and then runs the kernel, which allocates nothing.
 * - `create()` returns null when WebAssembly SIMD or shared memory is unavailable (for example a
 *   browser page that is not cross-origin isolated): callers then use the JS kernels (`gemm`, ...).
 */
import { InvalidArgumentError, ShapeError } from '@snn/errors';
import {
  MODULE_MAX_PAGES,
  MODULE_MIN_PAGES,
  PAGE_BYTES,
  instantiateKernels,
  kernelsModule,
  kernelsModuleAsync,
  type KernelExports,
  type WasmMemory,
  type WasmModule,
} from './module';

/** A float32 buffer inside a workspace's memory. */
export interface SimdBuffer {
  /** Byte offset of element 0 in the workspace memory. */
  readonly offset: number;
  /** Number of float32 elements. */
  readonly length: number;
  /** A view of exactly this buffer (stays valid when the memory grows, until `release()`). */
  readonly view: Float32Array;
}

/** An int32 buffer (row indices) inside a workspace's memory. */
export interface SimdIndexBuffer {
  /** Byte offset of element 0 in the workspace memory. */
  readonly offset: number;
  /** Number of int32 elements. */
  readonly length: number;
  /** A view of exactly this buffer (stays valid when the memory grows, until `release()`). */
  readonly view: Int32Array;
}

export interface SimdWorkspaceOptions {
  /** Memory reserved for buffers at creation, in MiB (default 4); it grows on demand. */
  initialMiB?: number;
  /**
   * Most memory the buffers may ever use, in MiB (default 1024, at most 4095). Shared memories
   * reserve their maximum as address space up front, so keep it no larger than needed.
   */
  maximumMiB?: number;
}

/** Largest block size `blockCarry` takes (its kernel stages one e-vector group in a 128-byte scratch). */
export const BLOCK_CARRY_MAX_E = 8;

/** Bytes of every allocation are rounded up to this (a cache line; also keeps 16-byte alignment). */
const ALIGN = 64;
const MIB = 1024 * 1024;

interface Allocation {
  readonly owner: SimdWorkspace;
  readonly generation: number;
  readonly kind: 'f32' | 'i32';
}

/** Which workspace (and which allocation generation) handed out a buffer. */
const allocations = new WeakMap<object, Allocation>();

function checkCount(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(name, `must be a non-negative integer, got ${String(value)}`);
  }
}

function checkScalar(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(name, `must be a finite number, got ${String(value)}`);
  }
}

function checkMiB(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(name, `must be a non-negative finite number of MiB, got ${String(value)}`);
  }
}

export class SimdWorkspace {
  private readonly memory: WasmMemory;
  private readonly kernels: KernelExports;
  private readonly heapBase: number;
  private readonly maximumPages: number;
  private top: number;
  private generation = 0;

  private constructor(memory: WasmMemory, kernels: KernelExports, maximumPages: number) {
    this.memory = memory;
    this.kernels = kernels;
    this.heapBase = kernels.heap_base.value;
    this.maximumPages = maximumPages;
    this.top = this.heapBase;
  }

  /** True when this runtime can run the SIMD kernels (WebAssembly SIMD and shared memory). */
  static isSupported(): boolean {
    return kernelsModule() !== null;
  }

  /**
   * A new workspace, or null when WebAssembly SIMD (or shared memory) is unavailable; callers then
   * use the JS kernels. Compiles the (4 KiB) module synchronously on first use.
   */
  static create(options: SimdWorkspaceOptions = {}): SimdWorkspace | null {
    const pages = SimdWorkspace.pages(options);
    const module = kernelsModule();
    return module === null ? null : SimdWorkspace.instantiate(module, pages);
  }

  /** Like `create`, but compiles the module asynchronously on first use. */
  static async createAsync(options: SimdWorkspaceOptions = {}): Promise<SimdWorkspace | null> {
    const pages = SimdWorkspace.pages(options);
    const module = await kernelsModuleAsync();
    return module === null ? null : SimdWorkspace.instantiate(module, pages);
  }

  private static pages(options: SimdWorkspaceOptions): { initial: number; maximum: number } {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options', 'must be an object such as { initialMiB: 4 }');
    }
    const initialMiB = options.initialMiB ?? 4;
    const maximumMiB = options.maximumMiB ?? 1024;
    checkMiB('initialMiB', initialMiB);
    checkMiB('maximumMiB', maximumMiB);
    const heapPages = MODULE_MIN_PAGES; // the kernels' scratch lies below the heap
    const initial = heapPages + Math.ceil((initialMiB * MIB) / PAGE_BYTES);
    const maximum = Math.min(MODULE_MAX_PAGES, heapPages + Math.ceil((maximumMiB * MIB) / PAGE_BYTES));
    if (initial > maximum) {
      throw new InvalidArgumentError(
        'initialMiB',
        `must not exceed maximumMiB (${maximumMiB}) nor 4095 MiB, got ${initialMiB}`,
      );
    }
    return { initial, maximum };
  }

  private static instantiate(module: WasmModule, pages: { initial: number; maximum: number }): SimdWorkspace | null {
    const instance = instantiateKernels(module, pages.initial, pages.maximum);
    return instance === null ? null : new SimdWorkspace(instance.memory, instance.exports, pages.maximum);
  }

  /** Bytes currently handed out by `allocate*` (including alignment padding). */
  get allocatedBytes(): number {
    return this.top - this.heapBase;
  }

  /** Bytes the memory can hold for buffers without growing. */
  get capacityBytes(): number {
    return this.memory.buffer.byteLength - this.heapBase;
  }

  /** A zeroed float32 buffer of `length` elements (64-byte aligned; grows the memory if needed). */
  allocate(length: number): SimdBuffer {
    checkCount('length', length);
    const offset = this.reserve(length * 4);
    const view = new Float32Array(this.memory.buffer, offset, length);
    view.fill(0);
    const buffer: SimdBuffer = Object.freeze({ offset, length, view });
    allocations.set(buffer, { owner: this, generation: this.generation, kind: 'f32' });
    return buffer;
  }

  /** A zeroed int32 buffer of `length` elements (row indices for `scatterAxpy`). */
  allocateIndices(length: number): SimdIndexBuffer {
    checkCount('length', length);
    const offset = this.reserve(length * 4);
    const view = new Int32Array(this.memory.buffer, offset, length);
    view.fill(0);
    const buffer: SimdIndexBuffer = Object.freeze({ offset, length, view });
    allocations.set(buffer, { owner: this, generation: this.generation, kind: 'i32' });
    return buffer;
  }

  /**
   * Frees every buffer allocated so far (bump-allocator reset). The memory is kept (it never
   * shrinks); old views still alias it, so drop them: later allocations reuse the same bytes, and
   * passing a released buffer to a kernel throws InvalidArgumentError.
   */
  release(): void {
    this.top = this.heapBase;
    this.generation++;
  }

  private reserve(bytes: number): number {
    const offset = this.top;
    const end = offset + Math.ceil(bytes / ALIGN) * ALIGN;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const havePages = have / PAGE_BYTES;
      const needPages = Math.ceil((end - have) / PAGE_BYTES);
      if (havePages + needPages > this.maximumPages) {
        throw new InvalidArgumentError(
          'length',
          `allocating ${bytes} bytes would take the workspace to ${((end - this.heapBase) / MIB).toFixed(1)} MiB, ` +
            `beyond its maximum of ${(((this.maximumPages - MODULE_MIN_PAGES) * PAGE_BYTES) / MIB).toFixed(0)} MiB; ` +
            'call release() or create the workspace with a larger maximumMiB',
        );
      }
      // Grow by at least a quarter of the current size, so many small allocations grow rarely.
      const growBy = Math.min(this.maximumPages - havePages, Math.max(needPages, Math.ceil(havePages / 4)));
      this.memory.grow(growBy);
    }
    this.top = end;
    return offset;
  }

  // -------------------------------------------------------------------------------------------
  // Validation
  // -------------------------------------------------------------------------------------------

  private checkOwned(name: string, buffer: SimdBuffer | SimdIndexBuffer, kind: 'f32' | 'i32'): void {
    const info = typeof buffer === 'object' && buffer !== null ? allocations.get(buffer) : undefined;
    if (info === undefined || info.owner !== this) {
      throw new InvalidArgumentError(
        name,
        `must be a buffer returned by this workspace's ${kind === 'f32' ? 'allocate()' : 'allocateIndices()'}`,
      );
    }
    if (info.kind !== kind) {
      throw new InvalidArgumentError(
        name,
        kind === 'f32'
          ? 'must be a float32 buffer from allocate(), not an index buffer'
          : 'must be an int32 index buffer from allocateIndices(), not a float32 buffer',
      );
    }
    if (info.generation !== this.generation) {
      throw new InvalidArgumentError(name, 'was freed by release(); allocate it again');
    }
  }

  /** Checks a rows x cols matrix stored from element `offset` with row stride `ld` inside `buffer`. */
  private checkMatrix(
    name: string,
    buffer: SimdBuffer,
    offset: number,
    ldName: string,
    ld: number,
    rows: number,
    cols: number,
  ): void {
    this.checkOwned(name, buffer, 'f32');
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
      throw new InvalidArgumentError(`${name} offset`, `must be a non-negative integer, got ${String(offset)}`);
    }
    if (typeof ld !== 'number' || !Number.isInteger(ld) || ld < Math.max(1, cols)) {
      throw new InvalidArgumentError(
        ldName,
        `row stride must be an integer >= max(1, ${cols}) (the stored row length), got ${String(ld)}`,
      );
    }
    if (rows === 0 || cols === 0) return;
    const needed = offset + (rows - 1) * ld + cols;
    if (needed > buffer.length) {
      throw new ShapeError(
        name,
        [needed],
        [buffer.length],
        `a ${rows}x${cols} matrix at element offset ${offset} with row stride ${ld} needs ${needed} elements`,
      );
    }
  }

  private checkGemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: SimdBuffer, aOffset: number, lda: number, b: SimdBuffer, bOffset: number, ldb: number,
    beta: number, c: SimdBuffer, cOffset: number, ldc: number,
  ): void {
    checkCount('m', m);
    checkCount('n', n);
    checkCount('k', k);
    checkScalar('alpha', alpha);
    checkScalar('beta', beta);
    if (transA) this.checkMatrix('a', a, aOffset, 'lda', lda, k, m);
    else this.checkMatrix('a', a, aOffset, 'lda', lda, m, k);
    if (transB) this.checkMatrix('b', b, bOffset, 'ldb', ldb, n, k);
    else this.checkMatrix('b', b, bOffset, 'ldb', ldb, k, n);
    this.checkMatrix('c', c, cOffset, 'ldc', ldc, m, n);
  }

  // -------------------------------------------------------------------------------------------
  // Kernels
  // -------------------------------------------------------------------------------------------

  /**
   * C = alpha * A * B + beta * C with A [m,k], B [k,n], C [m,n] stored row-major from the given
   * element offsets with row strides lda/ldb/ldc. beta = 0 overwrites C without reading it.
   * C must not overlap A or B. Accumulates in float32 (4x8 register tiles, KC = 256 deep slices).
   */
  gemm(
    m: number, n: number, k: number, alpha: number,
    a: SimdBuffer, aOffset: number, lda: number,
    b: SimdBuffer, bOffset: number, ldb: number,
    beta: number, c: SimdBuffer, cOffset: number, ldc: number,
  ): void {
    this.checkGemm(false, false, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    this.kernels.gemm_nn(
      m, n, k, alpha, a.offset + aOffset * 4, lda, b.offset + bOffset * 4, ldb, beta, c.offset + cOffset * 4, ldc,
    );
  }

  /**
   * C = alpha * A^T * B + beta * C with A STORED [k,m] (row stride lda >= m), B [k,n], C [m,n].
   * As fast as `gemm`: only the packing of A differs.
   */
  gemmTransA(
    m: number, n: number, k: number, alpha: number,
    a: SimdBuffer, aOffset: number, lda: number,
    b: SimdBuffer, bOffset: number, ldb: number,
    beta: number, c: SimdBuffer, cOffset: number, ldc: number,
  ): void {
    this.checkGemm(true, false, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    this.kernels.gemm_tn(
      m, n, k, alpha, a.offset + aOffset * 4, lda, b.offset + bOffset * 4, ldb, beta, c.offset + cOffset * 4, ldc,
    );
  }

  /**
   * C = alpha * A * B^T + beta * C with A [m,k], B STORED [n,k] (row stride ldb >= k), C [m,n].
   * Packing B^T is scalar, so this is a little slower than `gemm` when m is small.
   */
  gemmTransB(
    m: number, n: number, k: number, alpha: number,
    a: SimdBuffer, aOffset: number, lda: number,
    b: SimdBuffer, bOffset: number, ldb: number,
    beta: number, c: SimdBuffer, cOffset: number, ldc: number,
  ): void {
    this.checkGemm(false, true, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    this.kernels.gemm_nt(
      m, n, k, alpha, a.offset + aOffset * 4, lda, b.offset + bOffset * 4, ldb, beta, c.offset + cOffset * 4, ldc,
    );
  }

  /**
   * Event-driven product: for e in [0, count), for j in [0, n):
   *   dst[dstOffset + dstRows[e]*ldDst + j] += scales[e] * src[srcOffset + srcRows[e]*ldSrc + j]
   * applied in order (repeated destination rows accumulate). Forward spikes: `current[b,:] +=
   * W_inT[p,:]` per spike (b, p) (dstRows = b, srcRows = p, scales = 1); weight gradient:
   * `dW_inT[p,:] += gI[b,:]` (dstRows = p, srcRows = b).
   *
   * Every row index is checked against the rows that `src`/`dst` hold (O(count), small next to the
   * O(count * n) product), so a bad index throws instead of writing outside `dst`.
   */
  scatterAxpy(
    count: number, n: number,
    dstRows: SimdIndexBuffer, srcRows: SimdIndexBuffer, scales: SimdBuffer,
    src: SimdBuffer, srcOffset: number, ldSrc: number,
    dst: SimdBuffer, dstOffset: number, ldDst: number,
  ): void {
    checkCount('count', count);
    checkCount('n', n);
    this.checkOwned('dstRows', dstRows, 'i32');
    this.checkOwned('srcRows', srcRows, 'i32');
    this.checkOwned('scales', scales, 'f32');
    if (dstRows.length < count) throw new ShapeError('dstRows', [count], [dstRows.length], 'needs one entry per event');
    if (srcRows.length < count) throw new ShapeError('srcRows', [count], [srcRows.length], 'needs one entry per event');
    if (scales.length < count) throw new ShapeError('scales', [count], [scales.length], 'needs one entry per event');
    const srcLimit = this.rowLimit('src', src, srcOffset, 'ldSrc', ldSrc, n);
    const dstLimit = this.rowLimit('dst', dst, dstOffset, 'ldDst', ldDst, n);
    if (count === 0 || n === 0) return;
    const dstIdx = dstRows.view;
    const srcIdx = srcRows.view;
    for (let e = 0; e < count; e++) {
      const d = dstIdx[e];
      const s = srcIdx[e];
      if (!(d >= 0 && d < dstLimit)) {
        throw new InvalidArgumentError(`dstRows[${e}]`, `must be a row index in [0, ${dstLimit}) of dst, got ${d}`);
      }
      if (!(s >= 0 && s < srcLimit)) {
        throw new InvalidArgumentError(`srcRows[${e}]`, `must be a row index in [0, ${srcLimit}) of src, got ${s}`);
      }
    }
    this.kernels.scatter_axpy(
      count, n, dstRows.offset, srcRows.offset, scales.offset,
      src.offset + srcOffset * 4, ldSrc, dst.offset + dstOffset * 4, ldDst,
    );
  }

  /**
   * Batched per-element e x e linear maps on plane-major rows (the carry-in of forward eligibility
   * rules): row w of `x` holds e planes of n values, X[w][c][j] = x[xOffset + w*ldx + c*n + j]; with
   * M[r][c][j] = m[mOffset + (r*e + c)*n + j] and Q[c][j] = q[qOffset + c*n + j] shared by all rows,
   *   grad[gradOffset + w*ldg + j] += sum_c Q[c][j] X[w][c][j],   X[w][r][j] <- sum_c M[r][c][j] X[w][c][j].
   * e is at most 8 (`BLOCK_CARRY_MAX_E`).
   */
  blockCarry(
    rows: number, e: number, n: number,
    x: SimdBuffer, xOffset: number, ldx: number,
    grad: SimdBuffer, gradOffset: number, ldg: number,
    m: SimdBuffer, mOffset: number,
    q: SimdBuffer, qOffset: number,
  ): void {
    checkCount('rows', rows);
    checkCount('n', n);
    if (!Number.isInteger(e) || e < 1 || e > BLOCK_CARRY_MAX_E) throw new InvalidArgumentError('e', `must be an integer in [1, ${BLOCK_CARRY_MAX_E}], got ${String(e)}`);
    if (rows === 0 || n === 0) return;
    if (this.rowLimit('x', x, xOffset, 'ldx', ldx, e * n) < rows) throw new ShapeError('x', [rows, e * n], [x.length - xOffset], 'needs rows x (e planes of n) values');
    if (this.rowLimit('grad', grad, gradOffset, 'ldg', ldg, n) < rows) throw new ShapeError('grad', [rows, n], [grad.length - gradOffset], 'needs one row of n per row of x');
    if (this.rowLimit('m', m, mOffset, 'n', n, n) < e * e) throw new ShapeError('m', [e, e, n], [m.length - mOffset]);
    if (this.rowLimit('q', q, qOffset, 'n', n, n) < e) throw new ShapeError('q', [e, n], [q.length - qOffset]);
    this.kernels.block_carry(rows, e, n, x.offset + xOffset * 4, ldx, grad.offset + gradOffset * 4, ldg, m.offset + mOffset * 4, q.offset + qOffset * 4);
  }

  /** Validates a row-strided operand of row length n and returns how many whole rows it holds. */
  private rowLimit(name: string, buffer: SimdBuffer, offset: number, ldName: string, ld: number, n: number): number {
    this.checkOwned(name, buffer, 'f32');
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
      throw new InvalidArgumentError(`${name} offset`, `must be a non-negative integer, got ${String(offset)}`);
    }
    if (typeof ld !== 'number' || !Number.isInteger(ld) || ld < Math.max(1, n)) {
      throw new InvalidArgumentError(
        ldName,
        `row stride must be an integer >= max(1, ${n}) (the row length n), got ${String(ld)}`,
      );
    }
    const available = buffer.length - offset;
    return available < n ? 0 : Math.floor((available - n) / ld) + 1;
  }
}
