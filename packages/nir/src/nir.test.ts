import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNetwork, forwardSequence, listCells, registerCell, type Network } from '@snn/core';
import { lif } from '@snn/lif';
import { cubaLif } from '@snn/cuba-lif';
import { alif } from '@snn/alif';
import { describeNir, exportNir, importNir, nirArray, readNirFile, writeNirFile, type NirDocument } from './index';

for (const c of [lif, cubaLif, alif]) if (!listCells().includes(c.name)) registerCell(c);

const shared = resolve(process.env.SNN_NIR ?? resolve(__dirname, '../../../../shared/nir'));
const file = (name: string) => join(shared, name);
const tmp = mkdtempSync(join(tmpdir(), 'snn-nir-'));

function spikes(network: Network, T = 60, B = 2, seed = 0.37) {
  const I = network.inputs;
  const x = new Float64Array(B * T * I).map((_, i) => (Math.sin(i * seed + 0.1) > 0.55 ? 1 : 0));
  const r = forwardSequence(network, { x, batch: B, steps: T, targets: new Int32Array(B) }, { recordOutputs: true });
  return r.outputs!.map((o) => Array.from(o));
}

describe.skipIf(!existsSync(shared))('the NIR files of other libraries (shared/nir)', () => {
  it('Braille, flat 2-cycle (snnTorch): two CubaLIF layers, the first recurrent; runs forward', async () => {
    const doc = await readNirFile(file('braille_noDelay_bias_zero.nir'));
    expect(Object.keys(doc.graph.nodes!).sort()).toEqual(['fc1', 'fc2', 'input', 'lif1.lif', 'lif1.w_rec', 'lif2', 'output']);
    expect(doc.graph.edges).toContainEqual(['lif1.lif', 'lif1.w_rec']);
    expect(doc.graph.edges).toContainEqual(['lif1.w_rec', 'lif1.lif']);
    expect(() => importNir(doc)).toThrow(/no dt in its metadata/);
    const { network, layerNodes } = importNir(doc, { dt: 1e-4, dtype: 'float64' });
    expect(layerNodes).toEqual(['lif1.lif', 'lif2']);
    expect(network.spec.layers.map((l) => [l.cell, l.neurons, l.recurrent])).toEqual([
      ['cuba-lif', 38, true],
      ['cuba-lif', 7, false],
    ]);
    const o = network.spec.layers[0]!.cellOptions!;
    expect(o.alpha as number).toBeCloseTo(0.9, 6); // 1 - 1e-4 / 1e-3
    expect(o.alphaSyn as number).toBeCloseTo(0.55, 6); // 1 - 1e-4 / 2.222e-4
    // The gain (1 - alpha)(1 - alphaSyn) r w_in is 1 for this file, so fc1's weights arrive unchanged.
    const fc1 = doc.graph.nodes!.fc1!.fields.weight as { data: Float64Array };
    expect(network.parameter('l0.W_in').data[5]!).toBeCloseTo(fc1.data[5]!, 6);
    // The w_rec bias is added every step: it joins fc1's bias.
    const b = (doc.graph.nodes!.fc1!.fields.bias as { data: Float64Array }).data[0]! + (doc.graph.nodes!['lif1.w_rec']!.fields.bias as { data: Float64Array }).data[0]!;
    expect(network.parameter('l0.b').data[0]!).toBeCloseTo(b, 6);
    const s = spikes(network, 100);
    expect(s[0]!.length).toBe(2 * 100 * 38);
    expect(s[0]!.some((v) => v === 1)).toBe(true);
  });
  it('Braille as a nested subgraph: refused, naming the edge to a node the subgraph does not have', async () => {
    const doc = await readNirFile(file('braille_noDelay_bias_zero_subgraph.nir'));
    expect(doc.graph.nodes!.lif1!.type).toBe('NIRGraph');
    expect(Object.keys(doc.graph.nodes!.lif1!.nodes!).sort()).toEqual(['input', 'lif1', 'lin', 'output']);
    expect(() => importNir(doc, { dt: 1e-4 })).toThrow(/subgraph "lif1" edge input -> lif\): no node "lif"/);
  });
  it('Norse: Affine -> LIF', async () => {
    const doc = await readNirFile(file('lif_norse.nir'));
    const { network } = importNir(doc, { dt: 1e-3 });
    expect(network.spec.layers).toHaveLength(1);
    expect(network.spec.layers[0]!.cell).toBe('lif');
    expect(network.spec.layers[0]!.cellOptions!.alpha as number).toBeCloseTo(0.6, 6); // 1 - 1e-3 / 2.5e-3
    expect(network.spec.layers[0]!.cellOptions!.theta as number).toBeCloseTo(0.1, 6);
    expect(network.parameter('W_in').data[0]!).toBeCloseTo(0.4, 6); // weight 1 times (1 - alpha) r
  });
  it('Rockpool: Linear -> LIF, its declared output shape [1, 1, 1] read as [1] with a warning', async () => {
    const doc = await readNirFile(file('lif_rockpool.nir'));
    const r = importNir(doc, { dt: 1e-3, discretisation: 'exp' });
    expect(r.network.spec.layers[0]!.cellOptions!.alpha as number).toBeCloseTo(Math.exp(-0.4), 6);
    expect(r.warnings.join('\n')).toMatch(/declared shape \[1, 1, 1\] read as \[1\]/);
    expect(r.network.parameter('W_in').data[0]!).toBeCloseTo(0.04 * 24.019737 * (1 - Math.exp(-0.4)), 5);
  });
  it('inspect shows nodes, fields and edges', async () => {
    const text = describeNir(await readNirFile(file('braille_noDelay_bias_zero.nir')));
    expect(text).toMatch(/lif1\.lif: CubaLIF .*tau_mem \[38\] all 0\.001/);
    expect(text).toMatch(/edges: .*lif1\.lif -> lif1\.w_rec/);
  });
});

