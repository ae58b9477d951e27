import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNetwork, listCells, listRules, registerCell, registerRule, type Network } from '@snn/core';
import { bptt } from '@snn/bptt';
import { lif } from '@snn/lif';
import { alif } from '@snn/alif';
import { brf } from '@snn/brf';
import { checkCellJacobians, parseGradientVector, relativeError, ruleGradients, runGradientVector } from '@snn/testing';
import { describeCellConformance } from '@snn/testing/vitest';
import { InvalidArgumentError, NonFiniteError } from '@snn/errors';
import type { CellDefinition } from '@snn/protocol';
import { defineCell, definedAlif, definedBrf, definedLif } from './index';

const register = (d: CellDefinition<any>) => {
  if (!listCells().includes(d.name)) registerCell(d);
};
[lif, alif, brf, definedLif, definedAlif, definedBrf].forEach(register);
if (!listRules().includes('bptt')) registerRule(bptt);

function randomData(seed: number, B: number, T: number, I: number, scale: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const x = new Float64Array(B * T * I);
  for (let i = 0; i < x.length; i++) x[i] = rnd() < 0.3 ? scale * rnd() : 0;
  const targets = Int32Array.from({ length: B }, (_, b) => b % 3);
  const lossMask = Array.from({ length: T }, (_, t) => (t >= T / 3 ? 1 : 0.25));
  return { x, batch: B, steps: T, targets, lossMask };
}

/** Two networks of the same shape, the second with the first's parameters. */
function twins(hand: string, derived: string, layers: Array<{ neurons: number; recurrent?: boolean }>, seed: number, inputs: number, cellOptions?: Record<string, unknown>) {
  const spec = (cell: string) => ({ inputs, outputs: 3, layers: layers.map((l) => ({ cell, ...l, cellOptions })), readout: { kappa: 0.8 } });
  const a = createNetwork(spec(hand), { dtype: 'float64', seed, init: { inputScale: 3, recurrentScale: 0.8 } });
  const b = createNetwork(spec(derived), { dtype: 'float64', seed: seed + 100 });
  for (const p of a.parameters()) b.setParameter(p.name, p.data, p.shape);
  return [a, b] as const;
}

function worstGradientError(a: Network, b: Network, data: ReturnType<typeof randomData>) {
  const ga = ruleGradients(a, 'bptt', data);
  const gb = ruleGradients(b, 'bptt', data);
  let worst = 0;
  let nonzero = 0;
  for (const [name, g] of ga) {
    worst = Math.max(worst, relativeError(gb.get(name)!, g));
    for (const v of g) if (v !== 0) nonzero++;
  }
  return { worst, nonzero, names: [...ga.keys()] };
}

describe('defineCell LIF, ALIF and BRF give the hand-written BPTT gradients (float64, rel < 1e-9)', () => {
  const cases: Array<[string, string, string, Record<string, unknown> | undefined, number]> = [
    ['lif', 'lif', 'defined-lif', undefined, 2],
    ['lif (alpha 0.8, theta 0.5)', 'lif', 'defined-lif', { alpha: 0.8, theta: 0.5 }, 2],
    ['alif', 'alif', 'defined-alif', undefined, 2],
    ['alif (beta 0.5)', 'alif', 'defined-alif', { beta: 0.5, theta: 0.4 }, 2],
    ['brf', 'brf', 'defined-brf', undefined, 60],
  ];
  for (const [label, hand, derived, options, scale] of cases) {
    for (const seed of [1, 2, 3]) {
      it(`${label}, single recurrent layer, seed ${seed}`, () => {
        const [a, b] = twins(hand, derived, [{ neurons: 7 }], seed, 4, options);
        const r = worstGradientError(a, b, randomData(seed, 3, 25, 4, scale));
        expect(r.nonzero).toBeGreaterThan(10);
        expect(r.worst).toBeLessThan(1e-9);
      });
    }
    it(`${label}, three layers (recurrent, feed-forward, recurrent)`, () => {
      const [a, b] = twins(hand, derived, [{ neurons: 5 }, { neurons: 4, recurrent: false }, { neurons: 6 }], 7, 3, options);
      const r = worstGradientError(a, b, randomData(9, 4, 20, 3, scale));
      expect(r.worst).toBeLessThan(1e-9);
    });
  }
});

const shared = process.env.SNN_VECTORS ?? resolve(__dirname, '../../../../shared/vectors');
const vectorFiles = existsSync(shared) ? readdirSync(shared).filter((f) => /^(stack-)?(lif|alif|brf)-.*bptt-kappa/.test(f) && !/tbptt/.test(f)) : [];

