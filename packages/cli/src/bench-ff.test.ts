// `snn bench ff` (tiny): the memory each feed-forward rule holds does not grow with T (BPTT's does), and
// grows with the width as the paper states: O(n) per layer for OTTT and Approx-OTPE, O(n^2) for OSTL and OTPE.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = resolve(__dirname, '..', 'dist', 'bin.cjs');

describe('snn bench ff', () => {
  it('reports time per step and learner memory per rule, width and T, each in a fresh process', () => {
    const r = spawnSync(process.execPath, [bin, 'bench', 'ff', '--json', '--rules', 'bptt,ottt,ostl,otpe,approx-otpe,f-otpe', '--widths', '16,128', '--steps', '5,15', '--inputs', '16', '--outputs', '4', '--batch', '2'], { encoding: 'utf8', timeout: 180_000 });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(6 * 2 * 2);
    const bytes = (rule: string, hidden: number, steps: number) => rows.find((x) => x.rule === rule && x.hidden === hidden && x.steps === steps).learner_bytes as number;
    for (const rule of ['ottt', 'ostl', 'otpe', 'approx-otpe', 'f-otpe']) for (const h of [16, 128]) expect(bytes(rule, h, 15)).toBe(bytes(rule, h, 5));
    expect(bytes('bptt', 16, 15)).toBeGreaterThan(bytes('bptt', 16, 5));
    // 8x the width: at most about 8x the memory for the O(n) rules, over 20x for the O(n^2) ones (inputs fixed at 16).
    for (const rule of ['ottt', 'approx-otpe']) expect(bytes(rule, 128, 5) / bytes(rule, 16, 5)).toBeLessThan(9);
    for (const rule of ['ostl', 'otpe', 'f-otpe']) expect(bytes(rule, 128, 5) / bytes(rule, 16, 5)).toBeGreaterThan(20);
    for (const row of rows) expect(row.ms_per_step).toBeGreaterThan(0);
  }, 300_000);
});
