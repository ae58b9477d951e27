import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FormatError, UnsupportedError } from '@snn/errors';

// h5wasm is ESM-only and initialises asynchronously (WebAssembly); load it once with initHdf5().
type H5Lib = typeof import('h5wasm/node');
type H5File = InstanceType<H5Lib['File']>;
type H5Dataset = InstanceType<H5Lib['Dataset']>;
let lib: H5Lib | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads and initialises the HDF5 library (h5wasm). Call (and await) once before the synchronous
 * HDF5 readers (`openSpikeFile`, `getDataset('shd', ...)`); the async loaders call it for you.
 */
export function initHdf5(): Promise<void> {
  if (lib) return Promise.resolve();
  loading ??= (async () => {
    const m = (await import('h5wasm/node')) as H5Lib;
    await m.ready;
    lib = m;
  })();
  return loading;
}

/** True once {@link initHdf5} has finished. */
export function hdf5Ready(): boolean {
  return lib !== undefined;
}

function h5(): H5Lib {
  if (!lib) throw new UnsupportedError('HDF5 reading before initHdf5()', 'call `await initHdf5()` once first (or use the async loaders, e.g. loadShd)');
  return lib;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Checks the HDF5 signature and that the file is as long as its superblock says (truncation). */
function checkHdf5Bytes(file: string, head: Uint8Array, size: number): void {
  for (const base of [0, 512, 1024, 2048]) {
    if (head.length < base + 64) break;
    if (!SIGNATURE.every((b, i) => head[base + i] === b)) continue;
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const version = head[base + 8]!;
    let eofAt: number;
    let offsets: number;
    if (version === 0 || version === 1) {
      offsets = head[base + 13]!;
      eofAt = base + 24 + (version === 1 ? 4 : 0) + 2 * offsets;
    } else {
      offsets = head[base + 9]!;
      eofAt = base + 12 + 2 * offsets;
    }
    if (offsets === 8 && eofAt + 8 <= head.length) {
      const eof = Number(view.getBigUint64(eofAt, true)) + base;
      if (eof > size) throw new FormatError(file, 'superblock', `truncated: the file has ${size} bytes but its superblock says ${eof}`);
    }
    return;
  }
  throw new FormatError(file, 'signature', size < 8 ? `too short to be an HDF5 file (${size} bytes)` : 'not an HDF5 file (no HDF5 signature)');
}

/** Checks signature and length of the HDF5 file at `actual` (reported as `file`). */
function checkHdf5File(file: string, actual: string): void {
  const size = statSync(actual).size;
  const fd = openSync(actual, 'r');
  const head = new Uint8Array(Math.min(size, 4096));
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  checkHdf5Bytes(file, head, size);
}

// Temporary copies of gunzipped files, removed on close or when the process exits.
const temps = new Set<string>();
function removeTemp(dir: string): void {
  temps.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}
let exitHook = false;
function trackTemp(dir: string): void {
  temps.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const d of temps) rmSync(d, { recursive: true, force: true });
  });
}

/** Above this compressed size, gunzip in a child process streaming to disk (no memory peak). */
const STREAM_GUNZIP_BYTES = 32 * 1024 * 1024;

/** Decompresses a gzip file to `target`; FormatError when the data are truncated or corrupt. */
export function gunzipToFile(path: string, target: string, streamAbove = STREAM_GUNZIP_BYTES): void {
  if (statSync(path).size <= streamAbove) {
    let bytes: Uint8Array;
    try {
      bytes = gunzipSync(readFileSync(path));
    } catch (e) {
      throw new FormatError(path, 'gzip', `truncated or corrupt gzip data (${(e as Error).message})`);
    }
    writeFileSync(target, bytes);
    return;
  }
  const script =
    "const z=require('node:zlib'),f=require('node:fs'),{pipeline}=require('node:stream');" +
    'pipeline(f.createReadStream(process.argv[1]),z.createGunzip(),f.createWriteStream(process.argv[2]),(e)=>{if(e){process.stderr.write(e.message);process.exit(1)}})';
  const r = spawnSync(process.execPath, ['-e', script, path, target], { encoding: 'utf8' });
  if (r.status !== 0) throw new FormatError(path, 'gzip', `truncated or corrupt gzip data (${(r.stderr || r.error?.message || 'gunzip failed').trim()})`);
}