describe('shared bptt gradient vectors with the defined cells', () => {
  it('finds vectors', () => {
    if (existsSync(shared)) expect(vectorFiles.length).toBeGreaterThan(0);
  });
  it.each(vectorFiles.flatMap((f) => [[f, 'float32'] as const, [f, 'float64'] as const]))('%s in %s', (file, dtype) => {
    const vector = parseGradientVector(JSON.parse(readFileSync(join(shared, file), 'utf8')), file);
    const renamed = { ...vector, cell: `defined-${vector.cell}` };
    const r = runGradientVector(renamed, { dtype, file });
    expect(r.message ?? '').toBe('');
    expect(r.status).toBe('pass');
    expect(r.worst!.relativeError).toBeLessThan(dtype === 'float64' ? 1e-8 : 1e-3);
  });
});

// The defined cells are workspace cells like any other: each is paired with every rule that can train
// it, its derived Jacobians checked against its derived VJP (BRF with spiking currents), and the
// vectors naming it run (the renamed lif/alif/brf vectors above run the hand-written cells' ones).
for (const [def, currentScale] of [[definedLif, 1.5], [definedAlif, 1.5], [definedBrf, 80]] as const) {
  await describeCellConformance(def, { jacobians: [1, 2, 3].map((seed) => ({ seed, currentScale })) });
}

describe('derived Jacobians agree with the derived VJP', () => {
  it('diagonal Jacobian is detected', () => {
    expect(definedLif.capabilities.diagonalJacobian).toBe(true);
    expect(definedAlif.capabilities.diagonalJacobian).toBe(false);
    expect(definedBrf.capabilities.diagonalJacobian).toBe(false);
  });
  it('blocks J, D, C, P equal the hand-written ones at the same states', () => {
    for (const [hand, derived, scale] of [[lif, definedLif, 1.5], [alif, definedAlif, 1.5], [brf, definedBrf, 80]] as const) {
      const H = 6;
      const B = 3;
      const h = hand.create(H);
      const c = derived.create(H);
      const d = h.stateSize;
      const nP = h.neuronParameters.length;
      let seed = 11;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const params = h.initNeuronParameters?.('float64', rnd) ?? {};
      const f = (n: number) => new Float64Array(n);
      const prevState = Float64Array.from({ length: d * B * H }, () => rnd() - 0.5);
      const prevOutput = Float64Array.from({ length: B * H }, () => (rnd() < 0.5 ? 1 : 0));
      const inputCurrent = Float64Array.from({ length: B * H }, () => scale * (2 * rnd() - 1));
      const run = (cell: typeof h) => {
        const args = { batch: B, inputCurrent, recurrentCurrent: null, prevState, prevOutput, state: f(d * B * H), output: f(B * H), tape: f(B * H), params };
        cell.step(args);
        const j = { ...args, J: f(B * H * d * d), D: f(B * H * d), Drec: null, C: f(B * H * d), CI: f(B * H), CIrec: null, P: f(B * H * d * Math.max(1, nP)), CP: f(B * H * Math.max(1, nP)) };
        cell.jacobians!(j);
        return j;
      };
      const a = run(h);
      const b = run(c);
      expect(Array.from(b.state)).toEqual(Array.from(a.state));
      expect(Array.from(b.output)).toEqual(Array.from(a.output));
      for (const block of ['J', 'D', 'C', 'CI', 'P', 'CP'] as const) {
        expect(relativeError(b[block], a[block]), `${hand.name} ${block}`).toBeLessThan(1e-12);
      }
    }
  });
});

/** A smooth user cell: two coupled leaky units with a tanh output and trainable gains. */
const smoothUser = defineCell({
  name: 'user-smooth',
  state: ['x', 'w'],
  parameters: { gain: { init: (r) => 0.5 + r() }, leak: { init: 0.7 } },
  constants: { coupling: 0.3 },
  output: { smooth: (s, p, _k, m) => m.tanh(m.mul(p.gain, s.x)) },
  step: (s, I, p, k, yPrev, m) => ({
    x: m.add(m.mul(m.sigmoid(p.leak), s.x), m.mul(k.coupling, m.tanh(s.w)), I, m.mul(-0.2, yPrev)),
    w: m.add(m.mul(0.9, s.w), m.div(m.square(s.x), m.add(1, m.exp(p.leak))), m.mul(0.1, m.max(s.x, 0.1))),
  }),
});
register(smoothUser);

