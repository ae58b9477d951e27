// Runs that survive: the real `snn` binary is killed with SIGKILL at chosen points (failpoints: mid-epoch,
// right after a checkpoint, half-way through writing one, with the temporary file complete but not yet
// renamed) and from outside at a moment it does not choose; `--resume` must then end byte-identical
// to an uninterrupted run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const bin = resolve(__dirname, '..', 'dist', 'bin.cjs');
// 160 sequences in batches of 16: 10 batches per epoch, a checkpoint every 3 batches and at each epoch end.
const args = ['--epochs', '3', '--hidden', '12', '--batch-size', '16', '--dataset-options', '{"samplesPerClass": 16}', '--checkpoint-every', '3', '--no-progress'];

function snn(argv: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const withoutClock = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { seconds: _s, samples_per_s: _r, ...rest } = JSON.parse(l);
    return JSON.stringify(rest);
  });

function expectSameRun(dir: string, reference: string): void {
  expect(sha(join(dir, 'checkpoint.json'))).toBe(sha(join(reference, 'checkpoint.json')));
  expect(sha(join(dir, 'best.json'))).toBe(sha(join(reference, 'best.json')));
  expect(withoutClock(dir)).toEqual(withoutClock(reference));
  expect(readdirSync(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
}

let root: string;
let reference: string;
beforeAll(() => {
  expect(existsSync(bin), `${bin} is missing: build @snn/cli first (pnpm build)`).toBe(true);
  root = mkdtempSync(join(tmpdir(), 'snn-resume-'));
  reference = join(root, 'reference');
  const r = snn(['train', ...args, '--out', reference]);
  expect(r.status, r.stderr).toBe(0);
});

describe('snn train --resume after SIGKILL', () => {
  const points = [
    ['mid-epoch, between checkpoints', 'batch-end@8'],
    ['mid-epoch, in the second epoch', 'batch-end@15'],
    ['right after a checkpoint', 'checkpoint-after-rename@4'],
    ['half-way through writing a checkpoint', 'checkpoint-mid-write@3'],
    ['with the temporary checkpoint complete but not renamed', 'checkpoint-before-rename@5'],
    ['at an epoch end, after the curves', 'epoch-end@2'],
  ] as const;
  for (const [when, failpoint] of points) {
    it(`ends byte-identical when killed ${when} (${failpoint})`, () => {
      const dir = join(root, failpoint.replace(/[@]/g, '-'));
      const killed = snn(['train', ...args, '--out', dir], { SNN_FAILPOINTS: failpoint });
      expect(killed.signal).toBe('SIGKILL');
      const resumed = snn(['train', '--resume', dir]);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(resumed.stdout).toMatch(/resuming after epoch \d/);
      expectSameRun(dir, reference);
    });
  }

  it('survives being killed twice, the second time during the resumed run', () => {
    const dir = join(root, 'twice');
    expect(snn(['train', ...args, '--out', dir], { SNN_FAILPOINTS: 'batch-end@5' }).signal).toBe('SIGKILL');
    expect(snn(['train', '--resume', dir], { SNN_FAILPOINTS: 'checkpoint-mid-write@2' }).signal).toBe('SIGKILL');
    expect(snn(['train', '--resume', dir]).status).toBe(0);
    expectSameRun(dir, reference);
  });

  it('ends byte-identical when killed from outside while it trains', async () => {
    const dir = join(root, 'external');
    const longer = [...args.filter((a, i) => a !== '--epochs' && args[i - 1] !== '--epochs'), '--epochs', '3'];
    const child = spawn(process.execPath, [bin, 'train', ...longer, '--out', dir], { stdio: 'ignore' });
    // Kill once the first checkpoint exists: somewhere in the run, at a moment the run does not choose.
    await new Promise<void>((done) => {
      const poll = setInterval(() => {
        if (existsSync(join(dir, 'checkpoint.json')) || child.exitCode !== null) {
          clearInterval(poll);
          child.kill('SIGKILL');
          done();
        }
      }, 2);
    });
    await new Promise((done) => child.once('exit', done));
    const resumed = snn(['train', '--resume', dir]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expectSameRun(dir, reference);
  });

  it('resumes a finished run to more epochs, like a run that had that many from the start', () => {
    const longer = join(root, 'five');
    expect(snn(['train', ...args.map((a) => (a === '3' ? '5' : a)), '--out', longer]).status).toBe(0);
    const extended = join(root, 'three-then-five');
    expect(snn(['train', ...args, '--out', extended]).status).toBe(0);
    const r = snn(['train', '--resume', extended, '--epochs', '5']);
    expect(r.status, r.stderr).toBe(0);
    expect(withoutClock(extended)).toEqual(withoutClock(longer));
  });
});

describe('checkpoints that cannot be trusted', () => {
  it('refuses a truncated or changed checkpoint with a typed error, and changes nothing', () => {
    for (const damage of ['truncate', 'edit'] as const) {
      const dir = join(root, `damaged-${damage}`);
      expect(snn(['train', ...args, '--out', dir], { SNN_FAILPOINTS: 'batch-end@12' }).signal).toBe('SIGKILL');
      const file = join(dir, 'checkpoint.json');
      if (damage === 'truncate') truncateSync(file, 2000);
      else writeFileSync(file, readFileSync(file, 'utf8').replace('"epoch":1', '"epoch":2'));
      const before = readdirSync(dir).map((f) => [f, sha(join(dir, f))]);
      const r = snn(['train', '--resume', dir]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(damage === 'truncate' ? /^snn: checkpoint .*checkpoint.json: is truncated or not JSON/ : /^snn: checkpoint .*checkpoint.json: is corrupt: its checksum is sha256:/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(dir).map((f) => [f, sha(join(dir, f))])).toEqual(before);
    }
  });
  it('refuses a checkpoint that belongs to another configuration', () => {
    const a = join(root, 'mismatch-a');
    const b = join(root, 'mismatch-b');
    expect(snn(['train', ...args, '--epochs', '1', '--out', a]).status).toBe(0);
    expect(snn(['train', ...args, '--epochs', '1', '--seed', '2', '--out', b]).status).toBe(0);
    writeFileSync(join(a, 'checkpoint.json'), readFileSync(join(b, 'checkpoint.json')));
    const r = snn(['train', '--resume', a]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/does not belong to .*config.json: they differ in "seed" \(1 vs 2\)/);
  });
  it('refuses training options with --resume (they are fixed by the checkpoint)', () => {
    const r = snn(['train', '--resume', reference, '--hidden', '64', '--lr', '0.1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/drop --hidden, --lr/);
  });
});

describe('run folders', () => {
  it('gives three runs started together three folders, each with its own config', async () => {
    const parent = join(root, 'together');
    mkdirSync(parent);
    const runs = [1, 2, 3].map(
      (seed) =>
        new Promise<number | null>((done) => {
          const child = spawn(process.execPath, [bin, 'train', '--epochs', '1', '--hidden', '8', '--dataset-options', '{"samplesPerClass": 4}', '--seed', String(seed), '--runs', parent, '--no-progress'], { stdio: 'ignore' });
          child.once('exit', (code) => done(code));
        }),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0]);
    const folders = readdirSync(parent);
    expect(folders).toHaveLength(3);
    const seeds = folders.map((f) => JSON.parse(readFileSync(join(parent, f, 'config.json'), 'utf8')).seed).sort();
    expect(seeds).toEqual([1, 2, 3]);
    for (const f of folders) expect(readFileSync(join(parent, f, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  });
  it('refuses an existing --out folder unless --overwrite, and never deletes a folder that is not a run', () => {
    const r = snn(['train', ...args, '--out', reference]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/already exists and is not empty; continue it with --resume .*, replace it with --overwrite/);
    const other = join(root, 'not-a-run');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'keep me');
    const o = snn(['train', ...args, '--out', other, '--overwrite']);
    expect(o.status).toBe(2);
    expect(o.stderr).toMatch(/is not a run folder .*refusing to delete it/);
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('keep me');
    const replaced = join(root, 'replaced');
    expect(snn(['train', ...args, '--epochs', '1', '--out', replaced]).status).toBe(0);
    expect(snn(['train', ...args, '--epochs', '1', '--seed', '7', '--out', replaced, '--overwrite']).status).toBe(0);
    expect(JSON.parse(readFileSync(join(replaced, 'config.json'), 'utf8')).seed).toBe(7);
  });
  it('draws the learning curves of every run as SVG and PNG, and snn plot overlays runs', () => {
    const svg = readFileSync(join(reference, 'curves.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('bptt · lif (1 x 12) · randman');
    expect(svg).toContain('test accuracy');
    const png = readFileSync(join(reference, 'curves.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeGreaterThan(10_000);
    const overlay = join(root, 'overlay');
    const r = snn(['plot', reference, join(root, 'five'), '--out', overlay]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(`${overlay}.svg`, 'utf8')).toContain('five');
    expect(existsSync(`${overlay}.png`)).toBe(true);
    expect(snn(['plot', join(root, 'not-a-run')]).stderr).toMatch(/has no metrics.jsonl/);
  });
  it('prints progress lines between epochs when the output is not a terminal', () => {
    const r = snn(['train', '--epochs', '1', '--hidden', '8', '--dataset-options', '{"samplesPerClass": 8}', '--batch-size', '4', '--progress-every', '0.001', '--out', join(root, 'progress')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^epoch 1 batch \d+\/16  train loss \d+\.\d+ acc \d+\.\d%$/m);
    expect(r.stderr).not.toContain('{');
  });
});
