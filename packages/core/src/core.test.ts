import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CellDefinition, CellStepArgs, CellV1 } from '@snn/protocol';
import {
  clipGradients,
  createAdam,
  createLearner,
  createNetwork,
  createSgd,
  crossEntropyStep,
  forwardSequence,
  loadCheckpoint,
  registerCell,
  registerRule,
  saveCheckpoint,
  listCells,
} from './index';

// A minimal leaky cell (y = s): enough to exercise networks without depending on a cell package.
class LeakyCell implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'leaky-test';
  readonly stateSize = 1;
  readonly stateNames = ['s'];
  readonly gates = 1;
  readonly spiking = false;
  readonly splitsRecurrentCurrent = false;
  readonly biases = [{ name: 'b', adds: 'input' as const }];
  readonly neuronParameters = [];
  readonly tapeSize = 0;
  readonly capabilities = { vjp: false, jacobians: false, diagonalJacobian: true };
  readonly options = {};
  constructor(readonly neurons: number) {}
  step(a: CellStepArgs): void {
    for (let i = 0; i < a.batch * this.neurons; i++) {
      a.state[i] = 0.5 * a.prevState[i]! + a.inputCurrent[i]!;
      a.output[i] = a.state[i]!;
    }
  }
}
const leaky: CellDefinition = {
  kind: 'cell',
  specificationVersion: 'v1',
  name: 'leaky-test',
  description: 'test',
  capabilities: { vjp: false, jacobians: false, diagonalJacobian: true },
  create: (n) => new LeakyCell(n),
};
if (!listCells().includes('leaky-test')) registerCell(leaky);

describe('network', () => {
  it("takes the CLI's dtype spellings and refuses others instead of training in float32", () => {
    const spec = { inputs: 3, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 4 }] };
    const f64 = createNetwork(spec, { dtype: 'f64' });
    expect(f64.dtype).toBe('float64');
    expect(f64.parameters().every((p) => p.data instanceof Float64Array)).toBe(true);
    expect(createNetwork(spec, { dtype: 'f32' }).parameters()[0]!.data).toBeInstanceOf(Float32Array);
    expect(() => createNetwork(spec, { dtype: 'float16' as 'f32' })).toThrow(/"float16" is not a dtype; use f32/);
  });
  it('refuses sizes that cannot fit before allocating anything', () => {
    const started = Date.now();
    expect(() => createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 1e6 }] })).toThrow(/layers: 1 layer\(s\) of 1000000 neurons need 1.00e\+12 weights/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
  it('names parameters like the vectors, flat for one layer and prefixed for stacks', () => {
    const one = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 4 }] });
    expect(one.parameters().map((p) => `${p.name}[${p.shape}]`)).toEqual(['W_in[4,3]', 'W_rec[4,4]', 'b[4]', 'W_out[2,4]', 'b_out[2]']);
    const two = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 4 }, { cell: 'leaky-test', neurons: 5, recurrent: false }] });
    expect(two.parameters().map((p) => p.name)).toEqual(['l0.W_in', 'l0.W_rec', 'l0.b', 'l1.W_in', 'l1.b', 'W_out', 'b_out']);
    expect(two.parameter('l1.W_in').shape).toEqual([5, 4]);
  });
  it('is deterministic under a seed', () => {
    const a = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 4 }] }, { seed: 7 });
    const b = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 4 }] }, { seed: 7 });
    const c = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 4 }] }, { seed: 8 });
    expect([...a.parameter('W_in').data]).toEqual([...b.parameter('W_in').data]);
    expect([...a.parameter('W_in').data]).not.toEqual([...c.parameter('W_in').data]);
  });
  it('gives typed errors for unknown cells, bad sizes, wrong parameter shapes and NaN values', () => {
    expect(() => createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'nope', neurons: 4 }] })).toThrow(/unknown cell "nope"; available: .*leaky-test/);
    expect(() => createNetwork({ inputs: 0, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 4 }] })).toThrow(/inputs: must be a positive integer/);
    const net = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 4 }] });
    expect(() => net.setParameter('W_in', new Array(12).fill(0), [3, 4])).toThrow(/W_in has shape \[3, 4\] but \[4, 3\] was expected/);
    expect(() => net.setParameter('W_in', [1, 2])).toThrow(/W_in has shape/);
    expect(() => net.setParameter('b', [0, NaN, 0, 0])).toThrow(/b holds NaN at flat index 1/);
    expect(() => net.parameter('W_hidden')).toThrow(/unknown parameter "W_hidden"; available: W_in, W_rec/);
  });
});