// A smooth cell written with defineCell gets finite differences (every parameter, incl. neuron-wise
// ones), the Jacobian check and every rule's learner contract from one call.
await describeCellConformance(smoothUser, { vectors: false, jacobians: [{ seed: 2 }] });

describe('a smooth user-defined cell', () => {
  it('math.detach and math.spike inside the dynamics (SE-adLIF-like hard reset)', () => {
    const resetCell = defineCell({
      name: 'user-hard-reset',
      state: ['u', 'w'],
      parameters: { alpha: { init: 0.9 } },
      constants: { theta: 1, q: 2 },
      output: { spike: (s, _p, k, m) => m.sub(s.u, 0) , surrogate: { name: 'slayer-exp', alpha: 5, c: 0.4 } },
      step: (s, I, p, k, _y, m) => {
        const ut = m.add(m.mul(p.alpha, s.u), m.mul(m.sub(1, p.alpha), m.sub(I, s.w)));
        const z = m.spike(m.sub(ut, k.theta));
        const u = m.mul(ut, m.detach(m.sub(1, z)));
        return { u, w: m.add(m.mul(0.95, s.w), m.mul(0.05 * k.q, m.add(u, z))) };
      },
    });
    const r = checkCellJacobians(resetCell.create(4), { seed: 3, currentScale: 3 });
    expect(r.ok, JSON.stringify(r.errors)).toBe(true);
  });
});

describe('helpful errors', () => {
  const base = {
    name: 'bad',
    state: ['v'] as const,
    output: { spike: (s: any) => s.v },
    step: (s: any, I: any) => ({ v: s.v.add(I) }),
  };
  it('unknown state variable returned from step', () => {
    expect(() => defineCell({ ...base, step: (s: any, I: any) => ({ v: s.v, q: I }) } as any)).toThrow(/step returned unknown state variable "q"; the state is \[v\]/);
  });
  it('missing state variable', () => {
    expect(() => defineCell({ ...base, state: ['v', 'u'], step: (s: any) => ({ v: s.v }) } as any)).toThrow(/did not return state variable "u"/);
  });
  it('missing output', () => {
    expect(() => defineCell({ ...base, output: undefined } as any)).toThrow(InvalidArgumentError);
    expect(() => defineCell({ ...base, output: undefined } as any)).toThrow(/missing `output`/);
    expect(() => defineCell({ ...base, output: {} } as any)).toThrow(/exactly one of `spike` or `smooth`/);
  });
  it('parameter names that collide with the network parameters', () => {
    expect(() => defineCell({ ...base, parameters: { b: { init: 1 } } } as any)).toThrow(/parameter name "b" is taken by the layer's own parameters/);
  });
  it('JS operators on traced values', () => {
    expect(() => defineCell({ ...base, step: (s: any, I: any) => ({ v: s.v * 2 + I }) } as any)).toThrow(/JS operator/);
  });
  it('unknown options and non-numeric constants', () => {
    expect(() => definedLif.create(3, { tau: 3 } as any)).toThrow(/defined-lif option "tau": unknown option; valid options: alpha, theta, surrogate/);
    expect(() => definedLif.create(3, { alpha: 'x' } as any)).toThrow(/must be a finite number/);
  });
  it('NaN produced by the dynamics', () => {
    const logCell = defineCell({ name: 'bad-log', state: ['v'], output: { smooth: (s) => s.v }, step: (s, I, _p, _k, _y, m) => ({ v: m.log(I) }) });
    const cell = logCell.create(2);
    const f = () => new Float64Array(2);
    const args = { batch: 1, inputCurrent: Float64Array.from([1, -1]), recurrentCurrent: null, prevState: f(), prevOutput: f(), state: f(), output: f(), tape: f(), params: {} };
    expect(() => cell.step(args)).toThrow(NonFiniteError);
    expect(() => cell.step(args)).toThrow(/cell "bad-log": state "v" computed by step\(\) for \[batch 0, neuron 1\]/);
  });
  it('parameters out of their domain (BRF dt |omega| > 1)', () => {
    const cell = definedBrf.create(2);
    const f = () => new Float64Array(6);
    const args = { batch: 1, inputCurrent: new Float64Array(2), recurrentCurrent: null, prevState: f(), prevOutput: f(), state: f(), output: f(), tape: f(), params: { omega: Float64Array.from([5, 150]), b_offset: Float64Array.from([1, 1]) } };
    expect(() => cell.step(args)).toThrow(/defined-brf neuron 1: an expression of its parameters \(omega = 150, b_offset = 1\) is not finite/);
  });
});
