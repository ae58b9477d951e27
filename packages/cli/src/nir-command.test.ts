import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createNetwork, forwardSequence, loadCheckpoint, saveCheckpoint } from '@snn/core';
import { describe, expect, it, vi } from 'vitest';
import { registerBuiltins, runCli } from './index';

async function snn(...args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCli(['node', 'snn', ...args], (l) => lines.push(l));
  return { code, lines };
}

const dir = mkdtempSync(join(tmpdir(), 'snn-nir-cli-'));
const shared = resolve(__dirname, '../../../../shared/nir');

describe('snn nir', () => {
  it('export RUN_DIR FILE, then import FILE --out RUN_DIR gives the same network and spikes', async () => {
    registerBuiltins();
    const network = createNetwork(
      { inputs: 4, outputs: 3, layers: [{ cell: 'cuba-lif', neurons: 6, cellOptions: { alphaSyn: 0.5, alpha: 0.9, reset: 'subtract-after-decay', detachReset: true } }], readout: { kappa: 0.7 } },
      { dtype: 'float64', seed: 3, init: { inputScale: 4 } },
    );
    const run = join(dir, 'run');
    mkdirSync(run);
    saveCheckpoint(join(run, 'checkpoint.json'), network);
    const file = join(dir, 'net.nir');
    const exported = await snn('nir', 'export', run, file, '--dt', '1e-3');
    expect(exported.code).toBe(0);
    const inspected = await snn('nir', 'inspect', file);
    const text = inspected.lines.join('\n');
    expect(text).toMatch(/lif0: NIRGraph[\s\S]*lif: CubaLIF/);
    expect(text).toMatch(/li: LI  r \[3\]/);
    const back = join(dir, 'back');
    const imported = await snn('nir', 'import', file, '--out', back, '--dtype', 'float64');
    expect(imported.code).toBe(0);
    expect(JSON.parse(readFileSync(join(back, 'config.json'), 'utf8')).cell).toBe('cuba-lif');
    expect(JSON.parse(readFileSync(join(back, 'nir-import.json'), 'utf8')).dt).toBe(1e-3);
    const restored = loadCheckpoint(join(back, 'checkpoint.json')).network;
    const x = new Float64Array(2 * 40 * 4).map((_, i) => (Math.cos(i * 0.7) > 0.5 ? 1 : 0));
    const data = { x, batch: 2, steps: 40, targets: new Int32Array(2) };
    const a = forwardSequence(network, data, { recordOutputs: true });
    const b = forwardSequence(restored, data, { recordOutputs: true });
    expect(Array.from(b.outputs![0]!)).toEqual(Array.from(a.outputs![0]!));
    expect(b.loss).toBeCloseTo(a.loss, 10);
  });
  it('refuses a non-empty --out and an ALIF run, with the reason', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = join(dir, 'alif');
    mkdirSync(run);
    saveCheckpoint(join(run, 'checkpoint.json'), createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'alif', neurons: 3 }] }));
    expect((await snn('nir', 'export', run, join(dir, 'alif.nir'))).code).toBe(2);
    expect(String(err.mock.calls.at(-1)?.[0])).toMatch(/cell "alif".*NIR has no primitive/);
    expect((await snn('nir', 'import', join(dir, 'net.nir'), '--out', run)).code).toBe(2);
    expect(String(err.mock.calls.at(-1)?.[0])).toMatch(/exists and is not empty/);
    err.mockRestore();
  });
  it.skipIf(!existsSync(shared))('imports the Braille network of the NIR paper with --dt', async () => {
    const out = join(dir, 'braille');
    const r = await snn('nir', 'import', join(shared, 'braille_noDelay_bias_zero.nir'), '--dt', '1e-4', '--out', out);
    expect(r.code).toBe(0);
    expect(r.lines.at(-1)).toMatch(/12 -> cuba-lif 38 \(recurrent\) -> cuba-lif 7 -> readout 7/);
    expect(existsSync(join(out, 'checkpoint.json'))).toBe(true);
  });
});
