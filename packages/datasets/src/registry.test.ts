import { InvalidArgumentError, UnknownNameError } from '@snn/errors';
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandman, getDataset, getDatasetDefinition, initHdf5, listDatasets, registerDataset, writeSpikeFile } from './index';

describe('dataset registry', () => {
  it('builds randman by name with options', () => {
    expect(listDatasets()).toContain('randman');
    const d = getDataset('randman', { seed: 1, classes: 3, inputs: 4, steps: 8, samplesPerClass: 5 });
    expect(d.x).toEqual(createRandman({ seed: 1, classes: 3, inputs: 4, steps: 8, samplesPerClass: 5 }).x);
  });

  it('unknown names throw UnknownNameError listing the registered ones', () => {
    let error: unknown;
    try {
      getDataset('randmann');
    } catch (e) {
      error = e;
    }
    expect(UnknownNameError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/unknown dataset "randmann"; available: .*randman/);
  });

  it('registers user datasets; re-registering needs override', () => {
    const tiny = {
      name: 'test-tiny',
      description: 'one sequence',
      create: () => ({ name: 'test-tiny', size: 1, steps: 1, inputs: 1, classes: 1, x: new Float32Array(1), labels: new Int32Array(1) }),
    };
    registerDataset(tiny);
    expect(getDataset('test-tiny').size).toBe(1);
    expect(() => registerDataset(tiny)).toThrow(InvalidArgumentError);
    registerDataset({ ...tiny, create: () => ({ ...tiny.create(), size: 0, x: new Float32Array(0), labels: new Int32Array(0) }) }, { override: true });
    expect(getDataset('test-tiny').size).toBe(0);
    expect(() => registerDataset({ ...tiny, name: '' })).toThrow(InvalidArgumentError);
    const table = (globalThis as Record<symbol, unknown>)[Symbol.for('@snn/registry/dataset')] as Map<string, unknown>;
    expect(table.has('test-tiny')).toBe(true);
  });
});

describe('registered tasks', () => {
  it('lists the generators and file-backed datasets', () => {
    expect(listDatasets()).toEqual(expect.arrayContaining(['randman', 'cue', 'adding', 'morse', 'shd', 'ssc', 'nmnist', 'smnist']));
  });

  it('builds the generators by name (ignoring nothing: options are checked)', () => {
    const cue = getDataset('cue', { seed: 1, size: 3, delay: 10 });
    expect([cue.steps, cue.inputs, cue.classes, cue.lossMask!.length]).toEqual([1210, 40, 2, 1210]);
    expect(getDataset('adding', { seed: 1, size: 3 }).classes).toBe(13);
    expect(getDataset('morse', { seed: 1, samplesPerWord: 1 }).size).toBe(50);
    expect(() => getDataset('cue', { delya: 1 })).toThrow(/unknown option/);
  });

  it('file-backed tasks need a path, and open their own train/test split files', async () => {
    expect(() => getDataset('shd', { seed: 1 })).toThrow(/task "shd" reads files: pass --data PATH/);
    await initHdf5();
    const dir = mkdtempSync(join(tmpdir(), 'snn-registry-'));
    const content = { times: [[0.01], [0.02], [0.03]], units: [[1], [2], [3]], labels: [0, 1, 2] };
    writeSpikeFile(join(dir, 'shd_train.h5.gz'), content);
    writeSpikeFile(join(dir, 'shd_test.h5'), { ...content, labels: [5, 5, 5] });
    const dense = getDataset('shd', { path: dir, seed: 3, bins: 10 });
    expect([dense.size, dense.steps, dense.inputs]).toEqual([3, 10, 700]);
    const splits = getDatasetDefinition('shd').open!({ path: join(dir, 'shd_train.h5.gz'), bins: 10 });
    expect(splits.files.map((f) => f.slice(dir.length))).toEqual(['/shd_train.h5.gz', '/shd_test.h5']);
    expect(Array.from(splits.test!.labels)).toEqual([5, 5, 5]);
    splits.close();
  });
});
