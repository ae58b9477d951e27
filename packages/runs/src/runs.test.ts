import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerCell, registerRule, saveCheckpoint, createNetwork, listCells, listRules } from '@snn/core';
import { lif } from '@snn/lif';
import { bptt } from '@snn/bptt';
import { createRunFolder, defaultTrainConfig, readTrainingCheckpoint, resume, train, writeFileAtomic, type TrainConfig } from './index';

if (!listCells().includes('lif')) registerCell(lif);
if (!listRules().includes('bptt')) registerRule(bptt);

const small = (outDir: string): TrainConfig => ({ ...defaultTrainConfig, hidden: 8, epochs: 2, batchSize: 16, datasetOptions: { samplesPerClass: 8 }, outDir });

describe('run folders', () => {
  it('never hands out one folder twice', () => {
    const parent = mkdtempSync(join(tmpdir(), 'snn-runs-'));
    const folders = Array.from({ length: 50 }, () => createRunFolder({ parent, label: 'bptt-lif-randman' }));
    expect(new Set(folders).size).toBe(50);
    expect(readdirSync(parent)).toHaveLength(50);
    expect(folders[0]).toMatch(/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{3}-bptt-lif-randman-[0-9a-f]{6}$/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snn-atomic-'));
    const file = join(dir, 'a.json');
    writeFileAtomic(file, 'old');
    writeFileAtomic(file, 'new content');
    expect(readFileSync(file, 'utf8')).toBe('new content');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });
});

describe('train and resume as a library', () => {
  it('resume() of a finished run extended by one epoch equals a longer run', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'snn-lib-'));
    const longer = await train({ ...small(parent), epochs: 3 });
    const shorter = await train(small(parent));
    const extended = await resume(shorter.runDir, {}, { epochs: 3 });
    expect(extended.history.map((m) => m.test_loss)).toEqual(longer.history.map((m) => m.test_loss));
    expect(readFileSync(join(extended.runDir, 'checkpoint.json'))).toEqual(readFileSync(join(longer.runDir, 'checkpoint.json')));
    for (const f of ['config.json', 'metrics.jsonl', 'checkpoint.json', 'best.json', 'curves.svg', 'curves.png']) expect(existsSync(join(longer.runDir, f))).toBe(true);
  });
  it('reports every checkpoint it writes, with its size and time', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'snn-lib-'));
    const seen: Array<{ reason: string; bytes: number }> = [];
    await train({ ...small(parent), checkpointEvery: { batches: 2 } }, { checkpoint: (c) => seen.push(c) });
    expect(seen.filter((c) => c.reason === 'epoch')).toHaveLength(2);
    expect(seen.filter((c) => c.reason === 'batches').length).toBeGreaterThan(0);
    expect(seen.every((c) => c.bytes > 1000)).toBe(true);
  });
  it('a weights-only checkpoint (written by an importer) starts training at epoch 0 from those weights', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'snn-lib-'));
    const run = await train({ ...small(parent), epochs: 1 });
    const network = createNetwork({ inputs: 30, outputs: 10, layers: [{ cell: 'lif', neurons: 8, cellOptions: defaultTrainConfig.cellOptions }], readout: { kappa: 0.9 } }, { seed: 5 });
    saveCheckpoint(join(run.runDir, 'checkpoint.json'), network);
    expect(readTrainingCheckpoint(join(run.runDir, 'checkpoint.json')).state).toBeUndefined();
    const again = await resume(run.runDir);
    expect(again.history).toHaveLength(1);
  });
  it('detects a checkpoint whose checksum does not match its content', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'snn-lib-'));
    const run = await train({ ...small(parent), epochs: 1 });
    const file = join(run.runDir, 'checkpoint.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"checksum":"sha256:', '"checksum":"sha256:0'));
    expect(() => readTrainingCheckpoint(file)).toThrow(/is corrupt: its checksum/);
  });
});