/** An open HDF5 file (a temporary copy for `.h5.gz`), closed with `close()`. */
export interface OpenHdf5 {
  readonly path: string;
  readonly file: H5File;
  close(): void;
}

/** Opens `.h5` directly (read on demand) or `.h5.gz` (gunzipped into a temporary file). */
export function openHdf5(path: string): OpenHdf5 {
  const { File } = h5();
  if (/\.zip$/i.test(path)) {
    throw new FormatError(path, '', 'zip archives are not read directly: unzip it (e.g. `unzip shd_train.h5.zip`) and pass the .h5 file, or use the .h5.gz files from compneuro.net');
  }
  if (!existsSync(path)) throw new FormatError(path, '', 'no such file');
  let target = path;
  let temp: string | undefined;
  if (/\.gz$/i.test(path)) {
    temp = mkdtempSync(join(tmpdir(), 'snn-h5-'));
    target = join(temp, 'data.h5');
    trackTemp(temp);
    try {
      gunzipToFile(path, target);
      checkHdf5File(path, target);
    } catch (e) {
      removeTemp(temp);
      throw e;
    }
  } else {
    checkHdf5File(path, path);
  }
  let file: H5File;
  try {
    file = new File(target, 'r');
  } catch (e) {
    if (temp) removeTemp(temp);
    throw new FormatError(path, '', `HDF5 library cannot open it (${String((e as Error)?.message ?? e)})`);
  }
  let open = true;
  return {
    path,
    file,
    close() {
      if (!open) return;
      open = false;
      file.close();
      if (temp) removeTemp(temp);
    },
  };
}

/** The dataset at `location`, or a FormatError naming the file and the missing path. */
export function getH5Dataset(h: OpenHdf5, location: string): H5Dataset {
  let entity: unknown;
  try {
    entity = h.file.get(location);
  } catch (e) {
    throw new FormatError(h.path, location, `cannot read (${String((e as Error)?.message ?? e)})`);
  }
  if (!entity) throw new FormatError(h.path, location, 'missing (expected a dataset there)');
  if (!(entity instanceof h5().Dataset)) throw new FormatError(h.path, location, 'is a group, expected a dataset');
  return entity as H5Dataset;
}

/** True when `location` exists in the file. */
export function hasH5(h: OpenHdf5, location: string): boolean {
  try {
    return !!h.file.get(location);
  } catch {
    return false;
  }
}

/** Shape check: a 1-D dataset; returns its length. */
export function length1d(h: OpenHdf5, ds: H5Dataset, location: string): number {
  const shape = ds.shape;
  if (!shape || shape.length !== 1) throw new FormatError(h.path, location, `has shape [${(shape ?? []).join(', ')}], expected a 1-D array [N]`);
  return shape[0]!;
}

/** Reads a whole 1-D numeric dataset as float64 (integer or float). */
export function readNumbers(h: OpenHdf5, location: string): Float64Array {
  const ds = getH5Dataset(h, location);
  length1d(h, ds, location);
  const m = ds.metadata as { type: number };
  if (m.type !== 0 && m.type !== 1) throw new FormatError(h.path, location, `holds HDF5 type class ${m.type}, expected integers or floats`);
  const v = ds.value as ArrayLike<number | bigint>;
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Number(v[i]);
  return out;
}

/** Reads a 1-D string dataset (fixed or variable length, or bytes). */
export function readStrings(h: OpenHdf5, location: string): string[] {
  const ds = getH5Dataset(h, location);
  const v = ds.value as unknown;
  if (Array.isArray(v)) return v.map((s) => (typeof s === 'string' ? s : String(s)));
  if (typeof v === 'string') return [v];
  throw new FormatError(h.path, location, 'expected strings');
}

