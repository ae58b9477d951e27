import { describe, expect, it } from 'vitest';
import { createNetwork, registerCell, registerRule, listCells, type CellVjpArgs, type RuleDefinition, type Network } from '@snn/core';
import { FormatError } from '@snn/errors';
import { checkCellJacobians, finiteDifferenceGradients, parseGradientVector, runGradientVector, SmoothTestCell, smoothTestCell } from './index';

const tinyVector = () => ({
  id: 'toy',
  cell: 'smooth-test',
  cellOptions: {},
  readout: { kappa: 0.5 },
  rule: { name: 'fd-oracle' },
  sizes: { batch: 1, steps: 2, inputs: 1, hidden: 1, outputs: 2 },
  params: {},
  x: { shape: [1, 2, 1], data: [1, 0.5] },
  target: { shape: [1], data: [1] },
  lossMask: { shape: [2], data: [1, 1] },
  expected: { loss: 1, grads: {} },
});

describe('vector format', () => {
  it('parses a well-formed vector', () => {
    const v = parseGradientVector(tinyVector(), 'toy.json');
    expect(v.sizes.hidden).toBe(1);
    expect(v.rule.name).toBe('fd-oracle');
  });
  it('keeps string and boolean cellOptions (reset variants) for the cell to validate', () => {
    const v = parseGradientVector({ ...tinyVector(), cellOptions: { alpha: 0.8, reset: 'zero', detachReset: true } }, 'toy.json');
    expect(v.cellOptions).toEqual({ alpha: 0.8, reset: 'zero', detachReset: true });
  });
  it('parses the feed-forward form: `output` in place of `readout`', () => {
    const t: any = tinyVector();
    delete t.readout;
    delete t.sizes.hidden;
    t.output = { kind: 'leaky-sum', kappa: 0.9 };
    t.layers = [{ hidden: 2, recurrent: false }];
    const v = parseGradientVector(t, 'ff.json');
    expect(v.output).toEqual({ kind: 'leaky-sum', kappa: 0.9 });
    expect(v.readout).toBeUndefined();
  });
  it.each([
    ['x.data', (v: any) => (v.x.data = [1]), /x.data.*holds 1 values but shape \[1, 2, 1\] needs 2/],
    ['target class', (v: any) => (v.target.data = [5]), /target.data\[0\].*not a class index/],
    ['missing rule', (v: any) => delete v.rule, /rule.*expected an object/],
    ['NaN-ish value', (v: any) => (v.x.data = [1, 'a']), /x.data\[1\].*finite number/],
    ['x shape vs sizes', (v: any) => (v.sizes.steps = 3), /x.shape/],
    ['no hidden', (v: any) => delete v.sizes.hidden, /sizes.hidden/],
    ['object cellOption', (v: any) => (v.cellOptions = { reset: { kind: 'zero' } }), /cellOptions.reset.*a string or a boolean/],
    ['null cellOption', (v: any) => (v.cellOptions = { alpha: null }), /cellOptions.alpha/],
    ['output beside readout', (v: any) => (v.output = { kind: 'spikes' }), /either `readout` or `output`/],
    ['bad output kind', (v: any) => (delete v.readout, (v.output = { kind: 'sum' }), (v.layers = [{ hidden: 2, recurrent: false }])), /output.kind/],
    ['output without layers', (v: any) => (delete v.readout, (v.output = { kind: 'spikes' })), /needs `layers`/],
  ])('rejects %s with a FormatError naming the field', (_name, mutate, message) => {
    const v = tinyVector();
    mutate(v);
    expect(() => parseGradientVector(v, 'toy.json')).toThrow(FormatError);
    expect(() => parseGradientVector(v, 'toy.json')).toThrow(message);
  });
});

describe('checkCellJacobians', () => {
  it('accepts a cell whose Jacobians agree with its VJP', () => {
    const r = checkCellJacobians(new SmoothTestCell(4));
    expect(r.ok).toBe(true);
    expect(r.errors.J).toBeLessThan(1e-12);
  });
  it('catches a cell whose VJP forgets a path', () => {
    class Broken extends SmoothTestCell {
      override vjp(a: CellVjpArgs): void {
        super.vjp(a);
        a.gradPrevOutput.fill(0); // drops the neuron's own y_{t-1} path
      }
    }
    const r = checkCellJacobians(new Broken(3));
    expect(r.ok).toBe(false);
    expect(r.errors.J).toBeGreaterThan(1e-3);
  });
});

