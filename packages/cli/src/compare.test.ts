// `snn compare` survives kills: rerunning the same command finishes the missing work and writes the same
// table.md and results.jsonl as an uninterrupted run; --jobs 2 gives the same as --jobs 1.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const bin = resolve(__dirname, '..', 'dist', 'bin.cjs');
// 2 rules x 2 widths x 2 seeds = 8 trials of 2 epochs, 4 batches each.
const suite = ['compare', '--rules', 'bptt,eprop', '--hidden', '6,10', '--seeds', '1,2', '--epochs', '2', '--batch-size', '16', '--dataset-options', '{"samplesPerClass": 8}'];

function snn(argv: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

let root: string;
let reference: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'snn-compare-'));
  reference = join(root, 'reference');
  const r = snn([...suite, '--out', reference]);
  expect(r.status, r.stderr).toBe(0);
});

describe('snn compare', () => {
  it('writes the table over seeds, one result line per trial, and the plots', () => {
    const table = read(reference, 'table.md');
    expect(table).toMatch(/\| task \| cell \| rule \| hidden \| seeds \| final test acc. \(%\) \|/);
    expect(table.match(/^\| randman \| lif \| (bptt|eprop) \| hidden=(6|10) \| 2 \|/gm)).toHaveLength(4);
    const lines = read(reference, 'results.jsonl').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual([
      'randman-lif-bptt-hidden=6-s1', 'randman-lif-bptt-hidden=6-s2', 'randman-lif-bptt-hidden=10-s1', 'randman-lif-bptt-hidden=10-s2',
      'randman-lif-eprop-hidden=6-s1', 'randman-lif-eprop-hidden=6-s2', 'randman-lif-eprop-hidden=10-s1', 'randman-lif-eprop-hidden=10-s2',
    ]);
    expect(lines[0].curve).toHaveLength(2);
    for (const f of ['curves.svg', 'curves.png', 'accuracy.svg', 'accuracy.png']) expect(existsSync(join(reference, f))).toBe(true);
  });

  const kills = [
    ['in the middle of a trial', 'batch-end@6'],
    ['right after a trial', 'trial-end@3'],
    ['while writing a checkpoint', 'checkpoint-mid-write@5'],
  ] as const;
  for (const [when, failpoint] of kills) {
    it(`gives the same table.md and results.jsonl when killed ${when} and run again (${failpoint})`, () => {
      const dir = join(root, failpoint.replace('@', '-'));
      expect(snn([...suite, '--out', dir], { SNN_FAILPOINTS: failpoint }).signal).toBe('SIGKILL');
      const again = snn([...suite, '--out', dir]);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/already finished/);
      expect(read(dir, 'table.md')).toBe(read(reference, 'table.md'));
      expect(read(dir, 'results.jsonl')).toBe(read(reference, 'results.jsonl'));
    });
  }

  it('--jobs 2 gives the same table as --jobs 1', () => {
    const dir = join(root, 'jobs2');
    const r = snn([...suite, '--out', dir, '--jobs', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(read(dir, 'table.md')).toBe(read(reference, 'table.md'));
    expect(read(dir, 'results.jsonl')).toBe(read(reference, 'results.jsonl'));
  });

  it('refuses a folder that holds another suite, and needs --out', () => {
    const other = snn([...suite.map((a) => (a === '6,10' ? '6,12' : a)), '--out', reference]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/holds another suite/);
    expect(snn(['compare', '--rules', 'bptt']).stderr).toMatch(/--out: name the suite's folder/);
  });

  it('lists its presets', () => {
    const r = snn(['compare', '--list-presets']);
    expect(r.status).toBe(0);
    for (const name of ['hypr-tbptt-adding', 'hypr-tbptt-morse', 'tbptt1-optimizers']) expect(r.stdout).toContain(name);
    expect(snn(['compare', '--preset', 'nope', '--out', join(root, 'x')]).stderr).toMatch(/preset "nope"/);
  });
});
