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
    for (const name of ['hypr-tbptt-adding', 'hypr-tbptt-morse', 'tbptt1-optimizers', 'otpe-cosine', 'otpe-randman', 'hypr-speed']) expect(r.stdout).toContain(name);
    expect(snn(['compare', '--preset', 'nope', '--out', join(root, 'x')]).stderr).toMatch(/preset "nope"/);
  });

  it('otpe-cosine (tiny): a row per task, network and rule with per-layer cosines, the cosine plot; resumes after a kill', () => {
    const dir = join(root, 'otpe-cosine');
    const preset = ['compare', '--preset', 'otpe-cosine', '--scale', 'tiny', '--seeds', '1,2'];
    const r = snn([...preset, '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    const table = read(dir, 'table.md');
    expect(table).toMatch(/\| task \| network \| rule \| seeds \| layer0 \(trained\) \| layer1 \(trained\) \| output \(trained\) \| model \(trained\) \|/);
    for (const [task, network, rule] of [['t-randman', 'spikes', 'ottt'], ['t-randman', 'spikes', 'otpe'], ['r-randman', 'leaky-sum', 'f-approx-otpe']]) {
      expect(table).toMatch(new RegExp(`\\| ${task} \\| ${network} \\| ${rule} \\| 2 \\| -?\\d\\.\\d{3} ± \\d\\.\\d{3} \\|`));
    }
    // OTPE's output layer is OSTL's, exact for the spike loss: its cosine there is 1.
    expect(table).toMatch(/\| t-randman \| spikes \| otpe \| 2 \| [^|]+ \| [^|]+ \| 1\.000 ± 0\.000 \|/);
    const lines = read(dir, 'results.jsonl').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(8);
    expect(lines[0].curve).toHaveLength(2); // epoch 0 and after the one epoch
    for (const f of ['cosine.svg', 'cosine.png']) expect(existsSync(join(dir, f))).toBe(true);
    const killed = join(root, 'otpe-cosine-killed');
    expect(snn([...preset, '--out', killed], { SNN_FAILPOINTS: 'trial-end@3' }).signal).toBe('SIGKILL');
    expect(snn([...preset, '--out', killed]).status).toBe(0);
    expect(read(killed, 'table.md')).toBe(table);
    expect(read(killed, 'results.jsonl')).toBe(read(dir, 'results.jsonl'));
  }, 300_000);

  it('otpe-randman (tiny): every feed-forward rule trained online and BPTT, on both codings', () => {
    const dir = join(root, 'otpe-randman');
    const r = snn(['compare', '--preset', 'otpe-randman', '--scale', 'tiny', '--seeds', '1', '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    const table = read(dir, 'table.md');
    for (const task of ['t-randman', 'r-randman']) for (const rule of ['bptt', 'ottt', 'ostl', 'otpe', 'approx-otpe', 'f-otpe', 'f-approx-otpe']) expect(table).toContain(`| ${task} | ${rule} | 1 |`);
    const trial = JSON.parse(readFileSync(join(dir, 'trials', 't-randman-otpe-s1', 'config.json'), 'utf8'));
    expect(trial).toMatchObject({ rule: 'otpe', ruleOptions: { emit: 'step' }, output: 'spikes', feedForward: true, optimizer: 'adamax', learningRate: 1e-3 });
  }, 300_000);

  it('hypr-speed (tiny): time per step and memory vs T; BPTT\'s memory grows with T, e-prop\'s and HYPR\'s do not', () => {
    const dir = join(root, 'hypr-speed');
    const r = snn(['compare', '--preset', 'hypr-speed', '--scale', 'tiny', '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    const table = read(dir, 'table.md');
    expect(table).toMatch(/## Time per step[\s\S]*\| rule \| T = 20 \| T = 40 \|/);
    const lines = read(dir, 'results.jsonl').trim().split('\n').map((l) => JSON.parse(l));
    const bytes = (rule: string, T: number) => lines.find((l) => l.rule === rule && l.steps === T).learner_bytes;
    expect(bytes('bptt', 40)).toBeGreaterThan(bytes('bptt', 20));
    expect(bytes('eprop', 40)).toBe(bytes('eprop', 20));
    expect(bytes('hypr-l4', 40)).toBe(bytes('hypr-l4', 20));
    for (const f of ['speed.svg', 'speed.png']) expect(existsSync(join(dir, f))).toBe(true);
  }, 300_000);
});
