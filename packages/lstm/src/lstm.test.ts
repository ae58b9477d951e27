import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCellJacobians, compareWithFiniteDifferences } from '@snn/testing';
import { describeCellConformance } from '@snn/testing/vitest';
import { createLstm, lstm } from './index';


// Capabilities as declared, Jacobians against the VJP, finite differences when smooth, the learner
// contract under every workspace rule that can train lstm, and every vector naming lstm.
await describeCellConformance(lstm, { vectors: { fixtures: [resolve(__dirname, '__fixtures__')] } });

describe('lstm conformance', () => {
  it('per-neuron Jacobians agree with the VJP', () => {
    const r = checkCellJacobians(createLstm(5));
    expect(r.errors).toBeDefined();
    expect(r.ok).toBe(true);
  });
  it('also with saturating currents and another seed', () => {
    expect(checkCellJacobians(createLstm(3), { seed: 11, currentScale: 4, batch: 2 }).ok).toBe(true);
  });
  it('has the capabilities its registry entry claims', () => {
    const cell = lstm.create(3);
    expect(cell.capabilities).toEqual(lstm.capabilities);
    expect(cell.stateSize).toBe(1);
    expect(cell.gates).toBe(4);
    expect(cell.spiking).toBe(false);
    expect(cell.splitsRecurrentCurrent).toBe(false);
    expect(cell.biases).toEqual([{ name: 'b', adds: 'input' }]);
  });
});

describe('lstm options', () => {
  it('rejects unknown options and bad sizes', () => {
    expect(() => createLstm(3, { forgetBias: 1 } as never)).toThrow(/lstm option "forgetBias"/);
    expect(() => createLstm(0)).toThrow(/positive integer/);
    expect(() => createLstm(2.5)).toThrow(/positive integer/);
  });
  it('accepts no options and an empty object', () => {
    expect(createLstm(2).options).toEqual({});
    expect(lstm.create(2, {}).neurons).toBe(2);
  });
});
