import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { encodeHdf5, type H5GroupNode } from './hdf5-writer';

/** Samples to write in the SHD/SSC layout. */
export interface SpikeFileContent {
  /** Per sample: spike times in seconds. */
  times: readonly ArrayLike<number>[];
  /** Per sample: channel of each spike. */
  units: readonly ArrayLike<number>[];
  labels: ArrayLike<number>;
  /** Class names (/extra/keys). */
  keys?: readonly string[];
  /** Speaker ids (/extra/speaker). */
  speakers?: ArrayLike<number>;
  /** Element type of the times: float16 (reported for the real files), 32 or 64. Default 16. */
  timeBits?: 16 | 32 | 64;
}

/** The bytes of an HDF5 file in the SHD/SSC layout (datasets.md 1.3), e.g. for tests or synthetic stand-ins. */
export function encodeSpikeFile(content: SpikeFileContent): Uint8Array {
  const bits = content.timeBits ?? 16;
  const root: Record<string, H5GroupNode[string]> = {
    spikes: {
      times: { type: { kind: 'vlen', base: { kind: 'float', size: (bits / 8) as 2 | 4 | 8 } }, data: content.times },
      units: { type: { kind: 'vlen', base: { kind: 'int', size: 2, signed: false } }, data: content.units },
    },
    labels: { type: { kind: 'int', size: 2, signed: false }, data: content.labels },
  };
  const extra: Record<string, H5GroupNode[string]> = {};
  if (content.keys) {
    const width = Math.max(1, ...content.keys.map((k) => new TextEncoder().encode(k).length)) + 1;
    extra.keys = { type: { kind: 'string', size: width }, data: content.keys };
  }
  if (content.speakers) extra.speaker = { type: { kind: 'int', size: 2, signed: false }, data: content.speakers };
  if (Object.keys(extra).length > 0) root.extra = extra;
  return encodeHdf5(root);
}

/** Writes {@link encodeSpikeFile} to `path`, gzip-packed when it ends in `.gz`. */
export function writeSpikeFile(path: string, content: SpikeFileContent): void {
  const bytes = encodeSpikeFile(content);
  writeFileSync(path, /\.gz$/i.test(path) ? gzipSync(bytes) : bytes);
}
