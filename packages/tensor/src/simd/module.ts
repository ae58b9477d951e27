/**
 * Loading the embedded SIMD kernels module (kernels.wat, compiled by scripts/build-wasm.mjs).
 */
import { KERNELS_WASM_BASE64 } from './kernels.generated';

// The repository compiles against lib ES2022 + @types/node 20, neither of which declares the
// WebAssembly namespace, and declaring it globally would clash with lib.dom in consumers. So the
// few pieces used here are typed locally and reached through globalThis.

/** A compiled module (opaque). */
export type WasmModule = object;

/** The part of WebAssembly.Memory used here. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<WasmModule>;
}

function wasmApi(): WasmApi | undefined {
  const api = (globalThis as { WebAssembly?: Partial<WasmApi> }).WebAssembly;
  if (
    typeof api !== 'object' ||
    api === null ||
    typeof api.Module !== 'function' ||
    typeof api.Instance !== 'function' ||
    typeof api.Memory !== 'function' ||
    typeof api.compile !== 'function'
  ) {
    return undefined;
  }
  return api as WasmApi;
}

/** The functions exported by kernels.wat (all pointers are byte offsets, ld in elements). */
export interface KernelExports {
  readonly heap_base: { readonly value: number };
  gemm(
    transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number,
  ): void;
  gemm_nn(m: number, n: number, k: number, alpha: number, a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void;
  gemm_tn(m: number, n: number, k: number, alpha: number, a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void;
  gemm_nt(m: number, n: number, k: number, alpha: number, a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void;
  scatter_axpy(
    count: number, n: number, dstRows: number, srcRows: number, scales: number,
    src: number, ldSrc: number, dst: number, ldDst: number,
  ): void;
  block_carry(rows: number, e: number, n: number, x: number, ldx: number, grad: number, ldg: number, m: number, q: number): void;
}

/** Wasm page size in bytes. */
export const PAGE_BYTES = 65536;
/** Minimum number of pages the module's memory import declares (its private scratch). */
export const MODULE_MIN_PAGES = 16;
/** Maximum number of pages the module's memory import accepts (4 GiB). */
export const MODULE_MAX_PAGES = 65536;

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes standard base64 without depending on Buffer or atob (works in every JS runtime). */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  const lookup = new Int16Array(128).fill(-1);
  for (let i = 0; i < BASE64_ALPHABET.length; i++) lookup[BASE64_ALPHABET.charCodeAt(i)] = i;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | lookup[clean.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

let cachedModule: WasmModule | null | undefined;

/** True when this runtime has WebAssembly, SharedArrayBuffer and shared wasm memories. */
export function runtimeHasSharedWasm(): boolean {
  return wasmApi() !== undefined && typeof SharedArrayBuffer === 'function';
}

/**
 * The compiled kernels module, or null when this runtime cannot compile it (no WebAssembly, no
 * SIMD, no threads/shared memory). Compiled synchronously once and cached; the module is < 4 KiB,
 * so even browsers' main threads allow the synchronous compile.
 */
export function kernelsModule(): WasmModule | null {
  if (cachedModule !== undefined) return cachedModule;
  cachedModule = null;
  if (!runtimeHasSharedWasm()) return null;
  try {
    const api = wasmApi() as WasmApi;
    cachedModule = new api.Module(decodeBase64(KERNELS_WASM_BASE64));
  } catch {
    cachedModule = null;
  }
  return cachedModule;
}

/** Asynchronous variant of kernelsModule() (shares the same cache). */
export async function kernelsModuleAsync(): Promise<WasmModule | null> {
  if (cachedModule !== undefined) return cachedModule;
  if (!runtimeHasSharedWasm()) {
    cachedModule = null;
    return null;
  }
  try {
    const api = wasmApi() as WasmApi;
    const compiled = await api.compile(decodeBase64(KERNELS_WASM_BASE64));
    if (cachedModule === undefined) cachedModule = compiled;
  } catch {
    if (cachedModule === undefined) cachedModule = null;
  }
  return cachedModule ?? null;
}

/** Instantiates the kernels on a fresh shared memory; null when that fails. */
export function instantiateKernels(
  module: WasmModule,
  initialPages: number,
  maximumPages: number,
): { memory: WasmMemory; exports: KernelExports } | null {
  const api = wasmApi();
  if (api === undefined) return null;
  try {
    const memory = new api.Memory({ initial: initialPages, maximum: maximumPages, shared: true });
    if (!(memory.buffer instanceof SharedArrayBuffer)) return null;
    const instance = new api.Instance(module, { env: { memory } });
    return { memory, exports: instance.exports as unknown as KernelExports };
  } catch {
    return null;
  }
}
