import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError, InvalidArgumentError, UnsupportedError } from '@snn/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { binningPresets, encodeHdf5, findSplitFile, initHdf5, loadShd, loadSsc, openSpikeFile, resolveBinning, binEvents, writeSpikeFile, type SpikeFileContent } from './index';

const dir = mkdtempSync(join(tmpdir(), 'snn-shd-test-'));
const content: SpikeFileContent = {
  times: [[0, 0.0049, 0.005, 0.0101, 0.5], [], [0.25, 0.25, 1.2], [0.999, 1.5]],
  units: [[0, 1, 1, 699, 3], [], [10, 10, 20], [5, 6]],
  labels: [0, 19, 7, 3],
  keys: Array.from({ length: 20 }, (_, i) => `digit-${i}`),
  speakers: [1, 2, 1, 4],
  timeBits: 64,
};
const file = (name: string, c: SpikeFileContent = content) => {
  const p = join(dir, name);
  writeSpikeFile(p, c);
  return p;
};

beforeAll(() => initHdf5());

describe('SHD/SSC HDF5 loader', () => {
  it('reads times, units, labels, keys and speakers back (.h5 and .h5.gz)', async () => {
    for (const name of ['a_train.h5', 'a_train.h5.gz']) {
      const d = await loadShd(file(name));
      expect([d.name, d.size, d.steps, d.inputs, d.classes]).toEqual(['shd', 4, 100, 700, 20]);
      expect(Array.from(d.labels)).toEqual([0, 19, 7, 3]);
      expect(d.classNames[19]).toBe('digit-19');
      expect(Array.from(d.speakers!)).toEqual([1, 2, 1, 4]);
      const [e0, e1] = d.events(0, 2);
      expect(Array.from(e0!.times)).toEqual([0, 0.0049, 0.005, 0.0101, 0.5]);
      expect(Array.from(e0!.units)).toEqual([0, 1, 1, 699, 3]);
      expect(e1!.times.length).toBe(0);
      d.close();
    }
  });

  it('widens float16 times (the reported on-disk type) to float64', async () => {
    const d = await loadSsc(file('half.h5', { ...content, timeBits: 16, keys: undefined }));
    expect(d.classes).toBe(35);
    const t = d.events(3)[0]!.times;
    expect(t[0]).toBeCloseTo(0.999, 3);
    expect(t[0]).not.toBe(0.999); // float16 spacing near 1 s is 0.49 ms
    expect(t[1]).toBe(1.5);
    d.close();
  });

  it('bins with the default convention: 10 ms bins from t = 0, binary, events past T*w dropped', () => {
    const d = openSpikeFile(file('b.h5'));
    const x = d.sample(0);
    const at = (t: number, c: number) => x[t * 700 + c];
    expect([at(0, 0), at(0, 1), at(1, 1), at(1, 699), at(50, 3)]).toEqual([1, 1, 0, 1, 1]);
    // 0.005 s = bin 0 (floor(0.5)), 0.0101 s -> bin 1; binary: two spikes on unit 1 in bin 0 give 1
    expect(x.reduce((a, b) => a + b, 0)).toBe(4);
    const counts = openSpikeFile(file('b.h5'), { binary: false }).sample(2);
    expect(counts[25 * 700 + 10]).toBe(2); // two spikes at 0.25 s on unit 10
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2); // 1.2 s is beyond 100 x 10 ms
    d.close();
  });

  it('implements the reference conventions as options (digitize, ceil + reversed channels, first-event origin, channel factor)', () => {
    const b = (o: object) => resolveBinning(o, 700);
    const frame = (o: object, times: number[], units: number[]) => {
      const r = b(o);
      const out = new Float32Array(r.bins * r.inputs);
      binEvents(times, units, r, out);
      const hits: [number, number, number][] = [];
      out.forEach((v, i) => v && hits.push([Math.floor(i / r.inputs), i % r.inputs, v]));
      return hits;
    };
    // SpyTorch: numpy.digitize against linspace(0, 1.4, 100): bin 0 unused, t >= 1.4 dropped
    expect(frame({ preset: 'spytorch' }, [0, 0.0142, 1.39, 1.4], [2, 2, 2, 2])).toEqual([[1, 2, 1], [2, 2, 1], [99, 2, 1]]);
    // Yin: t <= k dt goes to bin k, channel 700 - unit, unit 0 dropped
    expect(frame({ preset: 'yin' }, [0, 0.004, 0.0041, 0.5], [1, 699, 2, 0])).toEqual([[0, 699, 1], [1, 1, 1], [2, 698, 1]]);
    // SE-adLIF: origin at the first event, counts, floor(0.2 unit) of 140 channels
    expect(b({ preset: 'seadlif' }).inputs).toBe(140);
    expect(frame({ preset: 'seadlif' }, [0.1, 0.1, 0.1039], [699, 695, 5], )).toEqual([[0, 1, 1], [0, 139, 2]]);
    expect(binningPresets.default).toMatchObject({ bins: 100, binWidth: 0.01, binary: true });
    expect(() => b({ bins: 0 })).toThrow(InvalidArgumentError);
    expect(() => b({ rule: 'round' })).toThrow(/rule/);
    expect(() => b({ channelFactor: 2 })).toThrow(/channelFactor/);
  });

  it('streams batches: every sample once, seeded shuffle reproducible, same bytes as one-by-one', () => {
    const many: SpikeFileContent = {
      times: Array.from({ length: 37 }, (_, n) => [n * 0.01, 0.5]),
      units: Array.from({ length: 37 }, (_, n) => [n, 600]),
      labels: Array.from({ length: 37 }, (_, n) => n % 20),
      timeBits: 32,
    };
    const d = openSpikeFile(file('many.h5', many));
    const order = (seed: number) =>
      [...d.batches(8, { shuffle: true, seed })].flatMap((b) => Array.from({ length: b.size }, (_, i) => b.x.subarray(i * 70000, (i + 1) * 70000).indexOf(1) % 700));
    const a = order(3);
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 37 }, (_, i) => i));
    expect(order(3)).toEqual(a);
    expect(order(4)).not.toEqual(a);
    const seq = [...d.batches(10)];
    expect(seq.map((b) => b.size)).toEqual([10, 10, 10, 7]);
    expect(Array.from(seq[1]!.x.subarray(70000 * 2, 70000 * 3))).toEqual(Array.from(d.sample(12)));
    expect([...d.batches(10, { dropLast: true })].length).toBe(3);
    const dense = d.toSequenceDataset();
    expect(dense.x.subarray(70000 * 5, 70000 * 6)).toEqual(d.sample(5));
    expect(() => d.toSequenceDataset({ maxValues: 10 })).toThrow(/stream it/);
    d.close();
  });

  it('finds the split files of a folder or a *_train file', () => {
    file('shd_train.h5');
    file('shd_test.h5.gz');
    expect(findSplitFile(dir, 'shd', 'train')).toBe(join(dir, 'shd_train.h5'));
    expect(findSplitFile(dir, 'shd', 'test')).toBe(join(dir, 'shd_test.h5.gz'));
    expect(findSplitFile(join(dir, 'shd_train.h5'), 'shd', 'test')).toBe(join(dir, 'shd_test.h5.gz'));
    expect(findSplitFile(join(dir, 'shd_train.h5'), 'shd', 'valid')).toBeUndefined();
    file('mine_train.h5');
    file('mine_test.h5');
    expect(findSplitFile(join(dir, 'mine_train.h5'), 'shd', 'test')).toBe(join(dir, 'mine_test.h5'));
    expect(findSplitFile(dir, 'ssc', 'valid')).toBeUndefined();
  });
});