// A rule that returns finite-difference gradients: lets the runner itself be tested end to end.
function fdRule(): RuleDefinition<Network> {
  return {
    kind: 'rule',
    specificationVersion: 'v1',
    name: 'fd-oracle',
    description: 'finite differences (test only)',
    requires: { capabilities: [] },
    cadence: 'sequence',
    create(network, sink) {
      let B = 0;
      let xs: number[] = [];
      let masks: number[] = [];
      let targets: Int32Array = new Int32Array(0);
      const evidence = new Float64Array(0);
      return {
        specificationVersion: 'v1',
        rule: 'fd-oracle',
        cadence: 'sequence',
        begin(batch) {
          B = batch;
          xs = [];
          masks = [];
        },
        step(input) {
          for (let b = 0; b < B; b++) for (let i = 0; i < network.inputs; i++) xs.push(input.x[input.offset + b * input.rowStride + i]!);
          masks.push(input.lossWeight);
          targets = input.targets;
        },
        end() {
          const T = masks.length;
          const x = new Float64Array(B * T * network.inputs);
          // xs is [T, B, I]; the batch format is [B, T, I].
          for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let i = 0; i < network.inputs; i++) x[(b * T + t) * network.inputs + i] = xs[(t * B + b) * network.inputs + i]!;
          const g = finiteDifferenceGradients(network, { x, batch: B, steps: T, targets, lossMask: masks }, { epsilon: 1e-6 });
          sink(g, { step: T, loss: 0, cadence: 'sequence' });
        },
        stats: { steps: 0, loss: 0, evidence },
      };
    },
  };
}

describe('runGradientVector', () => {
  if (!listCells().includes('smooth-test')) registerCell(smoothTestCell);
  registerRule(fdRule(), { override: true });

  function vectorFromNetwork() {
    const net = createNetwork({ inputs: 2, outputs: 3, layers: [{ cell: 'smooth-test', neurons: 3 }], readout: { kappa: 0.7 } }, { dtype: 'float64', seed: 4 });
    const params: Record<string, { shape: number[]; data: number[] }> = {};
    for (const p of net.parameters()) params[p.name] = { shape: [...p.shape], data: [...p.data] };
    return { net, params };
  }

  it('passes a vector whose expectations came from the same model, fails a perturbed one', () => {
    const { params } = vectorFromNetwork();
    const base = {
      id: 'smooth-fd', cell: 'smooth-test', cellOptions: {}, readout: { kappa: 0.7 }, rule: { name: 'fd-oracle' },
      sizes: { batch: 2, steps: 3, inputs: 2, hidden: 3, outputs: 3 }, params,
      x: { shape: [2, 3, 2], data: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, 0.1, -0.3, 0.2, 0.5, -0.1] },
      target: { shape: [2], data: [0, 2] }, lossMask: { shape: [3], data: [0.5, 1, 2] },
      expected: { loss: 0, grads: {} as Record<string, { shape: number[]; data: number[] }> },
    };
    // Fill the expectations from a first run, then check that the runner reproduces them.
    const probe = runGradientVector(parseGradientVector(base, 'probe'), { dtype: 'float64' });
    expect(probe.loss!.actual).toBeGreaterThan(0);
    const { net } = vectorFromNetwork();
    const g = finiteDifferenceGradients(net, { x: Float64Array.from(base.x.data), batch: 2, steps: 3, targets: Int32Array.from([0, 2]), lossMask: base.lossMask.data });
    for (const [name, values] of g) base.expected.grads[name] = { shape: [...net.parameter(name).shape], data: [...values] };
    base.expected.loss = probe.loss!.actual;
    const ok = runGradientVector(parseGradientVector(base, 'ok'), { dtype: 'float64' });
    expect(ok.status).toBe('pass');
    base.expected.grads.W_rec!.data[0]! += 0.1;
    const bad = runGradientVector(parseGradientVector(base, 'bad'), { dtype: 'float64' });
    expect(bad.status).toBe('fail');
    expect(bad.worst!.name).toBe('W_rec');
  });

  it('reports an unregistered cell as unsupported, naming it', () => {
    const v = parseGradientVector({ ...tinyVector(), cell: 'brf' }, 'brf.json');
    const r = runGradientVector(v);
    expect(r.status).toBe('unsupported');
    expect(r.message).toMatch(/cell "brf" is not supported/);
  });
});
