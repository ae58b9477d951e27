import { InvalidArgumentError, UnknownNameError } from '@snn/errors';
import { describe, expect, it } from 'vitest';
import { createRandman, getDataset, listDatasets, registerDataset } from './index';

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
