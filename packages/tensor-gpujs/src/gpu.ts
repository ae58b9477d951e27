/**
 * The one place gpu.js is imported, and the small structural view of its API this package uses
 * (its bundled typings lag the modes and the pipeline settings we rely on).
 */
import gpujs from 'gpu.js';

/** gpu.js modes this package knows: 'webgl2' runs on the GPU (browser), the others on the CPU. */
export type GpuJsMode = 'webgl2' | 'webasm' | 'cpu' | 'webgpu';

/** A compiled gpu.js kernel: call it with arrays (or textures from pipeline kernels). */
export interface GpuJsKernel {
  (...args: unknown[]): unknown;
  destroy(removeCanvasReferences?: boolean): void;
  kernel?: { constructor: { mode?: string }; fallbackReason?: string | null };
}

/** A texture a pipeline kernel returned: the data stays on the GPU until `toArray()`. */
export interface GpuJsTexture {
  toArray(): Float32Array | Float32Array[] | number[];
  delete?(): void;
}

export interface GpuJsInstance {
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernel;
  destroy(): Promise<void>;
  readonly mode: string;
}

export interface GpuJsConstructor {
  new (settings: { mode: string }): GpuJsInstance;
  isWebAssemblySupported: boolean;
  isWebGL2Supported: boolean;
  isWebGPUAvailable(): Promise<boolean>;
}

// Node's entry exports { GPU, ... }; the browser build exports the GPU class, which carries itself
// as GPU.GPU. `.GPU` of the default import is the constructor in both.
const GPU = ((gpujs as unknown as { GPU?: GpuJsConstructor }).GPU ?? gpujs) as unknown as GpuJsConstructor;

export function gpuJs(): GpuJsConstructor {
  return GPU;
}

/** Whether `mode` can run here without gpu.js silently degrading to its cpu mode. webgpu: see probeWebGpu. */
export function modeSupported(mode: GpuJsMode): boolean {
  switch (mode) {
    case 'cpu':
      return true;
    case 'webasm':
      return GPU.isWebAssemblySupported === true;
    case 'webgl2':
      return GPU.isWebGL2Supported === true;
    case 'webgpu':
      return webGpuAvailable;
  }
}

let webGpuAvailable = false;
let webGpuProbe: Promise<boolean> | undefined;

/** Asks gpu.js once whether a WebGPU adapter answers (the answer is cached). */
export function probeWebGpu(): Promise<boolean> {
  webGpuProbe ??= GPU.isWebGPUAvailable().then(
    (ok) => (webGpuAvailable = ok === true),
    () => (webGpuAvailable = false),
  );
  return webGpuProbe;
}

/**
 * The mode gpu.js compiled `kernel` in (it degrades to 'cpu' with a warning when it must). Its GL
 * kernels all report 'gpu'; a 'gpu' kernel of an instance created for webgl2 is a WebGL2 kernel.
 */
export function executedMode(kernel: GpuJsKernel, requested: GpuJsMode): string | undefined {
  const mode = kernel.kernel?.constructor.mode;
  return mode === 'gpu' && requested === 'webgl2' ? 'webgl2' : mode;
}
