import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, InvalidArgumentError } from '@snn/errors';
import { checkKeys } from './generated';
import { makeSource } from './source';
import type { BatchSource } from './types';
import { positiveInteger } from './validate';

/** Events of one N-MNIST sample (datasets.md 2.2). */
export interface NmnistEvents {
  readonly x: Uint8Array;
  readonly y: Uint8Array;
  /** 1 = ON, 0 = OFF. */
  readonly p: Uint8Array;
  /** Microseconds. */
  readonly t: Uint32Array;
}

export const NMNIST_SIZE = 34;

/**
 * Decodes the N-MNIST binary event format: 5 bytes per event, no header, x, y, then
 * polarity (bit 7 of byte 2) and a 23-bit big-endian microsecond timestamp. ATIS overflow markers
 * (y = 240) are skipped. Throws FormatError for a length that is not a multiple of 5 or a
 * coordinate outside the 34 x 34 sensor.
 */
export function decodeNmnist(bytes: Uint8Array, file = '<bytes>'): NmnistEvents {
  if (bytes.length % 5 !== 0) throw new FormatError(file, `byte ${bytes.length - (bytes.length % 5)}`, `length ${bytes.length} is not a multiple of 5 (5 bytes per event): truncated or not an N-MNIST file`);
  const n = bytes.length / 5;
  const x = new Uint8Array(n);
  const y = new Uint8Array(n);
  const p = new Uint8Array(n);
  const t = new Uint32Array(n);
  let k = 0;
  for (let e = 0; e < n; e++) {
    const o = 5 * e;
    const ey = bytes[o + 1]!;
    if (ey === 240) continue;
    const ex = bytes[o]!;
    if (ex >= NMNIST_SIZE || ey >= NMNIST_SIZE) throw new FormatError(file, `event ${e}`, `pixel (${ex}, ${ey}) is outside the 34 x 34 sensor`);
    x[k] = ex;
    y[k] = ey;
    p[k] = bytes[o + 2]! >> 7;
    t[k] = ((bytes[o + 2]! & 0x7f) << 16) | (bytes[o + 3]! << 8) | bytes[o + 4]!;
    k++;
  }
  return { x: x.subarray(0, k), y: y.subarray(0, k), p: p.subarray(0, k), t: t.subarray(0, k) };
}

/** Encodes events in the N-MNIST format (for tests and synthetic data). */
export function encodeNmnist(events: { x: ArrayLike<number>; y: ArrayLike<number>; p: ArrayLike<number>; t: ArrayLike<number> }): Uint8Array {
  const n = events.x.length;
  const out = new Uint8Array(5 * n);
  for (let e = 0; e < n; e++) {
    const t = events.t[e]!;
    if (!(Number.isInteger(t) && t >= 0 && t < 2 ** 23)) throw new InvalidArgumentError('t', `event ${e}: timestamp ${t} must be an integer in [0, 2^23) microseconds`);
    out[5 * e] = events.x[e]!;
    out[5 * e + 1] = events.y[e]!;
    out[5 * e + 2] = (events.p[e] ? 0x80 : 0) | (t >> 16);
    out[5 * e + 3] = (t >> 8) & 0xff;
    out[5 * e + 4] = t & 0xff;
  }
  return out;
}

/** Options of {@link openNmnist}. */
export interface NmnistOptions {
  /** 'train' (folder Train) or 'test' (folder Test). Default 'train'. */
  split?: 'train' | 'test';
  /** T. Default 300. */
  bins?: number;
  /** Bin width in microseconds. Default 1000 (tonic ToFrame(time_window = 1000)). */
  binWidth?: number;
  /** Time origin: 0 (default) or the first event (tonic). */
  origin?: 'zero' | 'first-event';
  /** Clip counts to 1. Default true. */
  binary?: boolean;
  /** Keep only t < 100 ms (the first saccade). Default false. */
  firstSaccadeOnly?: boolean;
}

const nmnistKeys = ['split', 'bins', 'binWidth', 'origin', 'binary', 'firstSaccadeOnly'];

/** A folder-backed N-MNIST split: labels from the digit folders, files read per batch. */
export interface NmnistSource extends BatchSource {
  readonly files: readonly string[];
  events(n: number): NmnistEvents;
}

/**
 * Opens `root/Train/<digit>/*.bin` (or `Test`), file names sorted within each digit folder;
 * inputs are 2 x 34 x 34 = 2312 (flat index p * 1156 + y * 34 + x).
 */
export function openNmnist(root: string, options: NmnistOptions = {}): NmnistSource {
  checkKeys(options, nmnistKeys);
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new InvalidArgumentError('split', `must be 'train' or 'test', got ${String(split)}`);
  const bins = positiveInteger('bins', options.bins ?? 300);
  const width = options.binWidth ?? 1000;
  if (!(width > 0)) throw new InvalidArgumentError('binWidth', `must be a positive number of microseconds, got ${String(width)}`);
  const origin = options.origin ?? 'zero';
  if (origin !== 'zero' && origin !== 'first-event') throw new InvalidArgumentError('origin', `must be 'zero' or 'first-event', got ${String(origin)}`);
  const binary = options.binary ?? true;
  const firstSaccade = options.firstSaccadeOnly ?? false;
  const folder = join(root, split === 'train' ? 'Train' : 'Test');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new FormatError(folder, '', `missing: expected the N-MNIST layout ${split === 'train' ? 'Train' : 'Test'}/<digit>/<id>.bin under ${root}`);
  const files: string[] = [];
  const labelList: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const d = join(folder, String(digit));
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).filter((f) => f.endsWith('.bin')).sort()) {
      files.push(join(d, f));
      labelList.push(digit);
    }
  }
  if (files.length === 0) throw new FormatError(folder, '', 'holds no <digit>/*.bin files');
  const labels = Int32Array.from(labelList);
  const inputs = 2 * NMNIST_SIZE * NMNIST_SIZE;
  const stride = bins * inputs;
  const events = (n: number): NmnistEvents => decodeNmnist(readFileSync(files[n]!), files[n]);
  const fill = (n: number, out: Float32Array): void => {
    const e = events(n);
    let t0 = 0;
    if (origin === 'first-event' && e.t.length > 0) t0 = e.t.reduce((a, b) => Math.min(a, b), Infinity);
    for (let k = 0; k < e.t.length; k++) {
      if (firstSaccade && e.t[k]! >= 100_000) continue;
      const b = Math.floor((e.t[k]! - t0) / width);
      if (b < 0 || b >= bins) continue;
      const i = b * inputs + e.p[k]! * 1156 + e.y[k]! * 34 + e.x[k]!;
      if (binary) out[i] = 1;
      else out[i]! += 1;
    }
  };
  const source = makeSource({
    name: 'nmnist',
    size: files.length,
    steps: bins,
    inputs,
    classes: 10,
    labels,
    files,
    events,
    gather(indices: ArrayLike<number>, out: Float32Array) {
      for (let b = 0; b < indices.length; b++) fill(indices[b]!, out.subarray(b * stride, (b + 1) * stride));
    },
  });
  return source;
}
