import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCellJacobians, compareWithFiniteDifferences } from '@snn/testing';
import { describeCellConformance } from '@snn/testing/vitest';
import { createGru, gru } from './index';


// Capabilities as declared, Jacobians against the VJP, finite differences when smooth, the learner
// contract under every workspace rule that can train gru, and every vector naming gru.
await describeCellConformance(gru, { vectors: { fixtures: [resolve(__dirname, '__fixtures__')] } });

describe('gru conformance', () => {
  it('per-neuron Jacobians agree with the VJP', () => {
    const r = checkCellJacobians(createGru(5));
    expect(r.errors).toBeDefined();
    expect(r.ok).toBe(true);
  });
  it('also with saturating currents and another seed', () => {
    expect(checkCellJacobians(createGru(3), { seed: 11, currentScale: 4, batch: 2 }).ok).toBe(true);
  });
  it('has the capabilities its registry entry claims', () => {
    const cell = gru.create(3);
    expect(cell.capabilities).toEqual(gru.capabilities);
    expect(cell.stateSize).toBe(1);
    expect(cell.gates).toBe(3);
    expect(cell.spiking).toBe(false);
    expect(cell.splitsRecurrentCurrent).toBe(true);
    expect(cell.biases).toEqual([
      { name: 'b_in', adds: 'input' },
      { name: 'b_rec', adds: 'recurrent' },
    ]);
  });
});

describe('gru options', () => {
  it('rejects unknown options and bad sizes', () => {
    expect(() => createGru(3, { resetAfter: true } as never)).toThrow(/gru option "resetAfter"/);
    expect(() => createGru(0)).toThrow(/positive integer/);
    expect(() => createGru(2.5)).toThrow(/positive integer/);
  });
  it('accepts no options and an empty object', () => {
    expect(createGru(2).options).toEqual({});
    expect(gru.create(2, {}).neurons).toBe(2);
  });
});
