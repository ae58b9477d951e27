import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSpikeFile } from '@snn/datasets';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from './index';

async function snn(...args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCli(['node', 'snn', ...args], (l) => lines.push(l));
  return { code, lines };
}

const dir = mkdtempSync(join(tmpdir(), 'snn-data-cli-'));
// A tiny SHD-format pair of split files: class k fires unit 10 k at 10 k ms.
const make = (n: number) => ({
  times: Array.from({ length: n }, (_, i) => [0.01 * (i % 4), 0.01 * (i % 4) + 0.05, 0.3]),
  units: Array.from({ length: n }, (_, i) => [10 * (i % 4), 10 * (i % 4) + 1, 600]),
  labels: Array.from({ length: n }, (_, i) => i % 4),
  keys: Array.from({ length: 20 }, (_, k) => `word${k}`),
});
writeSpikeFile(join(dir, 'shd_train.h5.gz'), make(24));
writeSpikeFile(join(dir, 'shd_test.h5.gz'), make(8));

describe('snn data', () => {
  it('prints shape, classes, spike rate and duration of an SHD file and writes a raster', async () => {
    const svg = join(dir, 'raster.svg');
    const { code, lines } = await snn('data', '--task', 'shd', '--data', join(dir, 'shd_train.h5.gz'), '--raster', svg, '--sample', '1');
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/shape \[N, T, I\] = \[24, 100, 700\], 20 classes/);
    expect(text).toMatch(/word0: 6, word1: 6, word2: 6, word3: 6, word4: 0/);
    expect(text).toMatch(/spike rate 0\.004% of \(step, input\) entries, 3\.0 per sample/);
    expect(text).toMatch(/duration mean 0\.300 s, max 0\.300 s/);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[\s\S]*class 1 &quot;word1&quot;[\s\S]*<\/svg>\n$/);
    expect(readFileSync(svg, "utf8").match(/<rect x=/g)).toHaveLength(4); // 3 spikes + the frame
  });

  it('reads the test split file and binning options; --json for scripts', async () => {
    const { code, lines } = await snn('data', '--task', 'shd', '--data', dir, '--split', 'test', '--options', '{"bins":40,"binWidth":0.004,"channelFactor":0.2}', '--no-raster', '--json');
    expect(code).toBe(0);
    const s = JSON.parse(lines[0]!);
    expect([s.size, s.steps, s.inputs, s.files[0]]).toEqual([8, 40, 140, join(dir, 'shd_test.h5.gz')]);
  });

  it('works for generated tasks', async () => {
    const svg = join(dir, 'cue.svg');
    const { code, lines } = await snn('data', '--task', 'cue', '--options', '{"size":4,"delay":10}', '--raster', svg);
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/\[4, 1210, 40\], 2 classes[\s\S]*duration 1210 steps/);
    expect(existsSync(svg)).toBe(true);
  });

  it('reports a missing or malformed file as a typed error naming the file (exit 2)', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const missing = await snn('data', '--task', 'shd', '--data', join(dir, 'nope.h5'), '--no-raster');
      expect(missing.code).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/nope\.h5: no such file/);
      const none = await snn('data', '--task', 'shd', '--no-raster');
      expect(none.code).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/pass --data PATH/);
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('snn train --task / --data', () => {
  it('trains on SHD-format files with their own test split, streamed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'snn-train-shd-'));
    const { code, lines } = await snn('train', '--task', 'shd', '--data', dir, '--epochs', '1', '--hidden', '8', '--runs', out, '--dataset-options', '{"bins":20}');
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/shd: 24 train \/ 8 test sequences/);
    const [run] = readdirSync(out);
    const config = JSON.parse(readFileSync(join(out, run!, 'config.json'), 'utf8'));
    expect(config.task).toMatchObject({ name: 'shd', inputs: 700, steps: 20, classes: 20, train: 24, test: 8 });
    expect(config.task.files).toEqual([join(dir, 'shd_train.h5.gz'), join(dir, 'shd_test.h5.gz')]);
  });

  it('trains generated tasks by --task, and --dataset stays an alias', async () => {
    const out = mkdtempSync(join(tmpdir(), 'snn-train-task-'));
    const adding = await snn('train', '--task', 'adding', '--epochs', '1', '--hidden', '8', '--runs', out, '--dataset-options', '{"size":40,"steps":20}');
    expect(adding.code).toBe(0);
    expect(adding.lines.join('\n')).toMatch(/adding: 32 train \/ 8 test sequences/);
    const morse = await snn('train', '--dataset', 'morse', '--epochs', '1', '--hidden', '8', '--runs', out, '--dataset-options', '{"samplesPerWord":1,"steps":120}');
    expect(morse.code).toBe(0);
    expect(morse.lines.join('\n')).toMatch(/morse: 40 train \/ 10 test sequences/);
  });

  it('rejects --data for a generated task', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const r = await snn('train', '--task', 'cue', '--data', dir, '--epochs', '1');
      expect(r.code).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/generated and reads no files/);
    } finally {
      stderr.mockRestore();
    }
  });
});
