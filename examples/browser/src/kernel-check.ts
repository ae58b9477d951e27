/**
 * Runs every GpuJsKernels kernel (WebGL2 in a browser, gpu.js cpu mode in Node) on seeded data the
 * size of a training segment and compares it with the reference kernels of @snn/tensor. The page
 * exposes it as window.snn.checkKernels(); the browser test asserts float32 agreement on WebGL2,
 * including segmentGradient, whose trace stays on the GPU as a pipeline texture.
 */
import { gemm } from '@snn/tensor';
import { GpuJsKernels } from '@snn/tensor-gpujs';

export interface KernelCheck {
  /** The mode the kernels really ran in ('webgl2' on a GPU page). */
  mode: string | undefined;
  /** Whether segmentGradient's trace stayed on the GPU as a pipeline texture. */
  traceResident: boolean;
  /** Worst |gpu - ref| / max |ref| per kernel. */
  errors: Record<string, number>;
}

let kernels: GpuJsKernels | undefined;

function seeded(length: number, seed: number, spikes = false): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const u = state / 4294967296;
    out[i] = spikes ? (u < 0.1 ? 1 : 0) : 2 * u - 1;
  }
  return out;
}

function relativeError(got: Float32Array, want: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  if (got.length !== want.length) return Infinity;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return Number.isNaN(diff) ? Infinity : diff / Math.max(scale, 1e-30);
}

export function checkKernels(): KernelCheck {
  kernels ??= new GpuJsKernels();
  // A randman segment: T = 40 steps, batch 16, 20 inputs, 64 LIF neurons.
  const [T, B, I, H, alpha] = [40, 16, 20, 64, 0.9];
  const errors: Record<string, number> = {};

  const x = seeded(T * B * I, 1, true), wT = seeded(I * H, 2), bias = seeded(H, 3);
  const currents = new Float32Array(T * B * H);
  for (let r = 0; r < T * B; r++) currents.set(bias, r * H);
  gemm(false, false, T * B, H, I, 1, x, 0, I, wT, 0, H, 1, currents, 0, H);
  errors.projectSegment = relativeError(kernels.projectSegment(T * B, I, H, x, wT, bias), currents);

  const delta = seeded(B * H, 4), w = seeded(H * H, 5), back = new Float32Array(B * H);
  gemm(false, false, B, H, H, 1, delta, 0, H, w, 0, H, 0, back, 0, H);
  errors.backwardProduct = relativeError(kernels.backwardProduct(B, H, H, delta, w), back);

  const xbar = new Float32Array(T * B * I);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < B * I; c++) xbar[t * B * I + c] = (t > 0 ? alpha * xbar[(t - 1) * B * I + c]! : 0) + x[t * B * I + c]!;
  }
  errors.traceScan = relativeError(kernels.traceScan(T, B * I, alpha, x), xbar);

  const signal = seeded(T * B * H, 6), grad = new Float32Array(H * I);
  gemm(true, false, H, I, T * B, 1, signal, 0, H, xbar, 0, I, 0, grad, 0, I);
  errors.eligibilityGradient = relativeError(kernels.eligibilityGradient(T * B, H, I, signal, xbar), grad);
  errors.segmentGradient = relativeError(kernels.segmentGradient(T, B, I, H, alpha, x, signal), grad);
  return { mode: kernels.executedMode, traceResident: kernels.lastTraceResident, errors };
}
