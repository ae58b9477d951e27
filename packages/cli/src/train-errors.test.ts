// Bad input to `snn train` gets one line naming the option and the fix, before anything is allocated.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = resolve(__dirname, '..', 'dist', 'bin.cjs');
function snn(argv: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', timeout: 60_000, ...(cwd ? { cwd } : {}) });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}
const oneLine = (stderr: string) => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^snn: /);
};

describe('snn train refuses what cannot work, naming the option', () => {
  it('sizes that cannot fit, at once', () => {
    const started = Date.now();
    const layers = snn(['train', '--layers', '1e9', '--epochs', '1']);
    expect(layers.status).toBe(2);
    expect(layers.stderr).toMatch(/--layers: 1000000000 layers is far beyond/);
    oneLine(layers.stderr);
    const hidden = snn(['train', '--hidden', '1e9', '--epochs', '1']);
    expect(hidden.status).toBe(2);
    expect(hidden.stderr).toMatch(/--hidden \/ --layers: 1 layer\(s\) of 1000000000 neurons .* lower --hidden or --layers/);
    oneLine(hidden.stderr);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
  it('tbptt and hypr-tbptt without k say how to pass it', () => {
    for (const rule of ['tbptt', 'hypr-tbptt']) {
      const r = snn(['train', '--rule', rule, '--epochs', '1']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--rule-options: rule ${rule} needs its .* --rule-options '\\{"k": 10\\}'`));
    }
  });
  it('a data folder without the expected files names what it looked for', () => {
    const empty = mkdtempSync(join(tmpdir(), 'snn-empty-'));
    const r = snn(['train', '--task', 'shd', '--data', empty, '--epochs', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is a folder without shd_train.h5 or shd_train.h5.gz/);
    expect(r.stderr).not.toMatch(/EISDIR/);
  });
  it('takes --plugin before the subcommand, as a path from the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snn-plugin-'));
    mkdirSync(join(dir, 'my-rule'));
    writeFileSync(join(dir, 'my-rule', 'package.json'), JSON.stringify({ name: 'my-rule', main: 'index.cjs' }));
    writeFileSync(
      join(dir, 'my-rule', 'index.cjs'),
      "exports.myRule = { kind: 'rule', specificationVersion: 'v1', name: 'my-rule', description: 'test', requires: { capabilities: [] }, cadence: 'sequence', create() { throw new Error('not for training'); } };",
    );
    const r = snn(['--plugin', './my-rule', 'train', '--rule', 'nope', '--epochs', '1'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/rule "nope".*my-rule/);
    const missing = snn(['--plugin', './nothing-here', 'train', '--epochs', '1'], dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--plugin \.\/nothing-here: .*nothing-here does not exist/);
  });
});
