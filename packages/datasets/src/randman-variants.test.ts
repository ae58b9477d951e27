import { describe, expect, it } from 'vitest';
import { createRandman, getDataset } from './index';

const small = { seed: 3, classes: 3, inputs: 8, steps: 20, samplesPerClass: 10 };

describe('T- and R-Randman (datasets.md 4.3)', () => {
  it('time encoding is the default: one spike per unit', () => {
    const t = getDataset('t-randman', small);
    const plain = createRandman(small);
    expect(Buffer.from(t.x.buffer).equals(Buffer.from(plain.x.buffer))).toBe(true);
  });
  it('rate encoding keeps the count floor(y T) + 1 of the time code, and destroys the timing', () => {
    const time = createRandman(small);
    const rate = createRandman({ ...small, encoding: 'rate' });
    const { size, steps, inputs } = time;
    expect([...rate.labels]).toEqual([...time.labels]);
    let differentTiming = 0;
    for (let n = 0; n < size; n++) {
      for (let j = 0; j < inputs; j++) {
        let spikeAt = -1;
        let count = 0;
        let lastOn = -1;
        for (let t = 0; t < steps; t++) {
          if (time.x[(n * steps + t) * inputs + j] === 1) spikeAt = t;
          if (rate.x[(n * steps + t) * inputs + j] === 1) {
            count++;
            lastOn = t;
          }
        }
        expect(count).toBe(spikeAt + 1);
        if (count < steps && lastOn !== count - 1) differentTiming++;
      }
    }
    // A prefix "on for t <= step" would give lastOn = count - 1 everywhere; the permutation breaks it.
    expect(differentTiming).toBeGreaterThan(size * inputs * 0.5);
  });
  it('is byte-identical under the same seed and rejects unknown encodings', () => {
    const a = getDataset('r-randman', small);
    const b = getDataset('r-randman', small);
    expect(Buffer.from(a.x.buffer).equals(Buffer.from(b.x.buffer))).toBe(true);
    expect(() => createRandman({ ...small, encoding: 'phase' as never })).toThrow(/'time' \(T-Randman\) or 'rate' \(R-Randman\)/);
  });
});
