import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FormatError, InvalidArgumentError } from '@snn/errors';
import { binEvents, resolveBinning, type BinningOptions, type binningPresets, type ResolvedBinning } from './binning';
import { getH5Dataset, hasH5, initHdf5, openHdf5, readNumbers, readStrings, readVlenRows, vlenInfo, type OpenHdf5 } from './hdf5';
import { makeSource } from './source';
import type { BatchOptions, BatchSource, SequenceDataset } from './types';
import { positiveInteger } from './validate';

/** Options of {@link openSpikeFile}: which corpus, and how events are binned. */
export interface SpikeFileOptions extends BinningOptions {
  /** 'shd' (20 classes) or 'ssc' (35 classes); sets the name and the default class count. Default 'shd'. */
  kind?: 'shd' | 'ssc';
  /** A named binning convention (see `binningPresets`); explicit options override it. Default 'default'. */
  preset?: keyof typeof binningPresets;
  /** Number of classes; default: length of /extra/keys if present, else 20 (SHD) / 35 (SSC). */
  classes?: number;
  /** Raw input channels. Default 700. */
  channels?: number;
  /** Check every sample's events when read (lengths, channel range, times finite). Default true. */
  validate?: boolean;
}

/** The raw events of one sample. */
export interface SpikeEvents {
  /** Spike times in seconds (float64, widened from the file's type). */
  readonly times: Float64Array;
  /** Channel of each spike. */
  readonly units: Float64Array;
  readonly label: number;
}

/** An open SHD/SSC file: labels in memory, spikes read from the file per batch. */
export interface SpikeFile extends BatchSource {
  readonly file: string;
  /** /extra/keys when present (class names, index = label), else []. */
  readonly classNames: string[];
  /** /extra/speaker when present. */
  readonly speakers?: Int32Array;
  readonly binning: ResolvedBinning;
  /** Raw events of samples [from, to) (default one sample). */
  events(from: number, to?: number): SpikeEvents[];
  /** Bins samples `indices` into `out` ([indices.length, T, I], which must be zeroed). */
  binInto(indices: ArrayLike<number>, out: Float32Array): void;
  /** Every sample binned into memory (guarded by `maxValues`, default 2^28 floats = 1 GiB). */
  toSequenceDataset(options?: { maxValues?: number }): SequenceDataset;
  close(): void;
}

const KIND = { shd: { classes: 20 }, ssc: { classes: 35 } } as const;
const known = new Set(['kind', 'preset', 'classes', 'channels', 'validate', 'bins', 'binWidth', 'rule', 'origin', 'binary', 'channelFactor', 'reverseChannels']);

/**
 * Opens an SHD/SSC HDF5 file (`.h5`, or `.h5.gz` via node:zlib) synchronously; `await initHdf5()`
 * first (or use {@link loadSpikeFile}). Checks the layout (/spikes/times and /spikes/units
 * variable-length arrays of the same length N, /labels [N] in range) and throws FormatError
 * naming the file, the location and the problem.
 */
export function openSpikeFile(path: string, options: SpikeFileOptions = {}): SpikeFile {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new InvalidArgumentError(key, `unknown option; valid options: ${[...known].join(', ')}`);
  }
  const kind = options.kind ?? 'shd';
  if (!(kind in KIND)) throw new InvalidArgumentError('kind', `must be 'shd' or 'ssc', got ${String(kind)}`);
  const channels = options.channels ?? 700;
  positiveInteger('channels', channels);
  const binning = resolveBinning(options, channels);
  const validate = options.validate ?? true;
  const h = openHdf5(path);
  try {
    return build(h, kind, channels, binning, validate, options.classes);
  } catch (e) {
    h.close();
    throw e;
  }
}

