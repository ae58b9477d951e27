import type { Network } from '@snn/core';
import { InvalidArgumentError, UnsupportedError } from '@snn/errors';
import { nirArray, type NirDocument, type NirNode } from './graph';
import type { Discretisation, SnnMetadata } from './import';

export interface NirExportOptions {
  /** Time step in seconds that the per-step decays stand for. Default 1e-3. Written to the metadata. */
  dt?: number;
  /** How decays become time constants: 'euler' (default) tau = dt / (1 - alpha); 'exp' tau = -dt / ln(alpha). */
  discretisation?: Discretisation;
}

/** The NIR version string written to the file. */
export const NIR_VERSION = '1.0.0';

const full = (n: number, v: number) => nirArray(new Float64Array(n).fill(v));

function tau(alpha: number, dt: number, mode: Discretisation, what: string): number {
  if (!(alpha < 1)) throw new UnsupportedError(`NIR export of ${what} with decay ${alpha}`, 'a decay of 1 has no finite time constant');
  if (mode === 'exp' && !(alpha > 0)) throw new UnsupportedError(`NIR export of ${what} = 0 with discretisation 'exp'`, "exp(-dt / tau) = 0 needs tau = 0; use discretisation 'euler'");
  return mode === 'exp' ? -dt / Math.log(alpha) : dt / (1 - alpha);
}

/**
 * The network as a NIR graph: `input -> fc0 -> lif0 [-> fc1 -> lif1 ...] -> fc_out -> li -> output`. A
 * recurrent layer is a nested NIRGraph (input -> lif, lif -> w_rec -> lif, lif -> output). Resistances
 * are chosen so that the layers' input gain is 1, so the weights are written unchanged; `dt`,
 * `discretisation` and the options NIR has no field for (`snn`, JSON) go to the graph metadata.
 */
export function exportNir(network: Network, options: NirExportOptions = {}): NirDocument {
  const dt = options.dt ?? 1e-3;
  if (!(dt > 0) || !Number.isFinite(dt)) throw new InvalidArgumentError('dt', `must be a positive time step in seconds, got ${dt}`);
  const mode = options.discretisation ?? 'euler';
  if (mode !== 'euler' && mode !== 'exp') throw new InvalidArgumentError('discretisation', `must be 'euler' or 'exp', got ${String(mode)}`);
  // r = 1 / (1 - alpha) makes the input gain (1 - alpha) r of the discretised neuron 1.
  const gainR = (alpha: number) => 1 / (1 - alpha);
  const nodes: Record<string, NirNode> = {};
  const edges: Array<[string, string]> = [];
  const meta: SnnMetadata = { layers: [] };
  nodes.input = { type: 'Input', fields: { shape: nirArray([network.inputs]) } };
  let prev = 'input';
  network.layers.forEach((layer, l) => {
    const cell = layer.cell;
    const H = cell.neurons;
    if (cell.name !== 'lif' && cell.name !== 'cuba-lif') {
      throw new UnsupportedError(`NIR export of layer ${l} (cell "${cell.name}")`, 'NIR has no primitive for it; lif and cuba-lif layers (and the leaky readout, as LI) can be exported');
    }
    const o = cell.options as Record<string, unknown>;
    const alpha = o.alpha as number;
    const theta = o.theta as number;
    if (layer.biases.some((b) => b.adds !== 'input')) throw new UnsupportedError(`NIR export of layer ${l}`, 'it has a recurrent bias');
    const b = layer.biases[0]?.parameter.data;
    nodes[`fc${l}`] = {
      type: 'Affine',
      fields: { weight: nirArray(layer.inputWeights.data, [H, layer.inputs]), bias: b ? nirArray(b) : full(H, 0) },
    };
    edges.push([prev, `fc${l}`]);
    let neuron: NirNode;
    if (cell.name === 'lif') {
      neuron = {
        type: 'LIF',
        fields: { tau: full(H, tau(alpha, dt, mode, `layer ${l} (lif alpha)`)), r: full(H, gainR(alpha)), v_leak: full(H, 0), v_threshold: full(H, theta) },
      };
    } else {
      const alphaSyn = o.alphaSyn as number;
      neuron = {
        type: 'CubaLIF',
        fields: {
          tau_syn: full(H, tau(alphaSyn, dt, mode, `layer ${l} (cuba-lif alphaSyn)`)),
          tau_mem: full(H, tau(alpha, dt, mode, `layer ${l} (cuba-lif alpha)`)),
          r: full(H, gainR(alpha)),
          v_leak: full(H, 0),
          v_threshold: full(H, theta),
          w_in: full(H, gainR(alphaSyn)),
        },
      };
    }
    meta.layers.push({ cell: cell.name, reset: o.reset as string, detachReset: o.detachReset as boolean, ...(o.surrogate !== undefined ? { surrogate: o.surrogate } : {}) });
    const name = `lif${l}`;
    if (layer.recurrentWeights) {
      nodes[name] = {
        type: 'NIRGraph',
        fields: {},
        nodes: {
          input: { type: 'Input', fields: { shape: nirArray([H]) } },
          lif: neuron,
          w_rec: { type: 'Linear', fields: { weight: nirArray(layer.recurrentWeights.data, [H, H]) } },
          output: { type: 'Output', fields: { shape: nirArray([H]) } },
        },
        edges: [
          ['input', 'lif'],
          ['lif', 'w_rec'],
          ['w_rec', 'lif'],
          ['lif', 'output'],
        ],
      };
    } else {
      nodes[name] = neuron;
    }
    edges.push([`fc${l}`, name]);
    prev = name;
  });
  const r = network.readout;
  const O = network.outputs;
  nodes.fc_out = { type: 'Affine', fields: { weight: nirArray(r.weights.data, [O, r.inputs]), bias: nirArray(r.bias.data) } };
  nodes.li = {
    type: 'LI',
    fields: { tau: full(O, tau(r.kappa, dt, mode, 'the readout (kappa)')), r: full(O, gainR(r.kappa)), v_leak: full(O, 0) },
  };
  nodes.output = { type: 'Output', fields: { shape: nirArray([O]) } };
  edges.push([prev, 'fc_out'], ['fc_out', 'li'], ['li', 'output']);
  return {
    version: NIR_VERSION,
    graph: {
      type: 'NIRGraph',
      fields: {},
      nodes,
      edges,
      metadata: { dt: nirArray([dt], []), discretisation: mode, snn: JSON.stringify(meta) },
    },
  };
}
