import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FormatError } from '@snn/errors';
import { describe, expect, it } from 'vitest';
import { decodeIdx, decodeNmnist, encodeIdx, encodeNmnist, loadSequentialMnist, openNmnist, readIdx } from './index';

const dir = mkdtempSync(join(tmpdir(), 'snn-nmnist-test-'));

describe('N-MNIST binary events', () => {
  it('decodes the 5-byte format: x, y, polarity bit 7, 23-bit big-endian microseconds; skips y = 240 markers', () => {
    const bytes = Uint8Array.of(3, 4, 0x80 | 0x7f, 0xff, 0xff, 33, 33, 0x00, 0x01, 0x02, 0, 240, 0, 0, 0);
    const e = decodeNmnist(bytes);
    expect(Array.from(e.x)).toEqual([3, 33]);
    expect(Array.from(e.y)).toEqual([4, 33]);
    expect(Array.from(e.p)).toEqual([1, 0]);
    expect(Array.from(e.t)).toEqual([2 ** 23 - 1, 258]);
    const round = decodeNmnist(encodeNmnist({ x: [1, 2], y: [5, 6], p: [0, 1], t: [10, 300000] }));
    expect([Array.from(round.x), Array.from(round.p), Array.from(round.t)]).toEqual([[1, 2], [0, 1], [10, 300000]]);
  });

  it('rejects a truncated file and pixels off the sensor with FormatError', () => {
    expect(() => decodeNmnist(new Uint8Array(7), 'a.bin')).toThrow(FormatError);
    expect(() => decodeNmnist(new Uint8Array(7), 'a.bin')).toThrow(/a\.bin.*not a multiple of 5/);
    expect(() => decodeNmnist(Uint8Array.of(34, 0, 0, 0, 0), 'b.bin')).toThrow(/b\.bin \(event 0\).*outside the 34 x 34/);
  });

  it('loads the Train/<digit>/<id>.bin layout: sorted files, labels from folders, 2312 inputs p*1156 + y*34 + x', () => {
    for (const [digit, id, ev] of [
      [3, '00002', { x: [1], y: [2], p: [1], t: [1500] }],
      [3, '00001', { x: [0, 0], y: [0, 0], p: [0, 0], t: [0, 999] }],
      [7, '00005', { x: [33], y: [33], p: [0], t: [250_000] }],
    ] as const) {
      mkdirSync(join(dir, 'Train', String(digit)), { recursive: true });
      writeFileSync(join(dir, 'Train', String(digit), `${id}.bin`), encodeNmnist(ev));
    }
    const d = openNmnist(dir, { bins: 300 });
    expect([d.size, d.steps, d.inputs, d.classes]).toEqual([3, 300, 2312, 10]);
    expect(d.files.map((f) => f.slice(dir.length))).toEqual(['/Train/3/00001.bin', '/Train/3/00002.bin', '/Train/7/00005.bin']);
    expect(Array.from(d.labels)).toEqual([3, 3, 7]);
    const s0 = d.sample(0);
    expect(s0[0]).toBe(1); // two events in bin 0, binary
    expect(s0.reduce((a, b) => a + b)).toBe(1);
    const s1 = d.sample(1);
    expect(s1[1 * 2312 + 1156 + 2 * 34 + 1]).toBe(1);
    expect(d.sample(2)[250 * 2312 + 33 * 34 + 33]).toBe(1);
    expect(openNmnist(dir, { binary: false }).sample(0)[0]).toBe(2);
    expect(openNmnist(dir, { firstSaccadeOnly: true }).sample(2).reduce((a, b) => a + b)).toBe(0);
    const [b] = [...d.batches(3, { shuffle: true, seed: 1 })];
    expect([...b!.labels].sort()).toEqual([3, 3, 7]);
    expect(() => openNmnist(dir, { split: 'test' })).toThrow(/missing: expected the N-MNIST layout Test/);
  });
});

describe('MNIST idx / sequential MNIST', () => {
  const images = encodeIdx([3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 10, 20, 30, 40]);
  const labels = encodeIdx([3], [7, 0, 9]);
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);

  it('decodes idx headers (magic 2051 / 2049, big-endian dims) and gz files', () => {
    const i = readIdx(join(dir, 'train-images-idx3-ubyte.gz'));
    expect(i.dims).toEqual([3, 2, 2]);
    expect(new DataView(images.buffer).getUint32(0, false)).toBe(2051);
    expect(new DataView(labels.buffer).getUint32(0, false)).toBe(2049);
    expect(Array.from(i.data.subarray(0, 4))).toEqual([0, 255, 51, 102]);
  });

  it('builds S-MNIST (pixels / 255, one per step), the row mode and a seeded PS-MNIST permutation', () => {
    const s = loadSequentialMnist(dir);
    expect([s.size, s.steps, s.inputs, s.classes]).toEqual([3, 4, 1, 10]);
    expect(Array.from(s.x.subarray(0, 4))).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    expect(Array.from(s.labels)).toEqual([7, 0, 9]);
    expect(Array.from(s.lossMask)).toEqual([0, 0, 0, 1]);
    const r = loadSequentialMnist(dir, { mode: 'row' });
    expect([r.steps, r.inputs]).toEqual([2, 2]);
    const p = loadSequentialMnist(dir, { permutationSeed: 5 });
    const q = loadSequentialMnist(dir, { permutationSeed: 5 });
    expect(Array.from(p.permutation!)).toEqual(Array.from(q.permutation!));
    expect([...p.permutation!].sort()).toEqual([0, 1, 2, 3]);
    for (let n = 0; n < 3; n++) for (let i = 0; i < 4; i++) expect(p.x[n * 4 + i]).toBe(s.x[n * 4 + p.permutation![i]!]);
    expect(loadSequentialMnist(dir, { limit: 2 }).size).toBe(2);
  });

  it('rejects malformed idx data with FormatError naming the problem', () => {
    expect(() => decodeIdx(images.subarray(0, images.length - 1), 'x')).toThrow(/x \(data\).*need 12 data bytes but the file holds 11 \(truncated\)/);
    expect(() => decodeIdx(Uint8Array.of(1, 2, 3, 4), 'y')).toThrow(/not an idx file/);
    expect(() => decodeIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 0), 'z')).toThrow(/element type 0xd/);
    expect(() => loadSequentialMnist(dir, { split: 'test' })).toThrow(FormatError);
    expect(() => loadSequentialMnist(dir, { split: 'test' })).toThrow(/t10k-images-idx3-ubyte.*missing/);
    const bad = mkdtempSync(join(tmpdir(), 'snn-idx-'));
    writeFileSync(join(bad, 'train-images-idx3-ubyte'), images);
    writeFileSync(join(bad, 'train-labels-idx1-ubyte'), encodeIdx([2], [1, 2]));
    expect(() => loadSequentialMnist(bad)).toThrow(/holds 2 labels but .* holds 3 images/);
  });
});