function build(h: OpenHdf5, kind: 'shd' | 'ssc', channels: number, binning: ResolvedBinning, validate: boolean, classesOption: number | undefined): SpikeFile {
  const file = h.path;
  const timesDs = getH5Dataset(h, 'spikes/times');
  const unitsDs = getH5Dataset(h, 'spikes/units');
  const timesInfo = vlenInfo(h, timesDs, 'spikes/times', 'number');
  const unitsInfo = vlenInfo(h, unitsDs, 'spikes/units', 'int');
  const size = timesInfo.length;
  if (unitsInfo.length !== size) throw new FormatError(file, 'spikes/units', `holds ${unitsInfo.length} samples but spikes/times holds ${size}`);
  const rawLabels = readNumbers(h, 'labels');
  if (rawLabels.length !== size) throw new FormatError(file, 'labels', `holds ${rawLabels.length} labels but spikes/times holds ${size} samples`);
  const classNames = hasH5(h, 'extra/keys') ? readStrings(h, 'extra/keys') : [];
  const classes = classesOption ?? (classNames.length > 0 ? classNames.length : KIND[kind].classes);
  positiveInteger('classes', classes);
  const labels = new Int32Array(size);
  for (let n = 0; n < size; n++) {
    const l = rawLabels[n]!;
    if (!Number.isInteger(l) || l < 0 || l >= classes) throw new FormatError(file, `labels[${n}]`, `is ${l}, expected an integer class in [0, ${classes})`);
    labels[n] = l;
  }
  let speakers: Int32Array | undefined;
  if (hasH5(h, 'extra/speaker')) {
    const s = readNumbers(h, 'extra/speaker');
    if (s.length === size) speakers = Int32Array.from(s);
  }
  let open = true;
  const checkOpen = () => {
    if (!open) throw new InvalidArgumentError('file', `${file} was closed`);
  };

  const events = (from: number, to = from + 1): SpikeEvents[] => {
    checkOpen();
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from < to && to <= size)) {
      throw new InvalidArgumentError('from/to', `must satisfy 0 <= from < to <= ${size}, got ${from}, ${to}`);
    }
    const t = readVlenRows(h, timesDs, timesInfo, from, to);
    const u = readVlenRows(h, unitsDs, unitsInfo, from, to);
    const out: SpikeEvents[] = [];
    let at = 0;
    for (let r = 0; r < to - from; r++) {
      const n = from + r;
      const len = t.lengths[r]!;
      if (u.lengths[r] !== len) throw new FormatError(file, `spikes/units[${n}]`, `holds ${u.lengths[r]} spikes but spikes/times[${n}] holds ${len}`);
      const times = t.values.subarray(at, at + len);
      const units = u.values.subarray(at, at + len);
      if (validate) {
        for (let e = 0; e < len; e++) {
          const c = units[e]!;
          if (!(c >= 0 && c < channels)) throw new FormatError(file, `spikes/units[${n}][${e}]`, `is ${c}, expected a channel in [0, ${channels})`);
          if (!Number.isFinite(times[e]!)) throw new FormatError(file, `spikes/times[${n}][${e}]`, `is ${times[e]}, expected a finite time in seconds`);
        }
      }
      out.push({ times, units, label: labels[n]! });
      at += len;
    }
    return out;
  };

  const stride = binning.bins * binning.inputs;
  const binInto = (indices: ArrayLike<number>, out: Float32Array): void => {
    if (out.length < indices.length * stride) throw new InvalidArgumentError('out', `needs ${indices.length * stride} values, got ${out.length}`);
    // Read runs of consecutive indices with one call each (sequential order = one read per batch).
    let b = 0;
    while (b < indices.length) {
      let e = b + 1;
      while (e < indices.length && indices[e] === indices[e - 1]! + 1) e++;
      const rows = events(indices[b]!, indices[e - 1]! + 1);
      rows.forEach((row, r) => binEvents(row.times, row.units, binning, out, (b + r) * stride));
      b = e;
    }
  };

  const name = kind;
  const source = makeSource({ name, size, steps: binning.bins, inputs: binning.inputs, classes, labels, gather: binInto });
  return {
    ...source,
    file,
    classNames,
    ...(speakers ? { speakers } : {}),
    binning,
    events,
    binInto,
    sample: (n: number) => (checkOpen(), source.sample(n)),
    batches: (batchSize: number, options?: BatchOptions) => (checkOpen(), source.batches(batchSize, options)),
    toSequenceDataset({ maxValues = 2 ** 28 } = {}): SequenceDataset {
      if (size * stride > maxValues) {
        throw new InvalidArgumentError('maxValues', `${file} binned densely needs ${size * stride} floats (> ${maxValues}); stream it with .batches(), or use fewer bins / channelFactor`);
      }
      const x = new Float32Array(size * stride);
      const chunk = 256;
      for (let from = 0; from < size; from += chunk) {
        const to = Math.min(size, from + chunk);
        const idx = Int32Array.from({ length: to - from }, (_, i) => from + i);
        binInto(idx, x.subarray(from * stride, to * stride));
      }
      return { name, size, steps: binning.bins, inputs: binning.inputs, classes, x, labels: labels.slice() };
    },
    close() {
      if (open) h.close();
      open = false;
    },
  };
}

/** Async {@link openSpikeFile}: initialises the HDF5 library first. */
export async function loadSpikeFile(path: string, options: SpikeFileOptions = {}): Promise<SpikeFile> {
  await initHdf5();
  return openSpikeFile(path, options);
}

/** Opens an SHD file (20 classes); see {@link openSpikeFile}. */
export async function loadShd(path: string, options: Omit<SpikeFileOptions, 'kind'> = {}): Promise<SpikeFile> {
  return loadSpikeFile(path, { ...options, kind: 'shd' });
}

/** Opens an SSC file (35 classes); see {@link openSpikeFile}. */
export async function loadSsc(path: string, options: Omit<SpikeFileOptions, 'kind'> = {}): Promise<SpikeFile> {
  return loadSpikeFile(path, { ...options, kind: 'ssc' });
}

/**
 * The dataset's own split files: for a folder, `<kind>_<split>.h5` or `.h5.gz` inside it; for a
 * file path containing `train`, the sibling with `train` replaced by `split` (with or without `.gz`). Undefined if absent.
 */
export function findSplitFile(path: string, kind: 'shd' | 'ssc', split: 'train' | 'test' | 'valid'): string | undefined {
  if (existsSync(path) && statSync(path).isDirectory()) {
    for (const ext of ['.h5', '.h5.gz']) {
      const p = join(path, `${kind}_${split}${ext}`);
      if (existsSync(p)) return p;
    }
    return undefined;
  }
  const name = basename(path);
  if (!/train/.test(name)) return split === 'train' && existsSync(path) ? path : undefined;
  const sibling = name.replace(/train/, split);
  const other = /\.gz$/i.test(sibling) ? sibling.replace(/\.gz$/i, '') : `${sibling}.gz`;
  for (const candidate of [sibling, other]) {
    const p = join(dirname(path), candidate);
    if (existsSync(p)) return p;
  }
  return undefined;
}
