import { describe, expect, it } from 'vitest';
import type { StepInput } from '@snn/protocol';
import { createNetwork, listCells, registerCell, type Network } from '@snn/core';
import { lstm } from '@snn/lstm';
import { lif } from '@snn/lif';
import { BackpropWindow, checkEmitOption, ForwardStep, presynapticGroups, weightMirror } from './index';

if (!listCells().includes('lstm')) registerCell(lstm);
if (!listCells().includes('lif')) registerCell(lif);

const B = 2;
const T = 6;
const I = 3;

function sequence(seed: number): StepInput[] {
  const steps: StepInput[] = [];
  for (let t = 0; t < T; t++) {
    const x = new Float64Array(B * I).map((_, i) => Math.sin(seed + 1.7 * t + 0.9 * i));
    steps.push({ x, offset: 0, rowStride: I, targets: new Int32Array([t % 2, 1]), lossWeight: t >= 2 ? 1 : 0 });
  }
  return steps;
}

function smoothNetwork(): Network {
  return createNetwork({ inputs: I, outputs: 2, layers: [{ cell: 'lstm', neurons: 3 }, { cell: 'lstm', neurons: 2 }], readout: { kappa: 0.7 } }, { dtype: 'float64', seed: 3 });
}

/** The sequence loss through the forward-mode step (no stored window). */
function forwardLoss(network: Network, steps: StepInput[]): number {
  const f = new ForwardStep(network);
  f.begin(B);
  for (const s of steps) {
    f.forward(s);
    f.advance();
  }
  return f.lossSum;
}

describe('BackpropWindow', () => {
  it('has the same loss as ForwardStep and the gradient of finite differences (smooth LSTM stack)', () => {
    const network = smoothNetwork();
    const steps = sequence(1);
    const window = new BackpropWindow(network);
    window.begin(B);
    for (const s of steps) window.forward(s);
    expect(window.lossSum).toBeCloseTo(forwardLoss(network, steps), 12);
    const gradients = window.backward();
    const params = new Map(network.parameters().map((p) => [p.name, p.data]));
    let checked = 0;
    for (const [name, g] of gradients) {
      const data = params.get(name)!;
      for (const i of [0, Math.floor(data.length / 2), data.length - 1]) {
        const h = 1e-6;
        const keep = data[i]!;
        data[i] = keep + h;
        network.markUpdated();
        const up = forwardLoss(network, steps);
        data[i] = keep - h;
        network.markUpdated();
        const down = forwardLoss(network, steps);
        data[i] = keep;
        network.markUpdated();
        expect(g[i]!).toBeCloseTo((up - down) / (2 * h), 6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('backward(k) equals the sum of windows of k steps chained by carryOver', () => {
    const network = smoothNetwork();
    const steps = sequence(2);
    const k = 3;
    const whole = new BackpropWindow(network);
    whole.begin(B);
    for (const s of steps) whole.forward(s);
    const truncated = new Map([...whole.backward(k)].map(([n, g]) => [n, Float64Array.from(g)]));
    const chunks = new BackpropWindow(network);
    chunks.begin(B);
    const sum = new Map([...truncated.keys()].map((n) => [n, new Float64Array(truncated.get(n)!.length)]));
    for (let t = 0; t < T; t += k) {
      for (const s of steps.slice(t, t + k)) chunks.forward(s);
      for (const [n, g] of chunks.backward()) sum.get(n)!.forEach((v, i, a) => (a[i] = v + g[i]!));
      chunks.carryOver();
    }
    let nonzero = 0;
    for (const [n, g] of truncated) {
      g.forEach((v, i) => {
        expect(v).toBeCloseTo(sum.get(n)![i]!, 12);
        if (v !== 0) nonzero++;
      });
    }
    expect(nonzero).toBeGreaterThan(0);
  });
});

describe('forward-mode pieces', () => {
  it('presynapticGroups lays out [x | y_{t-1} | 1] for a recurrent LIF layer', () => {
    const network = createNetwork({ inputs: 4, outputs: 2, layers: [{ cell: 'lif', neurons: 5 }] }, { dtype: 'float64' });
    const [group, ...rest] = presynapticGroups(network.layers[0]!);
    expect(rest).toHaveLength(0);
    expect(group!.kind).toBe('input');
    expect(group!.xColumn).toBe(0);
    expect(group!.yColumn).toBe(4);
    expect(group!.width).toBe(4 + 5 + (group!.biasColumn >= 0 ? 1 : 0));
  });

  it('checkEmitOption defaults to sequence and rejects unknown values and keys', () => {
    const known = new Set(['emit']);
    expect(checkEmitOption('r', {}, known)).toBe('sequence');
    expect(checkEmitOption('r', { emit: 'step' }, known)).toBe('step');
    expect(() => checkEmitOption('r', { emit: 'often' }, known)).toThrow(/emit/);
    expect(() => checkEmitOption('r', { other: 1 }, known)).toThrow(/other/);
  });
});

describe('weightMirror', () => {
  it('is shared per (ops, network) and follows weight updates', () => {
    const network = createNetwork({ inputs: I, outputs: 2, layers: [{ cell: 'lif', neurons: 4 }] }, { dtype: 'float32', seed: 1 });
    const steps = sequence(4);
    const a = new ForwardStep(network);
    expect(weightMirror(network, a.ops)).toBe(weightMirror(network, a.ops));
    const run = (f: ForwardStep) => {
      f.begin(B);
      for (const s of steps) {
        f.forward(s);
        f.advance();
      }
      return f.lossSum;
    };
    const before = run(a);
    const w = network.layers[0]!.inputWeights.data;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * 1.5 + 0.1;
    network.markUpdated();
    const after = run(a);
    expect(after).not.toBe(before);
    // A fresh step (fresh mirrors) sees the same weights as the refreshed one.
    expect(run(new ForwardStep(network))).toBe(after);
  });
});