describe('forward', () => {
  it('computes the readout and loss of a hand-checkable network', () => {
    const net = createNetwork({ inputs: 1, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 1 }], readout: { kappa: 0.5 } }, { dtype: 'float64' });
    net.setParameter('W_in', [1]);
    net.setParameter('W_rec', [0]);
    net.setParameter('b', [0]);
    net.setParameter('W_out', [1, -1]);
    net.setParameter('b_out', [0, 0]);
    // s = [1, 0.5 + 1 = 1.5]; o1 = [1, -1], o2 = [0.5 + 1.5, -0.5 - 1.5] = [2, -2]
    const r = forwardSequence(net, { x: new Float64Array([1, 1]), batch: 1, steps: 2, targets: new Int32Array([0]) }, { recordOutputs: true });
    const ce = (o: number) => Math.log(1 + Math.exp(-2 * o));
    expect(r.loss).toBeCloseTo(ce(1) + ce(2), 12);
    expect([...r.outputs![0]!]).toEqual([1, 1.5]);
    expect(r.predictions[0]).toBe(0);
  });
  it('rejects wrong shapes, bad targets and NaN inputs', () => {
    const net = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 3 }] });
    const ok = { x: new Float32Array(2 * 3 * 2), batch: 2, steps: 3, targets: new Int32Array([0, 1]) };
    expect(() => forwardSequence(net, { ...ok, x: new Float32Array(5) })).toThrow(/x has shape \[5\] but \[2, 3, 2\] was expected/);
    expect(() => forwardSequence(net, { ...ok, targets: new Int32Array([0, 2]) })).toThrow(/targets\[1\] = 2 is not a class index/);
    const x = new Float32Array(12);
    x[7] = NaN;
    expect(() => forwardSequence(net, { ...ok, x })).toThrow(/x holds NaN at flat index 7/);
    expect(() => forwardSequence(net, { ...ok, lossMask: [1, 1] })).toThrow(/lossMask has shape \[2\]/);
  });
});

describe('cross entropy', () => {
  it('matches a naive softmax and its gradient', () => {
    const o = new Float64Array([1, 2, 3, -1, 0, 4]);
    const grad = new Float64Array(6);
    const loss = crossEntropyStep(o, 2, 3, new Int32Array([2, 0]), 0.5, grad);
    const ref = (row: number[], c: number) => -Math.log(Math.exp(row[c]!) / row.reduce((s, v) => s + Math.exp(v), 0));
    expect(loss).toBeCloseTo((0.5 / 2) * (ref([1, 2, 3], 2) + ref([-1, 0, 4], 0)), 12);
    const p0 = Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(grad[0]).toBeCloseTo(0.25 * p0, 12);
    expect(grad[0]! + grad[1]! + grad[2]!).toBeCloseTo(0, 12);
  });
});

