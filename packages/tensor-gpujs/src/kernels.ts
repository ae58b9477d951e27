/**
 * gpu.js kernels for the training loops that are large enough to pay on a GPU, each one compiled
 * once per shape (shapes are constants, so WebGL loops have fixed bounds):
 *
 *   projectSegment      currents[r, j] = bias[j] + sum_p x[r, p] Win^T[p, j] for every row r of a
 *                       whole segment (T steps x B sequences) in one dispatch;
 *   backwardProduct     out[b, i] = sum_j delta[b, j] W[j, i], the dense W^T delta of backprop;
 *   traceScan           xbar_t = alpha xbar_{t-1} + x_t along time (the presynaptic eligibility
 *                       trace of LIF-type cells), every (row, input) in parallel;
 *   eligibilityGradient grad[h, i] = sum_r signal[r, h] xbar[r, i] (learning signal x trace).
 *
 * `segmentGradient` chains traceScan into eligibilityGradient: on a GPU mode the trace stays a
 * texture (gpu.js pipeline mode) and only the [H, I] gradient is read back.
 * The same sources run in gpu.js's cpu mode, which is how the unit tests check them in Node.
 */
import { InvalidArgumentError, UnsupportedError } from '@snn/errors';
import { executedMode, gpuJs, modeSupported, type GpuJsInstance, type GpuJsKernel, type GpuJsMode, type GpuJsTexture } from './gpu';

// Thread x is the flat row-major index of the output; the shapes are compiled in as constants.
const PROJECT_SOURCE = `function (x, wT, bias) {
  const r = Math.floor(this.thread.x / this.constants.n);
  const j = this.thread.x - r * this.constants.n;
  let sum = bias[j];
  for (let p = 0; p < this.constants.k; p++) {
    sum += x[r * this.constants.k + p] * wT[p * this.constants.n + j];
  }
  return sum;
}`;

const BACKWARD_SOURCE = `function (delta, w) {
  const b = Math.floor(this.thread.x / this.constants.n);
  const i = this.thread.x - b * this.constants.n;
  let sum = 0;
  for (let j = 0; j < this.constants.k; j++) {
    sum += delta[b * this.constants.k + j] * w[j * this.constants.n + i];
  }
  return sum;
}`;

// Each thread replays the recurrence up to its own step: O(T) work per output, no cross-thread order.
const SCAN_SOURCE = `function (x) {
  const t = Math.floor(this.thread.x / this.constants.width);
  const c = this.thread.x - t * this.constants.width;
  let acc = 0;
  for (let s = 0; s < this.constants.steps; s++) {
    if (s <= t) {
      acc = this.constants.alpha * acc + x[s * this.constants.width + c];
    }
  }
  return acc;
}`;

const ELIGIBILITY_SOURCE = `function (signal, xbar) {
  const h = Math.floor(this.thread.x / this.constants.n);
  const i = this.thread.x - h * this.constants.n;
  let sum = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    sum += signal[r * this.constants.m + h] * xbar[r * this.constants.n + i];
  }
  return sum;
}`;

/** Exact float32 integer arithmetic for thread indices holds below 2^24 output cells. */
const MAX_OUTPUT_CELLS = 1 << 24;

export interface GpuJsKernelsOptions {
  /** gpu.js mode; default 'webgl2' where WebGL2 is available, else 'cpu'. */
  mode?: GpuJsMode;
}

function checkLength(name: string, array: Float32Array, expected: number): void {
  if (!(array instanceof Float32Array)) throw new InvalidArgumentError(name, 'must be a Float32Array (gpu.js computes in float32)');
  if (array.length !== expected) throw new InvalidArgumentError(name, `must hold ${expected} values for this shape, got ${array.length}`);
}

function checkShape(name: string, values: Record<string, number>): void {
  for (const [key, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`${name}: ${key}`, `must be a positive integer, got ${v}`);
  }
}

function checkCells(name: string, cells: number): void {
  if (cells >= MAX_OUTPUT_CELLS) throw new UnsupportedError(`${name} with ${cells} outputs`, `gpu.js thread indices are exact only below ${MAX_OUTPUT_CELLS}; split the segment`);
}

/** The flat Float32Array of a kernel result, reading a texture back when there is one. */
function toFloat32(result: unknown): Float32Array {
  if (result instanceof Float32Array) return result;
  const texture = result as GpuJsTexture;
  const array = texture.toArray();
  return array instanceof Float32Array ? array : Float32Array.from(array as number[]);
}

export class GpuJsKernels {
  readonly mode: GpuJsMode;
  private readonly gpu: GpuJsInstance;
  private readonly kernels = new Map<string, GpuJsKernel>();
  private lastMode: string | undefined;
  private traceWasResident = false;

  constructor(options: GpuJsKernelsOptions = {}) {
    const mode = options.mode ?? (modeSupported('webgl2') ? 'webgl2' : 'cpu');
    if (!modeSupported(mode)) throw new UnsupportedError(`gpu.js mode "${mode}"`, 'it is not available here; use mode "cpu" (or omit mode)');
    this.mode = mode;
    const GPU = gpuJs();
    this.gpu = new GPU({ mode });
  }

  /** The mode gpu.js actually ran the last kernel in ('webgl2', 'cpu', ...). */
  get executedMode(): string | undefined {
    return this.lastMode;
  }