describe('SHD/SSC loader errors', () => {
  const expectFormat = (fn: () => unknown, where: RegExp, problem: RegExp) => {
    try {
      fn();
    } catch (e) {
      expect(FormatError.isInstance(e), String(e)).toBe(true);
      const f = e as FormatError;
      expect(f.location).toMatch(where);
      expect(f.problem).toMatch(problem);
      expect(f.message).toContain(dir);
      return;
    }
    throw new Error('expected a FormatError');
  };
  const raw = (name: string, bytes: Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('a missing file, a zip, a non-HDF5 file, a truncated file, a corrupt gzip', () => {
    expectFormat(() => openSpikeFile(join(dir, 'nope.h5')), /^$/, /no such file/);
    expectFormat(() => openSpikeFile(join(dir, 'shd_train.h5.zip')), /^$/, /unzip/);
    expectFormat(() => openSpikeFile(raw('text.h5', new TextEncoder().encode('hello, this is not hdf5 at all, not even close..........'))), /signature/, /not an HDF5 file/);
    const whole = readFileSync(file('whole.h5'));
    expectFormat(() => openSpikeFile(raw('cut.h5', whole.subarray(0, Math.floor(whole.length / 2)))), /superblock/, /truncated/);
    const gz = readFileSync(file('whole.h5.gz'));
    expectFormat(() => openSpikeFile(raw('cut.h5.gz', gz.subarray(0, gz.length - 20))), /gzip/, /truncated or corrupt/);
  });

  it('missing paths, wrong types and shapes, mismatched lengths, labels and channels out of range', () => {
    const vf = { kind: 'vlen', base: { kind: 'float', size: 4 } } as const;
    const vi = { kind: 'vlen', base: { kind: 'int', size: 2, signed: false } } as const;
    const u16 = { kind: 'int', size: 2, signed: false } as const;
    const h = (name: string, tree: Parameters<typeof encodeHdf5>[0]) => raw(name, encodeHdf5(tree));
    expectFormat(() => openSpikeFile(h('nounits.h5', { spikes: { times: { type: vf, data: [[0.1]] } }, labels: { type: u16, data: [0] } })), /spikes\/units/, /missing/);
    expectFormat(() => openSpikeFile(h('nolabels.h5', { spikes: { times: { type: vf, data: [[0.1]] }, units: { type: vi, data: [[1]] } } })), /labels/, /missing/);
    expectFormat(
      () => openSpikeFile(h('flat.h5', { spikes: { times: { type: { kind: 'float', size: 4 }, data: [0.1] }, units: { type: vi, data: [[1]] } }, labels: { type: u16, data: [0] } })),
      /spikes\/times/,
      /variable-length/,
    );
    expectFormat(() => openSpikeFile(h('n.h5', { spikes: { times: { type: vf, data: [[0.1], [0.2]] }, units: { type: vi, data: [[1]] } }, labels: { type: u16, data: [0, 1] } })), /spikes\/units/, /1 samples but spikes\/times holds 2/);
    expectFormat(() => openSpikeFile(h('l.h5', { spikes: { times: { type: vf, data: [[0.1]] }, units: { type: vi, data: [[1]] } }, labels: { type: u16, data: [0, 1] } })), /^labels$/, /2 labels/);
    expectFormat(() => openSpikeFile(h('l20.h5', { spikes: { times: { type: vf, data: [[0.1]] }, units: { type: vi, data: [[1]] } }, labels: { type: u16, data: [20] } })), /labels\[0\]/, /\[0, 20\)/);
    const len = openSpikeFile(h('len.h5', { spikes: { times: { type: vf, data: [[0.1, 0.2]] }, units: { type: vi, data: [[1]] } }, labels: { type: u16, data: [0] } }));
    expectFormat(() => len.sample(0), /spikes\/units\[0\]/, /1 spikes but spikes\/times\[0\] holds 2/);
    const ch = openSpikeFile(h('ch.h5', { spikes: { times: { type: vf, data: [[0.1]] }, units: { type: vi, data: [[700]] } }, labels: { type: u16, data: [0] } }));
    expectFormat(() => ch.sample(0), /spikes\/units\[0\]\[0\]/, /700, expected a channel in \[0, 700\)/);
    expectFormat(() => openSpikeFile(h('grp.h5', { spikes: { times: {}, units: { type: vi, data: [[1]] } }, labels: { type: u16, data: [0] } })), /spikes\/times/, /is a group/);
  });

  it('files written by h5wasm: wrongly-shaped datasets are named', async () => {
    const h5wasm = (await import('h5wasm/node')).default;
    await h5wasm.ready;
    const p = join(dir, 'h5wasm-2d.h5');
    const f = new h5wasm.File(p, 'w');
    f.create_group('spikes');
    f.create_dataset({ name: 'spikes/times', data: new Float32Array([0.1, 0.2]), shape: [2] });
    f.create_dataset({ name: 'labels', data: new Uint16Array([0, 1, 2, 3]), shape: [2, 2] });
    f.close();
    expectFormat(() => openSpikeFile(p), /spikes\/units/, /missing/);
    // h5wasm cannot write variable-length numbers: spikes from encodeHdf5, then 2-D labels appended with h5wasm
    const vf = { kind: 'vlen', base: { kind: 'float', size: 2 } } as const;
    const vi = { kind: 'vlen', base: { kind: 'int', size: 2, signed: false } } as const;
    const q = raw('h5wasm-labels.h5', encodeHdf5({ spikes: { times: { type: vf, data: [[0.1], [0.2]] }, units: { type: vi, data: [[1], [2]] } } }));
    const g = new h5wasm.File(q, 'a');
    g.create_dataset({ name: 'labels', data: new Uint16Array([0, 1, 2, 3]), shape: [2, 2] });
    g.close();
    expectFormat(() => openSpikeFile(q), /^labels$/, /shape \[2, 2\], expected a 1-D array/);
  });

  it('rejects unknown options', () => {
    expect(() => openSpikeFile(join(dir, 'b.h5'), { bin: 5 } as never)).toThrow(/unknown option/);
  });
});

describe('gunzip of large .h5.gz files', () => {
  it('streams through a child process above the threshold, with the same bytes and the same errors', async () => {
    const { gunzipToFile } = await import('./hdf5');
    const gz = join(dir, 'stream.h5.gz');
    writeSpikeFile(gz, content);
    const out = join(dir, 'stream-out.h5');
    gunzipToFile(gz, out, 0);
    expect(readFileSync(out).equals(readFileSync(file('stream-plain.h5')))).toBe(true);
    const cut = join(dir, 'stream-cut.h5.gz');
    writeFileSync(cut, readFileSync(gz).subarray(0, 100));
    expect(() => gunzipToFile(cut, join(dir, 'x.h5'), 0)).toThrow(/stream-cut\.h5\.gz \(gzip\): truncated or corrupt gzip data/);
  });
});