describe('optimizers', () => {
  const param = () => ({ name: 'w', shape: [2], data: new Float64Array([1, -1]) });
  it('export and import their whole state, so a restored optimizer continues bit for bit', () => {
    for (const make of [(p: ReturnType<typeof param>) => createAdam([p], { learningRate: 0.1 }), (p: ReturnType<typeof param>) => createSgd([p], { learningRate: 0.1, momentum: 0.9 })]) {
      const grads = [0.5, -2, 0.25, 3, -1, 0.1].map((g, i) => new Map([['w', new Float64Array([g, -g * (i + 1)])]]));
      const straight = param();
      const a = make(straight);
      grads.forEach((g) => a.step(g));
      const first = param();
      const b = make(first);
      grads.slice(0, 3).forEach((g) => b.step(g));
      const saved = b.exportState();
      const resumed = { ...param(), data: first.data.slice() };
      const c = make(resumed);
      c.importState(saved);
      grads.slice(3).forEach((g) => c.step(g));
      expect([...resumed.data]).toEqual([...straight.data]);
    }
    const p = param();
    const adam = createAdam([p], { learningRate: 0.1 });
    expect(() => adam.importState({ name: 'sgd', step: 0, slots: {} })).toThrow(/saved by optimizer "sgd", this one is "adam"/);
    expect(() => adam.importState({ name: 'adam', step: 1, slots: { w: [new Float64Array(3), new Float64Array(3)] } })).toThrow(/holds 3 values, the parameter has 2/);
    expect(() => adam.importState({ name: 'adam', step: 1, slots: { nope: [] } })).toThrow(/nope/);
  });
  it('adam takes a first step of lr * sign(g)', () => {
    const p = param();
    const opt = createAdam([p], { learningRate: 0.1 });
    opt.step(new Map([['w', new Float64Array([0.5, -2])]]));
    expect(p.data[0]).toBeCloseTo(0.9, 6);
    expect(p.data[1]).toBeCloseTo(-0.9, 6);
  });
  it('sgd with momentum accumulates velocity', () => {
    const p = param();
    const opt = createSgd([p], { learningRate: 0.1, momentum: 0.9 });
    const g = () => new Map([['w', new Float64Array([1, 0])]]);
    opt.step(g());
    opt.step(g());
    expect(p.data[0]).toBeCloseTo(1 - 0.1 - 0.1 * 1.9, 12);
  });
  it('clips the global norm', () => {
    const g = new Map([['a', new Float64Array([3, 4])]]);
    expect(clipGradients(g, { maxNorm: 1 })).toBeCloseTo(0.2, 12);
    expect([...g.get('a')!]).toEqual([0.6000000000000001, 0.8]);
  });
  it('scales the learning rate per parameter; 0 freezes it and keeps it out of the clipping', () => {
    const w = param();
    const v = { name: 'v', shape: [1], data: new Float64Array([5]) };
    const u = { name: 'u', shape: [1], data: new Float64Array([2]) };
    const opt = createSgd([w, v, u], { learningRate: 0.1, learningRateScale: { w: 0.5, v: 0 }, maxNorm: 1 });
    // v's gradient is huge: were it counted, the clip would shrink w's and u's steps by ~1000.
    opt.step(new Map([['w', new Float64Array([0.6, 0])], ['v', new Float64Array([1000])], ['u', new Float64Array([0.8])]]));
    expect(v.data[0]).toBe(5);
    expect(w.data[0]).toBeCloseTo(1 - 0.05 * 0.6, 12);
    expect(u.data[0]).toBeCloseTo(2 - 0.1 * 0.8, 12);
    const a = param();
    const adam = createAdam([a], { learningRate: 0.1, learningRateScale: { w: 0.01 } });
    adam.step(new Map([['w', new Float64Array([0.5, -2])]]));
    expect(a.data[0]).toBeCloseTo(1 - 0.001, 6);
  });
  it('rejects unknown names and bad values in learningRateScale', () => {
    expect(() => createAdam([param()], { learningRate: 0.1, learningRateScale: { beta: 0 } })).toThrow(/unknown parameter \(learningRateScale\) "beta"; available: w/);
    expect(() => createAdam([param()], { learningRate: 0.1, learningRateScale: { w: -1 } })).toThrow(/learningRateScale.w/);
    expect(() => createSgd([param()], { learningRate: 0.1, learningRateScale: { w: NaN } })).toThrow(/learningRateScale.w/);
  });
  it('rejects bad learning rates and unknown parameters', () => {
    expect(() => createAdam([param()], { learningRate: -1 })).toThrow(/adam.learningRate/);
    expect(() => createSgd([param()], { learningRate: 0.1 }).step(new Map([['v', new Float64Array(2)]]))).toThrow(/unknown parameter "v"/);
  });
});

