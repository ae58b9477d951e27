import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FormatError, InvalidArgumentError } from '@snn/errors';
import { createRandom } from '@snn/random';
import { checkKeys, lastSteps } from './generated';
import type { SequenceDataset } from './types';
import { integerSeed, positiveInteger } from './validate';

/** An idx array (MNIST format): unsigned bytes and their dimensions. */
export interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

/** Reads an idx file of unsigned bytes (type 0x08), `.gz` or plain; FormatError on any inconsistency. */
export function readIdx(path: string): IdxArray {
  if (!existsSync(path)) throw new FormatError(path, '', 'no such file');
  let bytes: Uint8Array = readFileSync(path);
  if (/\.gz$/i.test(path)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new FormatError(path, 'gzip', `truncated or corrupt gzip data (${(e as Error).message})`);
    }
  }
  return decodeIdx(bytes, path);
}

/** Decodes idx bytes: magic 0x0000 08 <rank>, big-endian uint32 dimensions, then the bytes. */
export function decodeIdx(bytes: Uint8Array, file = '<bytes>'): IdxArray {
  if (bytes.length < 4) throw new FormatError(file, 'header', `only ${bytes.length} bytes: not an idx file`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new FormatError(file, 'magic', 'does not start with two zero bytes: not an idx file');
  if (bytes[2] !== 0x08) throw new FormatError(file, 'magic', `element type 0x${bytes[2]!.toString(16)} is not supported (only unsigned bytes, 0x08, as in MNIST)`);
  const rank = bytes[3]!;
  if (rank < 1) throw new FormatError(file, 'magic', 'rank 0');
  const header = 4 + 4 * rank;
  if (bytes.length < header) throw new FormatError(file, 'header', `truncated: ${rank} dimensions need ${header} header bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + count) {
    throw new FormatError(file, 'data', `dimensions [${dims.join(', ')}] need ${count} data bytes but the file holds ${bytes.length - header}${bytes.length < header + count ? ' (truncated)' : ''}`);
  }
  return { dims, data: bytes.subarray(header) };
}

/** Encodes unsigned bytes as an idx file (for tests). */
export function encodeIdx(dims: number[], data: ArrayLike<number>): Uint8Array {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(data), header);
  return out;
}

/** Options of {@link loadSequentialMnist}. */
export interface SequentialMnistOptions {
  /** 'train' (train-*) or 'test' (t10k-*). Default 'train'. */
  split?: 'train' | 'test';
  /** 'pixel' (default): 784 steps x 1 input (S-MNIST); 'row': 28 steps x 28 inputs. */
  mode?: 'pixel' | 'row';
  /** Seed of one fixed permutation of the 784 pixels (PS-MNIST); omit for S-MNIST. */
  permutationSeed?: number;
  /** Use only the first `limit` images. */
  limit?: number;
}

/** Sequential MNIST with its per-step loss mask and the permutation used (if any). */
export interface SequentialMnist extends SequenceDataset {
  readonly permutation?: Int32Array;
  /** [T], 1 on the last step (S-MNIST in the BRF code; use all steps for PS-MNIST). */
  readonly lossMask: Float64Array;
}

function findIdx(dir: string, stem: string): string {
  for (const name of [stem, `${stem}.gz`, stem.replace(/-idx(\d)-/, '.idx$1-')]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new FormatError(join(dir, stem), '', `missing (looked for ${stem} and ${stem}.gz in ${dir})`);
}

/**
 * Sequential MNIST from the idx files in `dir`: pixel intensity / 255 in row-major order, one
 * pixel per step (or one row per step), 10 classes; PS-MNIST with `permutationSeed`.
 */
export function loadSequentialMnist(dir: string, options: SequentialMnistOptions = {}): SequentialMnist {
  checkKeys(options, ['split', 'mode', 'permutationSeed', 'limit']);
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new InvalidArgumentError('split', `must be 'train' or 'test', got ${String(split)}`);
  const mode = options.mode ?? 'pixel';
  if (mode !== 'pixel' && mode !== 'row') throw new InvalidArgumentError('mode', `must be 'pixel' or 'row', got ${String(mode)}`);
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesPath = findIdx(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findIdx(dir, `${prefix}-labels-idx1-ubyte`);
  const images = readIdx(imagesPath);
  const labelsIdx = readIdx(labelsPath);
  if (images.dims.length !== 3) throw new FormatError(imagesPath, 'header', `has ${images.dims.length} dimensions, expected 3 (count, rows, cols)`);
  if (labelsIdx.dims.length !== 1) throw new FormatError(labelsPath, 'header', `has ${labelsIdx.dims.length} dimensions, expected 1 (count)`);
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labelsIdx.dims[0] !== count) throw new FormatError(labelsPath, 'header', `holds ${labelsIdx.dims[0]} labels but ${imagesPath} holds ${count} images`);
  const size = options.limit === undefined ? count : Math.min(count, positiveInteger('limit', options.limit));
  const pixels = rows * cols;
  let permutation: Int32Array | undefined;
  if (options.permutationSeed !== undefined) {
    permutation = Int32Array.from({ length: pixels }, (_, i) => i);
    createRandom(integerSeed('permutationSeed', options.permutationSeed)).fork('psmnist').shuffle(permutation);
  }
  const x = new Float32Array(size * pixels);
  const labels = new Int32Array(size);
  for (let n = 0; n < size; n++) {
    const l = labelsIdx.data[n]!;
    if (l > 9) throw new FormatError(labelsPath, `label ${n}`, `is ${l}, expected a digit 0-9`);
    labels[n] = l;
    const img = images.data.subarray(n * pixels, (n + 1) * pixels);
    for (let i = 0; i < pixels; i++) x[n * pixels + i] = img[permutation ? permutation[i]! : i]! / 255;
  }
  const steps = mode === 'pixel' ? pixels : rows;
  return { name: 'smnist', size, steps, inputs: mode === 'pixel' ? 1 : cols, classes: 10, x, labels, ...(permutation ? { permutation } : {}), lossMask: lastSteps(steps, 1) };
}
