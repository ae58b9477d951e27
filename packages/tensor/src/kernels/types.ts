/**
 * The kernels learning rules run, named once, and what a backend provides of them.
 *
 * Every kernel works on flat row-major typed arrays with explicit offsets and row strides (the
 * arrays that parameters, gradients and states live in); `ld*` is a row stride as stored and
 * dimensions describe op(X), never the stored layout. A backend implements any subset of the
 * kernels; `createKernels` fills the rest from the reference backend.
 */
import type { RealArray } from '../blas';

export type DType = 'float32' | 'float64';

/** C[m,n] = alpha op(A) op(B) + beta C; `beta = 0` never reads C. The shapes backprop needs: NN, TN, NT (and TT). */
export type GemmKernel = (
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: RealArray, aOffset: number, lda: number, b: RealArray, bOffset: number, ldb: number,
  beta: number, c: RealArray, cOffset: number, ldc: number,
) => void;

/** Promise form of `GemmKernel` (threads, GPU); a backend's fastest path where it has one. */
export type GemmAsyncKernel = (...args: Parameters<GemmKernel>) => Promise<void>;

/**
 * C += alpha op(A) B skipping the zeros of A (A holds spikes): cost O(nnz(A) n). transA = false: A
 * stored [m,k]; transA = true: A stored [k,m]. B is stored [k,n].
 */
export type GemmSparseAKernel = (
  transA: boolean, m: number, n: number, k: number, alpha: number,
  a: RealArray, aOffset: number, lda: number, b: RealArray, bOffset: number, ldb: number,
  c: RealArray, cOffset: number, ldc: number,
) => void;

/**
 * The event-driven product over spike indices: for e in [0, count), in order,
 * dst[dstOffset + dstRows[e]*ldDst + (0..n)] += scales[e] * src[srcOffset + srcRows[e]*ldSrc + (0..n)].
 * Forward spikes (b, p): current[b,:] += W_inT[p,:]; weight gradient: dW_inT[p,:] += gI[b,:].
 */
export type ScatterAxpyKernel = (
  count: number, n: number, dstRows: Int32Array, srcRows: Int32Array, scales: RealArray,
  src: RealArray, srcOffset: number, ldSrc: number, dst: RealArray, dstOffset: number, ldDst: number,
) => void;

/**
 * Block-diagonal carry on plane-major rows (the carry-in of forward eligibility rules): row w of x
 * holds e planes of n values, X[w][c][j] = x[xOffset + w*ldx + c*n + j]; with the per-element maps
 * M[r][c][j] = m[mOffset + (r*e + c)*n + j] and Q[c][j] = q[qOffset + c*n + j] shared by every row:
 *   grad[gradOffset + w*ldg + j] += sum_c Q[c][j] X[w][c][j],   X[w][r][j] <- sum_c M[r][c][j] X[w][c][j].
 */
export type BlockCarryKernel = (
  rows: number, e: number, n: number,
  x: RealArray, xOffset: number, ldx: number,
  grad: RealArray, gradOffset: number, ldg: number,
  m: RealArray, mOffset: number,
  q: RealArray, qOffset: number,
) => void;

/**
 * Composition of n block-diagonal affine maps, block-major: (Aout, bout) = (A2 A1, A2 b1 + b2), block
 * j of a map at `offset + j*d*d` in A and `offset + j*d` in b. Outputs may not alias the inputs.
 */
export type BlockComposeKernel = (
  n: number, d: number,
  A2: RealArray, a2: number, b2: RealArray, v2: number,
  A1: RealArray, a1: number, b1: RealArray, v1: number,
  Aout: RealArray, ao: number, bout: RealArray, vo: number,
) => void;

/** One step of x = A x + b for n blocks, block-major: A [n, d, d], x [n, d] in place, b [n, d] or null. */
export type BlockStepKernel = (n: number, d: number, A: RealArray, x: RealArray, b: RealArray | null) => void;