describe('export -> import round trip', () => {
  const cases = [
    { name: 'recurrent lif + feed-forward cuba-lif, readout kappa 0.8', layers: [
      { cell: 'lif', neurons: 6, recurrent: true, cellOptions: { alpha: 0.85, theta: 0.7, reset: 'subtract-after-decay', detachReset: true } },
      { cell: 'cuba-lif', neurons: 4, recurrent: false, cellOptions: { alphaSyn: 0.6, alpha: 0.9, theta: 1, reset: 'zero' } },
    ], kappa: 0.8 },
    { name: 'one recurrent cuba-lif layer, readout kappa 0', layers: [{ cell: 'cuba-lif', neurons: 5, recurrent: true, cellOptions: { alphaSyn: 0.3, alpha: 0.7 } }], kappa: 0 },
  ];
  for (const c of cases) {
    for (const discretisation of ['euler', 'exp'] as const) {
      if (discretisation === 'exp' && c.kappa === 0) continue;
      it(`${c.name} (${discretisation}): same network, same spikes`, async () => {
        const network = createNetwork({ inputs: 3, outputs: 2, layers: c.layers, readout: { kappa: c.kappa } }, { dtype: 'float64', seed: 4, init: { inputScale: 3, recurrentScale: 2 } });
        const path = join(tmp, `rt-${discretisation}-${c.layers.length}.nir`);
        await writeNirFile(path, exportNir(network, { dt: 2e-3, discretisation }));
        const doc = await readNirFile(path);
        const r = importNir(doc, { dtype: 'float64', dt: 99 }); // the file's dt wins
        expect(r.dt).toBe(2e-3);
        expect(r.discretisation).toBe(discretisation);
        const back = r.network;
        expect(back.spec.layers.map((l) => [l.cell, l.neurons, l.recurrent])).toEqual(c.layers.map((l) => [l.cell, l.neurons, l.recurrent]));
        back.spec.layers.forEach((l, i) => {
          const want = network.layers[i]!.cell.options as Record<string, unknown>;
          const got = l.cellOptions!;
          for (const k of ['reset', 'detachReset']) expect(got[k]).toEqual(want[k]);
          for (const k of ['alpha', 'alphaSyn', 'theta']) if (k in want) expect(got[k] as number).toBeCloseTo(want[k] as number, 12);
        });
        expect(back.readout.kappa).toBeCloseTo(c.kappa, 12);
        for (const p of network.parameters()) {
          const q = back.parameter(p.name);
          for (let i = 0; i < p.data.length; i++) expect(Math.abs(q.data[i]! - p.data[i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(p.data[i]!)));
        }
        const a = spikes(network);
        expect(a[0]!.some((v) => v === 1)).toBe(true);
        expect(spikes(back)).toEqual(a);
      });
    }
  }
  it('writes the NIR type strings and one dataset per field, recurrent layers as a nested NIRGraph', async () => {
    const network = createNetwork({ inputs: 3, outputs: 2, layers: [{ cell: 'lif', neurons: 4 }], readout: { kappa: 0.5 } });
    const path = join(tmp, 'fields.nir');
    await writeNirFile(path, exportNir(network, { dt: 1e-3 }));
    const doc = await readNirFile(path);
    const g = doc.graph;
    expect(Object.fromEntries(Object.entries(g.nodes!).map(([k, n]) => [k, [n.type, Object.keys(n.fields).sort()]]))).toEqual({
      input: ['Input', ['shape']],
      fc0: ['Affine', ['bias', 'weight']],
      lif0: ['NIRGraph', []],
      fc_out: ['Affine', ['bias', 'weight']],
      li: ['LI', ['r', 'tau', 'v_leak']],
      output: ['Output', ['shape']],
    });
    const sub = g.nodes!.lif0!;
    expect(Object.fromEntries(Object.entries(sub.nodes!).map(([k, n]) => [k, [n.type, Object.keys(n.fields).sort()]]))).toEqual({
      input: ['Input', ['shape']],
      lif: ['LIF', ['r', 'tau', 'v_leak', 'v_threshold']],
      w_rec: ['Linear', ['weight']],
      output: ['Output', ['shape']],
    });
    expect(sub.edges).toEqual([['input', 'lif'], ['lif', 'w_rec'], ['w_rec', 'lif'], ['lif', 'output']]);
    expect(g.edges).toEqual([['input', 'fc0'], ['fc0', 'lif0'], ['lif0', 'fc_out'], ['fc_out', 'li'], ['li', 'output']]);
    expect(Object.keys(g.metadata!).sort()).toEqual(['discretisation', 'dt', 'snn']);
  });
});

describe('the three shapes of a recurrent layer', () => {
  const cuba = () => ({ type: 'CubaLIF', fields: { tau_syn: nirArray([0.002, 0.002]), tau_mem: nirArray([0.01, 0.01]), r: nirArray([1, 1]), v_leak: nirArray([0, 0]), v_threshold: nirArray([1, 1]), w_in: nirArray([1, 1]) } });
  const Wfc = nirArray([1, 2, 3, 4, 5, 6], [2, 3]);
  const Wrec = nirArray([0.5, -1, 2, 0.25], [2, 2]);
  const io = (n: number, type: 'Input' | 'Output') => ({ type, fields: { shape: nirArray([n]) } });
  const doc = (nodes: Record<string, any>, edges: Array<[string, string]>): NirDocument => ({ version: '1.0.0', graph: { type: 'NIRGraph', fields: {}, nodes: { input: io(3, 'Input'), fc: { type: 'Linear', fields: { weight: Wfc } }, output: io(2, 'Output'), ...nodes }, edges: [['input', 'fc'], ...edges] } });
  const flat = doc({ lif: cuba(), w_rec: { type: 'Linear', fields: { weight: Wrec } } }, [['fc', 'lif'], ['lif', 'w_rec'], ['w_rec', 'lif'], ['lif', 'output']]);
  const sub = (inputTo: 'lif' | 'w_rec') =>
    doc(
      { rnn: { type: 'NIRGraph', fields: {}, nodes: { input: io(2, 'Input'), lif: cuba(), w_rec: { type: 'Linear', fields: { weight: Wrec } }, output: io(2, 'Output') }, edges: [['input', inputTo], ['lif', 'w_rec'], ['w_rec', 'lif'], ['lif', 'output']] } },
      [['fc', 'rnn'], ['rnn', 'output']],
    );
  const params = (d: NirDocument) => {
    const { network } = importNir(d, { dt: 1e-3, dtype: 'float64' });
    return Object.fromEntries(network.parameters().map((p) => [p.name, Array.from(p.data)]));
  };
  const g = 0.1 * 0.5; // (1 - alpha)(1 - alphaSyn) with dt 1e-3, tau_mem 1e-2, tau_syn 2e-3
  it('a flat 2-cycle and a subgraph whose input enters the neuron give the same network', () => {
    const a = params(flat);
    expect(a.W_in!.map((v) => v / g)).toEqual([1, 2, 3, 4, 5, 6].map((v) => expect.closeTo(v, 12)));
    expect(a.W_rec!.map((v) => v / g)).toEqual([0.5, -1, 2, 0.25].map((v) => expect.closeTo(v, 12)));
    expect(params(sub('lif'))).toEqual(a);
  });
  it('a subgraph whose input enters the recurrent weights reads W_rec W_fc as the input weights', () => {
    const b = params(sub('w_rec'));
    // W_rec W_fc = [[0.5 - 4, 1 - 5, 1.5 - 6], [2 + 1, 4 + 1.25, 6 + 1.5]]
    expect(b.W_in!.map((v) => v / g)).toEqual([-3.5, -4, -4.5, 3, 5.25, 7.5].map((v) => expect.closeTo(v, 12)));
    expect(b.W_rec).toEqual(params(flat).W_rec);
  });
});

describe('errors', () => {
  it('refuses cells NIR has no primitive for', () => {
    const network = createNetwork({ inputs: 2, outputs: 2, layers: [{ cell: 'alif', neurons: 3 }] });
    expect(() => exportNir(network)).toThrow(/layer 0 \(cell "alif"\) is not supported: NIR has no primitive/);
  });
  const graph = (nodes: NirDocument['graph']['nodes'], edges: Array<[string, string]>): NirDocument => ({ version: '1.0.0', graph: { type: 'NIRGraph', fields: {}, nodes, edges } });
  it('names an unsupported node and its type', () => {
    const doc = graph(
      { input: { type: 'Input', fields: { shape: nirArray([2]) } }, conv: { type: 'Conv1d', fields: {} }, output: { type: 'Output', fields: { shape: nirArray([2]) } } },
      [['input', 'conv'], ['conv', 'output']],
    );
    expect(() => importNir(doc, { dt: 1e-3 })).toThrow(/NIR node "conv" of type Conv1d is not supported/);
  });
  it('rejects a nonzero v_leak and time constants that differ across neurons', () => {
    const lifNode = (v_leak: number[], tau: number[]) => graph(
      {
        input: { type: 'Input', fields: { shape: nirArray([1]) } },
        w: { type: 'Linear', fields: { weight: nirArray([1, 1], [2, 1]) } },
        n: { type: 'LIF', fields: { tau: nirArray(tau), r: nirArray([1, 1]), v_leak: nirArray(v_leak), v_threshold: nirArray([1, 1]) } },
        output: { type: 'Output', fields: { shape: nirArray([2]) } },
      },
      [['input', 'w'], ['w', 'n'], ['n', 'output']],
    );
    expect(() => importNir(lifNode([0, 0.5], [0.01, 0.01]), { dt: 1e-3 })).toThrow(/"n" \(LIF\) with nonzero v_leak/);
    expect(() => importNir(lifNode([0, 0], [0.01, 0.02]), { dt: 1e-3 })).toThrow(/tau of "n" varying across neurons/);
    expect(importNir(lifNode([0, 0], [0.01, 0.01]), { dt: 1e-3 }).network.spec.layers[0]!.cellOptions!.alpha).toBeCloseTo(0.9, 12);
  });
});
