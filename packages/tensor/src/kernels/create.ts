/**
 * One kernel set per consumer: `createKernels(dtype)` picks a backend (the same selection as GEMM:
 * option, `setDefaultBackend`, `SNN_BACKEND`, else 'auto') and takes from it every kernel it has,
 * the reference for the rest. Rules run on this set (core's `ComputeOps` is this type), so there is
 * one kernel stack whatever the backend.
 */
import { UnsupportedError } from '@snn/errors';
import type { RealArray } from '../blas';
import { AUTO_BACKEND, getBackend, getDefaultBackendName, listBackends } from '../backend';
import { referenceBackend, referenceKernels } from './reference';
import { KERNEL_NAMES, type Backend, type BindOptions, type DType, type KernelMemory, type KernelName, type Kernels, type KernelSet } from './types';

export interface CreateKernelsOptions {
  /** A registered backend name or 'auto' (default: `setDefaultBackend`, then SNN_BACKEND, then 'auto'). */
  backend?: string;
  /** Sizing of the backend's own memory (the SIMD workspace: 8 MiB at first, at most 2048 MiB by default). */
  memory?: BindOptions;
}

/** 'auto' for kernels: the SIMD workspace for float32 where it runs, the reference otherwise. */
function autoKernelBackend(dtype: DType): Backend {
  if (dtype === 'float32') {
    const simd = listBackends().includes('wasm-simd') ? getBackend('wasm-simd') : undefined;
    if (simd?.available()) return simd;
  }
  return referenceBackend;
}

function plainMemory(dtype: DType): KernelMemory {
  return {
    allocate: (length) => (dtype === 'float64' ? new Float64Array(length) : new Float32Array(length)),
    mirror: (source: RealArray) => source,
    refreshMirror: () => {},
  };
}

/**
 * Every kernel for `dtype`: the chosen backend's own (on its bound memory where it has one, e.g. a
 * fresh SIMD workspace per call), the reference kernels for the rest. Throws UnknownNameError for an
 * unregistered name and UnsupportedError for a backend that cannot run here.
 */
export function createKernels(dtype: DType, options: CreateKernelsOptions = {}): Kernels {
  if (dtype !== 'float32' && dtype !== 'float64') throw new UnsupportedError(`dtype ${JSON.stringify(dtype)}`, "kernels exist for 'float32' and 'float64'");
  const requested = options.backend ?? getDefaultBackendName();
  let backend: Backend;
  if (requested === AUTO_BACKEND) backend = autoKernelBackend(dtype);
  else {
    backend = getBackend(requested);
    if (!backend.available()) {
      throw new UnsupportedError(`backend "${requested}"`, `it is not available in this process (available: ${listBackends({ availableOnly: true }).join(', ')})`);
    }
  }
  const serves = !backend.dtypes || backend.dtypes.includes(dtype);
  const bound = serves && backend !== referenceBackend ? (backend.bind?.(dtype, options.memory) ?? null) : null;
  const kernels = {} as KernelSet;
  const backends = {} as Record<KernelName, string>;
  let used = false;
  for (const name of KERNEL_NAMES) {
    const own = serves ? (bound?.[name] ?? backend[name]) : undefined;
    (kernels as unknown as Record<string, unknown>)[name] = own ?? referenceKernels[name];
    backends[name] = own ? backend.name : 'reference';
    if (own) used = true;
  }
  const memory = bound ?? plainMemory(dtype);
  return {
    ...kernels,
    allocate: memory.allocate,
    mirror: memory.mirror,
    refreshMirror: memory.refreshMirror,
    name: used ? backend.name : 'reference',
    dtype,
    backends: Object.freeze(backends),
    bound: bound !== null,
  };
}

/** For each kernel, the registered backends that implement it themselves (available ones with `availableOnly`). */
export function kernelTable(options: { availableOnly?: boolean } = {}): Record<KernelName, string[]> {
  const table = {} as Record<KernelName, string[]>;
  for (const kernel of KERNEL_NAMES) table[kernel] = listBackends({ ...options, kernel });
  return table;
}