interface VlenInfo {
  base: { type: number; size: number; signed: boolean };
}

/** Checks that `location` is a 1-D variable-length array of numbers. */
export function vlenInfo(h: OpenHdf5, ds: H5Dataset, location: string, want: 'float' | 'int' | 'number'): VlenInfo & { length: number } {
  const length = length1d(h, ds, location);
  const m = ds.metadata as { type: number; vlen_type?: { type: number; size: number; signed: boolean } };
  if (m.type !== 9 || !m.vlen_type) throw new FormatError(h.path, location, `holds HDF5 type class ${m.type}, expected variable-length arrays (one per sample)`);
  const base = m.vlen_type;
  const ok = base.type === 0 || (base.type === 1 && want !== 'int');
  if (!ok) throw new FormatError(h.path, location, `holds variable-length arrays of HDF5 type class ${base.type}, expected ${want === 'int' ? 'integers' : 'numbers'}`);
  if (base.type === 1 && ![2, 4, 8].includes(base.size)) throw new FormatError(h.path, location, `float${base.size * 8} elements are not supported`);
  return { base, length };
}

/**
 * Reads rows [from, to) of a 1-D variable-length numeric dataset, widened to float64
 * (float16 included, which h5wasm itself does not decode). Returns the rows' lengths and
 * their values concatenated.
 */
export function readVlenRows(h: OpenHdf5, ds: H5Dataset, info: VlenInfo, from: number, to: number): { lengths: Int32Array; values: Float64Array } {
  const { Module } = h5();
  const M = Module as unknown as {
    _malloc(n: number): number;
    _free(p: number): void;
    HEAPU8: Uint8Array;
    get_dataset_data(file: bigint, path: string, count: bigint[], offset: bigint[], strides: bigint[], ptr: bigint): number;
    reclaim_vlen_memory_count(file: bigint, path: string, attr: string, ptr: bigint, count: bigint[]): number;
  };
  const n = to - from;
  const count = [BigInt(n)];
  const ptr = M._malloc(Math.max(8, 8 * n));
  const fileId = (ds as unknown as { file_id: bigint }).file_id;
  const path = (ds as unknown as { path: string }).path;
  const lengths = new Int32Array(n);
  M.HEAPU8.fill(0, ptr, ptr + Math.max(8, 8 * n));
  try {
    M.get_dataset_data(fileId, path, count, [BigInt(from)], [1n], BigInt(ptr));
    const heap = M.HEAPU8;
    const pairs = new DataView(heap.buffer, heap.byteOffset + ptr, 8 * n);
    let total = 0;
    for (let r = 0; r < n; r++) total += lengths[r] = pairs.getUint32(8 * r, true);
    const values = new Float64Array(total);
    const { type, size, signed } = info.base;
    let k = 0;
    for (let r = 0; r < n; r++) {
      const len = lengths[r]!;
      const p = pairs.getUint32(8 * r + 4, true);
      const v = new DataView(heap.buffer, heap.byteOffset + p, len * size);
      for (let e = 0; e < len; e++, k++) {
        const at = e * size;
        if (type === 1) values[k] = size === 8 ? v.getFloat64(at, true) : size === 4 ? v.getFloat32(at, true) : half(v.getUint16(at, true));
        else if (size === 1) values[k] = signed ? v.getInt8(at) : v.getUint8(at);
        else if (size === 2) values[k] = signed ? v.getInt16(at, true) : v.getUint16(at, true);
        else if (size === 4) values[k] = signed ? v.getInt32(at, true) : v.getUint32(at, true);
        else values[k] = Number(signed ? v.getBigInt64(at, true) : v.getBigUint64(at, true));
      }
    }
    return { lengths, values };
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(h.path, `${path}[${from}:${to}]`, `cannot read (${String((e as Error)?.message ?? e)})`);
  } finally {
    try {
      M.reclaim_vlen_memory_count(fileId, path, '', BigInt(ptr), count);
    } finally {
      M._free(ptr);
    }
  }
}

function half(h: number): number {
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 5.960464477539063e-8;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