/** out += A v for n blocks, block-major: A [n, d, d], v and out [n, d] (out must not alias v). */
export type BlockApplyKernel = (n: number, d: number, A: RealArray, v: RealArray, out: RealArray) => void;

/**
 * Inclusive associative scan of L block-diagonal affine maps (A [L, n, d, d], b [L, n, d], both
 * overwritten): A[t] <- A_t ... A_1, b[t] <- the composition applied to zero. `workA`/`workB` (same
 * sizes) avoid allocation.
 */
export type BlockScanKernel = (L: number, n: number, d: number, A: RealArray, b: RealArray, workA?: RealArray, workB?: RealArray) => void;

/** Every kernel of the layer, by name. */
export interface KernelSet {
  gemm: GemmKernel;
  gemmSparseA: GemmSparseAKernel;
  scatterAxpy: ScatterAxpyKernel;
  blockCarry: BlockCarryKernel;
  blockCompose: BlockComposeKernel;
  blockStep: BlockStepKernel;
  blockApply: BlockApplyKernel;
  blockScan: BlockScanKernel;
}

export type KernelName = keyof KernelSet;

/** The kernel names, in the order tables list them. */
export const KERNEL_NAMES: readonly KernelName[] = Object.freeze([
  'gemm', 'gemmSparseA', 'scatterAxpy', 'blockCarry', 'blockCompose', 'blockStep', 'blockApply', 'blockScan',
]);

/** Where arrays live: a backend with its own memory (the SIMD workspace) hands out arrays its kernels reach. */
export interface KernelMemory {
  /** A zeroed array of `length` elements that the kernels can reach. */
  allocate(length: number): RealArray;
  /** An array with the same values as `source` that the kernels can reach (may be `source` itself). */
  mirror(source: RealArray): RealArray;
  /** Copies `source` into its mirror again (after the weights changed). */
  refreshMirror(source: RealArray): void;
}

/** Kernels bound to one memory (one SIMD workspace): a subset of the kernels plus that memory. */
export type BoundKernels = Partial<KernelSet> & KernelMemory;

/** Sizing of a backend's own memory (the SIMD workspace), in MiB; backends without one ignore it. */
export interface BindOptions {
  initialMiB?: number;
  maximumMiB?: number;
}

/**
 * A backend: a name, whether it runs here, and any subset of the kernels. Kernels that take arrays
 * living anywhere are plain members; kernels that need the backend's own memory come from `bind`.
 */
export interface Backend extends Partial<KernelSet> {
  /** Registry key, e.g. 'reference' or 'wasm-simd'. */
  readonly name: string;
  /** One line for `snn bench` and error messages. */
  readonly description: string;
  /** Whether this backend can run in the current process. Never throws. */
  available(): boolean;
  /** The dtypes its kernels compute in (default both); for any other, `createKernels` uses the reference. */
  readonly dtypes?: readonly DType[];
  gemmAsync?: GemmAsyncKernel;
  /**
   * A fresh memory for `dtype` with the kernels that run on it (each falling back to the reference
   * for operands outside that memory), or null when this backend has none for `dtype`.
   */
  bind?(dtype: DType, options?: BindOptions): BoundKernels | null;
  /** The kernels `bind()` provides, for listings (`listBackends({ kernel })`, `kernelTable()`). */
  readonly boundKernels?: readonly KernelName[];
  /** Releases compiled kernels and worker pools; the backend stays usable (it recompiles lazily). */
  dispose?(): void;
}

/** A complete kernel set for one dtype: every kernel, a memory, and which backend serves each kernel. */
export interface Kernels extends KernelSet, KernelMemory {
  /** The backend that was asked for (after 'auto' was resolved). */
  readonly name: string;
  readonly dtype: DType;
  /** Which backend runs each kernel ('reference' where the chosen backend lacks it). */
  readonly backends: Readonly<Record<KernelName, string>>;
  /** True when the kernels run on the backend's own memory (arrays from `allocate` / `mirror` live there). */
  readonly bound: boolean;
}