describe('checkpoints', () => {
  it('round-trip parameters and metadata', () => {
    const net = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 4 }] }, { seed: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'snn-'));
    saveCheckpoint(join(dir, 'c.json'), net, { epoch: 2 });
    const { network, metadata } = loadCheckpoint(join(dir, 'c.json'));
    expect(metadata).toEqual({ epoch: 2 });
    for (const p of net.parameters()) expect([...network.parameter(p.name).data]).toEqual([...p.data]);
  });
  it('reject files that are not checkpoints', () => {
    expect(() => loadCheckpoint('/nonexistent/file.json')).toThrow(/checkpoint \/nonexistent\/file.json: cannot be read/);
  });
});

describe('registry', () => {
  it('refuses a rule for cells that lack what it needs', () => {
    registerRule(
      {
        kind: 'rule',
        specificationVersion: 'v1',
        name: 'needs-jacobians',
        description: 'test',
        requires: { capabilities: ['jacobians'] },
        cadence: 'step',
        create: () => {
          throw new Error('unreachable');
        },
      },
      { override: true },
    );
    const net = createNetwork({ inputs: 1, outputs: 2, layers: [{ cell: 'leaky-test', neurons: 2 }] });
    expect(() => createLearner('needs-jacobians', net, () => {})).toThrow(/rule "needs-jacobians" needs jacobians from its cell, which cell "leaky-test" does not provide/);
    expect(() => createLearner('nope', net, () => {})).toThrow(/unknown rule "nope"/);
  });
  it('refuses to silently replace a registered cell', () => {
    expect(() => registerCell({ ...leaky })).toThrow(/already registered/);
  });
});

describe('output-layer form (NetworkSpec.output)', () => {
  const spec = (output: { kind: 'spikes' } | { kind: 'leaky-sum'; kappa: number }) => ({
    inputs: 2,
    outputs: 3,
    layers: [{ cell: 'leaky-test', neurons: 4, recurrent: false }, { cell: 'leaky-test', neurons: 3, recurrent: false }],
    output,
  });
  it('has no readout parameters and reads the logits from the top layer', () => {
    const net = createNetwork(spec({ kind: 'spikes' }), { dtype: 'float64' });
    expect(net.parameters().map((p) => p.name)).toEqual(['l0.W_in', 'l0.b', 'l1.W_in', 'l1.b']);
    expect(net.outputKind).toBe('spikes');
    const x = Float64Array.from([0.5, -1, 2, 0.25]);
    const data = { x, batch: 1, steps: 2, targets: Int32Array.from([1]) };
    const f = forwardSequence(net, data, { recordOutputs: true });
    // logits are the top layer's outputs: recompute the loss from them
    const top = f.outputs![1]!;
    let loss = 0;
    for (let t = 0; t < 2; t++) loss += crossEntropyStep(top.subarray(t * 3, t * 3 + 3), 1, 3, data.targets, 1, null);
    expect(f.loss).toBeCloseTo(loss, 12);
    const leaky = createNetwork(spec({ kind: 'leaky-sum', kappa: 0.5 }), { dtype: 'float64' });
    const g = forwardSequence(leaky, data, { recordOutputs: true });
    const o2 = Float64Array.from([0, 1, 2].map((k) => 0.5 * g.outputs![1]![k]! + g.outputs![1]![3 + k]!));
    const expected = crossEntropyStep(g.outputs![1]!.subarray(0, 3), 1, 3, data.targets, 1, null) + crossEntropyStep(o2, 1, 3, data.targets, 1, null);
    expect(g.loss).toBeCloseTo(expected, 12);
  });
  it('rejects a top layer whose width is not the number of outputs, and a readout beside it', () => {
    const bad = { ...spec({ kind: 'spikes' }), layers: [{ cell: 'leaky-test', neurons: 4, recurrent: false }] };
    expect(() => createNetwork(bad)).toThrow(/needs 3 neurons/);
    expect(() => createNetwork({ ...spec({ kind: 'spikes' }), readout: { kappa: 0 } })).toThrow(/no readout/);
    expect(() => createNetwork(spec({ kind: 'bogus' } as never))).toThrow(/output.kind/);
  });
});
