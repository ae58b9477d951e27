// The plugin as a user runs it: `snn train --plugin ./examples/plugin-fptt --rule fptt`, then
// `snn train --resume` (which restores the regulariser's running average from the checkpoint).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const bin = join(root, 'packages/cli/dist/bin.cjs');
const snn = (...argv: string[]) => spawnSync(process.execPath, [bin, ...argv], { cwd: root, encoding: 'utf8', timeout: 120_000 });
const tiny = ['--cell', 'lif', '--hidden', '8', '--dataset-options', '{"classes": 3, "samplesPerClass": 6, "steps": 12}', '--no-progress'];

describe('snn train --plugin ./examples/plugin-fptt --rule fptt', () => {
  it('trains, reports test accuracy and resumes with the learner state', () => {
    const runs = mkdtempSync(join(tmpdir(), 'snn-fptt-'));
    const r = snn('--plugin', './examples/plugin-fptt', 'train', '--rule', 'fptt', '--rule-options', '{"alpha": 0.2}', '--epochs', '1', '--runs', runs, ...tiny);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/rule fptt/);
    expect(r.stdout).toMatch(/epoch\s+1\s+train loss [\d.]+ acc [\d.]+%\s+test loss [\d.]+ acc [\d.]+%/);
    expect(r.stdout).toMatch(/best test accuracy [\d.]+%/);
    const [run] = readdirSync(runs);
    const dir = join(runs, run!);
    // The regulariser's running average and lambda travel in the checkpoint (LearnerV1.exportState).
    expect(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).toMatch(/"learner":\{"alpha":0.2,"beta":0.5,"mean.W_in"/);
    const again = snn('--plugin', './examples/plugin-fptt', 'train', '--resume', dir, '--epochs', '2', '--no-progress');
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/epoch\s+2\s+train loss/);
  });
  it('trains a plugin cell (examples/custom-neuron, written with defineCell) with the plugin rule', () => {
    const runs = mkdtempSync(join(tmpdir(), 'snn-fptt-aqif-'));
    const r = snn('--plugin', './examples/custom-neuron/src/aqif.mjs', '--plugin', './examples/plugin-fptt', 'train', '--cell', 'aqif', '--rule', 'fptt', '--epochs', '1', '--runs', runs, ...tiny.slice(2));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/aqif x 8 \(1 layer\), rule fptt/);
    expect(r.stdout).toMatch(/best test accuracy [\d.]+%/);
  });
  it('without the plugin the rule is unknown, and the error names the available ones', () => {
    const r = snn('train', '--rule', 'fptt', '--epochs', '1', ...tiny);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/fptt/);
  });
});
