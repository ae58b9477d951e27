import { describe, expect, it } from 'vitest';
import { createAccumulatingSink, createNetwork, streamBatch } from '@snn/core';
import { registerWorkspaceParts, relativeError, ruleGradients } from '@snn/testing';
import { UnsupportedError } from '@snn/errors';
import { Eligibility, FeedForwardOnlineLearner, ostlLayer, otttLayer, PresynapticTrace, SurrogateMean, checkFeedForwardNetwork } from '@snn/engine';

// lif and bptt by name, from the workspace packages that declare them.
await registerWorkspaceParts();

const dims = (batch: number, neurons: number, inputs: number, alpha: number) => ({ batch, neurons, inputs, alpha, allocate: (n: number) => new Float64Array(n) });

describe('trace primitives', () => {
  it('SurrogateMean is the normalised leaky mean sum alpha^(t-s) psi_s / sum alpha^(t-s)', () => {
    const alpha = 0.8;
    const mean = new SurrogateMean(dims(1, 2, 1, alpha));
    mean.reset();
    const psis: number[][] = [];
    for (let t = 0; t < 12; t++) {
      const psi = Float64Array.from([Math.abs(Math.sin(t)), Math.cos(t) ** 2]);
      psis.push([...psi]);
      mean.update(psi);
      for (let h = 0; h < 2; h++) {
        let num = 0;
        let den = 0;
        for (let s = 0; s <= t; s++) {
          num += alpha ** (t - s) * psis[s]![h]!;
          den += alpha ** (t - s);
        }
        expect(mean.values[h]).toBeCloseTo(num / den, 12);
      }
    }
  });
  it('PresynapticTrace filters with the layer decay; Eligibility follows e = J e + D pre', () => {
    const d = dims(1, 1, 2, 0.5);
    const a = new PresynapticTrace(d);
    const e = new Eligibility(d);
    a.update(Float64Array.from([1, 0]));
    a.update(Float64Array.from([0, 1]));
    expect([...a.values]).toEqual([0.5, 1]);
    e.update({ pre: Float64Array.from([1, 2]), psi: Float64Array.from([0]), leak: Float64Array.from([0.3]), gain: Float64Array.from([2]) });
    e.update({ pre: Float64Array.from([1, 0]), psi: Float64Array.from([0]), leak: Float64Array.from([0.3]), gain: Float64Array.from([2]) });
    expect([...e.weights].map((v) => +v.toFixed(12))).toEqual([0.3 * 2 + 2, 0.3 * 4]);
    expect(+e.bias[0]!.toFixed(12)).toBe(0.3 * 2 + 2);
  });
});

describe('FeedForwardOnlineLearner', () => {
  const cellOptions = (alpha: number) => ({ alpha, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 25 } });
  const net = (alpha: number) =>
    createNetwork(
      { inputs: 4, outputs: 3, layers: [6, 3].map((neurons) => ({ cell: 'lif', neurons, recurrent: false, cellOptions: cellOptions(alpha) })), output: { kind: 'spikes' } },
      { dtype: 'float64', seed: 2, init: { inputScale: 3 } },
    );
  const data = () => {
    const B = 2;
    const T = 15;
    const x = new Float64Array(B * T * 4).map((_, i) => (Math.sin(2.1 * i) > 0.2 ? 1 : 0));
    return { x, batch: B, steps: T, targets: Int32Array.from([0, 2]) };
  };
  it('a custom mix of layer rules equals BPTT when every layer is memoryless (alpha 0)', () => {
    const n = net(0);
    const sink = createAccumulatingSink(n);
    streamBatch(n, new FeedForwardOnlineLearner('mix', n, sink, [otttLayer, ostlLayer]), data());
    const ref = ruleGradients(n, 'bptt', data());
    for (const [name, g] of ref) expect(relativeError(sink.total.get(name)!, g), name).toBeLessThan(1e-10);
    expect(Math.max(...Array.from(ref.get('l0.W_in')!, Math.abs))).toBeGreaterThan(0);
  });
  it('needs one layer rule per layer and feed-forward LIF-like layers', () => {
    const n = net(0.9);
    expect(() => new FeedForwardOnlineLearner('mix', n, () => {}, [ostlLayer])).toThrow(/1 given for 2 layers/);
    const rec = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'lif', neurons: 2, cellOptions: cellOptions(0.9) }] });
    expect(() => checkFeedForwardNetwork('mix', rec)).toThrow(UnsupportedError);
    expect(checkFeedForwardNetwork('mix', n)).toEqual([0.9, 0.9]);
  });
});