  /** Whether the last segmentGradient kept its trace on the GPU (a pipeline texture, never read back). */
  get lastTraceResident(): boolean {
    return this.traceWasResident;
  }

  /** Whether results of pipeline kernels are GPU textures (GPU modes) rather than arrays. */
  get onGpu(): boolean {
    return this.mode === 'webgl2';
  }

  private kernel(key: string, source: string, output: number, constants: Record<string, number>, pipeline = false): GpuJsKernel {
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.gpu.createKernel(source, {
        output: [output],
        constants,
        // A texture result only exists on GPU modes; elsewhere gpu.js returns arrays anyway.
        pipeline: pipeline && this.onGpu,
        // Tell WebGL to keep float32 precision end to end (unsigned 8-bit packing loses digits).
        precision: 'single',
        tactic: 'precision',
      });
      this.kernels.set(key, kernel);
    }
    return kernel;
  }

  private run(kernel: GpuJsKernel, ...args: unknown[]): unknown {
    const result = kernel(...args);
    this.lastMode = executedMode(kernel, this.mode);
    return result;
  }

  /** currents[rows, n] = x[rows, k] wT[k, n] + bias[n] (a whole segment's input projection). */
  projectSegment(rows: number, k: number, n: number, x: Float32Array, wT: Float32Array, bias: Float32Array): Float32Array {
    checkShape('projectSegment', { rows, k, n });
    checkLength('x', x, rows * k);
    checkLength('wT', wT, k * n);
    checkLength('bias', bias, n);
    checkCells('projectSegment', rows * n);
    return toFloat32(this.run(this.kernel(`project:${rows}x${k}x${n}`, PROJECT_SOURCE, rows * n, { n, k }), x, wT, bias));
  }

  /** out[batch, n] = delta[batch, k] W[k, n]: the W^T delta product of backprop, per row. */
  backwardProduct(batch: number, k: number, n: number, delta: Float32Array, w: Float32Array): Float32Array {
    checkShape('backwardProduct', { batch, k, n });
    checkLength('delta', delta, batch * k);
    checkLength('w', w, k * n);
    checkCells('backwardProduct', batch * n);
    return toFloat32(this.run(this.kernel(`backward:${batch}x${k}x${n}`, BACKWARD_SOURCE, batch * n, { n, k }), delta, w));
  }

  private scanKernel(steps: number, width: number, alpha: number, pipeline: boolean): GpuJsKernel {
    return this.kernel(`scan:${steps}x${width}:${alpha}:${+pipeline}`, SCAN_SOURCE, steps * width, { steps, width, alpha }, pipeline);
  }

  private eligibilityKernel(rows: number, m: number, n: number): GpuJsKernel {
    return this.kernel(`elig:${rows}x${m}x${n}`, ELIGIBILITY_SOURCE, m * n, { rows, m, n });
  }

  /** xbar[t, c] = alpha xbar[t-1, c] + x[t, c] over `steps` rows of `width` values (xbar[-1] = 0). */
  traceScan(steps: number, width: number, alpha: number, x: Float32Array): Float32Array {
    checkShape('traceScan', { steps, width });
    if (!Number.isFinite(alpha)) throw new InvalidArgumentError('alpha', `must be finite, got ${alpha}`);
    checkLength('x', x, steps * width);
    checkCells('traceScan', steps * width);
    return toFloat32(this.run(this.scanKernel(steps, width, alpha, false), x));
  }

  /** grad[m, n] = sum over `rows` of signal[r, m] xbar[r, n]. */
  eligibilityGradient(rows: number, m: number, n: number, signal: Float32Array, xbar: Float32Array): Float32Array {
    checkShape('eligibilityGradient', { rows, m, n });
    checkLength('signal', signal, rows * m);
    checkLength('xbar', xbar, rows * n);
    checkCells('eligibilityGradient', m * n);
    return toFloat32(this.run(this.eligibilityKernel(rows, m, n), signal, xbar));
  }

  /**
   * The input-weight gradient of one segment for cells whose eligibility is the filtered input:
   * grad[h, i] = sum_{t, b} signal[t, b, h] xbar[t, b, i] with xbar the `alpha` trace of x over t.
   * x is [steps, batch * inputs] and signal [steps * batch, hidden]; on a GPU the trace never
   * leaves it (pipeline texture) and one [hidden, inputs] readback ends the call.
   */
  segmentGradient(steps: number, batch: number, inputs: number, hidden: number, alpha: number, x: Float32Array, signal: Float32Array): Float32Array {
    checkShape('segmentGradient', { steps, batch, inputs, hidden });
    if (!Number.isFinite(alpha)) throw new InvalidArgumentError('alpha', `must be finite, got ${alpha}`);
    checkLength('x', x, steps * batch * inputs);
    checkLength('signal', signal, steps * batch * hidden);
    checkCells('segmentGradient', steps * batch * inputs);
    const xbar = this.run(this.scanKernel(steps, batch * inputs, alpha, true), x);
    this.traceWasResident = !(xbar instanceof Float32Array);
    const grad = toFloat32(this.run(this.eligibilityKernel(steps * batch, hidden, inputs), signal, xbar));
    (xbar as GpuJsTexture).delete?.();
    return grad;
  }

  /** Destroys every compiled kernel and the gpu.js context. */
  dispose(): void {
    for (const kernel of this.kernels.values()) kernel.destroy();
    this.kernels.clear();
    void this.gpu.destroy();
  }
}
