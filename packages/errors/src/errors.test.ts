import { describe, expect, it } from 'vitest';
import { assertFinite, assertShape, InvalidArgumentError, NonFiniteError, rejectUnknownOptions, ShapeError, SnnError, UnknownNameError } from './index';

describe('errors', () => {
  it('ShapeError names the argument and both shapes', () => {
    const e = new ShapeError('x', [2, -1], [3, 4]);
    expect(e.message).toBe('x has shape [3, 4] but [2, *] was expected');
    expect(ShapeError.isInstance(e)).toBe(true);
    expect(SnnError.isInstance(e)).toBe(true);
    expect(UnknownNameError.isInstance(e)).toBe(false);
    expect(e.name).toBe('ShapeError');
  });
  it('isInstance works across copies through the global marker', () => {
    const foreign = Object.assign(new Error('x'), { code: 'SHAPE', [Symbol.for('@snn/errors')]: true });
    expect(ShapeError.isInstance(foreign)).toBe(true);
    expect(ShapeError.isInstance(new Error('plain'))).toBe(false);
  });
  it('assertFinite reports the first bad index', () => {
    expect(() => assertFinite('w', [1, 2, NaN, Infinity], 7)).toThrow(/w holds NaN at flat index 2 \(time step 7\)/);
    try {
      assertFinite('w', new Float32Array([0, Infinity]));
    } catch (e) {
      expect(NonFiniteError.isInstance(e) && e.index).toBe(1);
    }
    expect(() => assertFinite('ok', [0, 1])).not.toThrow();
  });
  it('assertShape accepts wildcards and rejects rank mismatches', () => {
    expect(() => assertShape('a', [2, 3], [2, -1])).not.toThrow();
    expect(() => assertShape('a', [2, 3], [2, 3, 1])).toThrow(ShapeError);
    expect(() => assertShape('a', [2, 3], [3, 3], 'rows are post-synaptic')).toThrow(/rows are post-synaptic/);
  });
  it('UnknownNameError lists what is available', () => {
    expect(new UnknownNameError('cell', 'lifx', ['lif', 'alif']).message).toBe('unknown cell "lifx"; available: lif, alif');
  });
  it('rejectUnknownOptions names the first unknown key and lists the valid ones', () => {
    expect(() => rejectUnknownOptions('lif', { alpha: 1, tau: 2 }, ['alpha', 'theta'])).toThrow(
      'lif option "tau": unknown option; valid options: alpha, theta',
    );
    expect(() => rejectUnknownOptions('lif', { tau: 2 }, new Set(['alpha']))).toThrow(InvalidArgumentError);
    expect(() => rejectUnknownOptions('lif', { alpha: 1 }, ['alpha'])).not.toThrow();
    expect(() => rejectUnknownOptions('lif', undefined, ['alpha'])).not.toThrow();
  });
});
