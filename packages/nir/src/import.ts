import { Network, type LayerSpec } from '@snn/core';
import type { DType } from '@snn/protocol';
import { FormatError, InvalidArgumentError, UnsupportedError } from '@snn/errors';
import { lifResets, type LifReset } from '@snn/lif';
import { isArray, type NirArray, type NirDocument, type NirField, type NirNode } from './graph';

/** How continuous-time constants become per-step decays. */
export type Discretisation = 'euler' | 'exp';

export interface NirImportOptions {
  /** Time step in seconds (the file's units). Used when the file's metadata has no `dt`. */
  dt?: number;
  /** 'euler' (default): alpha = 1 - dt / tau, as snnTorch and the NIR reference simulator; 'exp': alpha = exp(-dt / tau). */
  discretisation?: Discretisation;
  /** Reset of the spiking layers. Default 'zero' (NIR resets the membrane to v_reset = 0). */
  reset?: LifReset;
  detachReset?: boolean;
  /** Default 'float32'. */
  dtype?: DType;
  /** Name of the file, for error messages. */
  source?: string;
}

export interface NirImportResult {
  network: Network;
  dt: number;
  discretisation: Discretisation;
  /** Spiking layers by NIR node name, bottom to top, and the readout node (LI) if there was one. */
  layerNodes: string[];
  readoutNode: string | null;
  /** Things that were read leniently (e.g. a declared output shape of another rank). */
  warnings: string[];
}

const NEURONS = new Set(['LIF', 'CubaLIF', 'IF', 'LI', 'CubaLI']);
const LINEAR = new Set(['Affine', 'Linear', 'Scale']);
const SUPPORTED = [...NEURONS, ...LINEAR, 'Input', 'Output', 'NIRGraph'];

interface FlatNode {
  name: string;
  node: NirNode;
  /** Subgraph Input/Output ports inside the network: identities. */
  port: boolean;
}

/** Inlines nested NIRGraph nodes: names become `parent.child`, edges to a subgraph go to its Input, from it leave its Output. */
function flatten(graph: NirNode, source: string): { nodes: Map<string, FlatNode>; edges: Array<[string, string]> } {
  const nodes = new Map<string, FlatNode>();
  const edges: Array<[string, string]> = [];
  const visit = (g: NirNode, prefix: string, top: boolean): { inputs: string[]; outputs: string[] } => {
    const own = g.nodes ?? {};
    const inputs: string[] = [];
    const outputs: string[] = [];
    const ports = new Map<string, { inputs: string[]; outputs: string[] }>();
    for (const [name, node] of Object.entries(own)) {
      const full = prefix + name;
      if (node.type === 'NIRGraph') {
        ports.set(name, visit(node, `${full}.`, false));
        continue;
      }
      if (!SUPPORTED.includes(node.type)) {
        throw new UnsupportedError(`NIR node "${full}" of type ${node.type}`, `the importer reads ${SUPPORTED.join(', ')}`);
      }
      nodes.set(full, { name: full, node, port: !top && (node.type === 'Input' || node.type === 'Output') });
      if (node.type === 'Input') inputs.push(full);
      if (node.type === 'Output') outputs.push(full);
    }
    const where = prefix ? `subgraph "${prefix.slice(0, -1)}"` : 'graph';
    const resolve = (name: string, role: 'source' | 'target', edge: [string, string]): string[] => {
      const sub = ports.get(name);
      if (sub) return role === 'target' ? sub.inputs : sub.outputs;
      if (name in own) return [prefix + name];
      // `sub.port` style references into a nested graph.
      const dot = name.indexOf('.');
      if (dot > 0 && ports.has(name.slice(0, dot)) && nodes.has(prefix + name)) return [prefix + name];
      throw new FormatError(source, `${where} edge ${edge[0]} -> ${edge[1]}`, `no node "${name}" in the ${where}; it has ${Object.keys(own).join(', ')}`);
    };
    for (const edge of g.edges ?? []) {
      for (const s of resolve(edge[0], 'source', edge)) for (const t of resolve(edge[1], 'target', edge)) edges.push([s, t]);
    }
    return { inputs, outputs };
  };
  visit(graph, '', true);
  return { nodes, edges };
}

/** A sum of linear maps of sources: `sum_k A_k y_k + c`, each A_k dense `[out, in_k]`. */
interface Drive {
  size: number;
  terms: Map<string, { inputs: number; A: Float64Array }>;
  c: Float64Array;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function field(flat: FlatNode, key: string, source: string): NirArray {
  const f = flat.node.fields[key];
  if (!isArray(f)) throw new FormatError(source, `node "${flat.name}" (${flat.node.type})`, `field "${key}" is missing or not numeric`);
  return f;
}

function optionalField(flat: FlatNode, key: string): NirArray | undefined {
  const f = flat.node.fields[key];
  return isArray(f) ? f : undefined;
}

/** The value all entries share, or an error naming the field. */
function uniform(a: NirArray, what: string, source: string): number {
  const v = a.data[0]!;
  for (let i = 1; i < a.data.length; i++) {
    if (Math.abs(a.data[i]! - v) > 1e-9 * Math.max(1, Math.abs(v))) {
      throw new UnsupportedError(`${what} varying across neurons (${v} vs ${a.data[i]}) in ${source}`, 'the cells share one time constant per layer');
    }
  }
  return v;
}

function requireZero(flat: FlatNode, key: string, source: string): void {
  const f = optionalField(flat, key);
  if (f && f.data.some((v) => v !== 0)) {
    throw new UnsupportedError(`NIR node "${flat.name}" (${flat.node.type}) with nonzero ${key}`, `the @snn cells have ${key} = 0; shift the membrane so that ${key} is 0`);
  }
}

function decay(tau: number, dt: number, mode: Discretisation, what: string): number {
  if (!(tau > 0) || !Number.isFinite(tau)) throw new FormatError(what, '', `time constant must be positive and finite, got ${tau}`);
  const alpha = mode === 'exp' ? Math.exp(-dt / tau) : 1 - dt / tau;
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new InvalidArgumentError('dt', `${what}: 1 - dt / tau = ${alpha} is outside [0, 1] (dt ${dt} > tau ${tau}); use a smaller dt or discretisation 'exp'`);
  }
  return alpha;
}

/** Imports a NIR graph as an @snn network (see the package README for the mapping). */
export function importNir(doc: NirDocument, options: NirImportOptions = {}): NirImportResult {
  const source = options.source ?? 'NIR graph';
  const warnings: string[] = [];
  const meta = doc.graph.metadata ?? {};
  const snnMeta = typeof meta.snn === 'string' ? (JSON.parse(meta.snn) as SnnMetadata) : undefined;
  const metaDt = isArray(meta.dt) ? meta.dt.data[0] : undefined;
  const dt = metaDt ?? options.dt;
  if (dt === undefined || !(dt > 0)) {
    throw new InvalidArgumentError('dt', `${source} has no dt in its metadata; pass the time step in seconds (e.g. dt: 1e-3, CLI --dt 1e-3)`);
  }
  const discretisation: Discretisation = (typeof meta.discretisation === 'string' ? (meta.discretisation as Discretisation) : undefined) ?? options.discretisation ?? 'euler';
  if (discretisation !== 'euler' && discretisation !== 'exp') throw new InvalidArgumentError('discretisation', `must be 'euler' or 'exp', got ${String(discretisation)}`);
  const reset = options.reset ?? 'zero';
  if (!lifResets.includes(reset)) throw new InvalidArgumentError('reset', `must be one of ${lifResets.join(', ')}, got ${String(reset)}`);

  const { nodes, edges } = flatten(doc.graph, source);
  const inputsOf = new Map<string, string[]>();
  for (const [s, t] of edges) inputsOf.set(t, [...(inputsOf.get(t) ?? []), s]);
  const roots = [...nodes.values()].filter((n) => n.node.type === 'Input' && !n.port);
  const outs = [...nodes.values()].filter((n) => n.node.type === 'Output' && !n.port);
  if (roots.length !== 1 || outs.length !== 1) {
    throw new UnsupportedError(`${source} with ${roots.length} inputs and ${outs.length} outputs`, 'the importer reads graphs with one Input and one Output node');
  }
  const inputName = roots[0]!.name;
  const inputSize = size([...field(roots[0]!, 'shape', source).data]);

  // Output size of every node (computed on demand).
  const sizes = new Map<string, number>([[inputName, inputSize]]);
  const neuronSize = (f: FlatNode): number => {
    const key = f.node.type === 'IF' ? 'r' : f.node.type.startsWith('Cuba') ? 'tau_mem' : 'tau';
    return field(f, key, source).data.length;
  };
  for (const f of nodes.values()) if (NEURONS.has(f.node.type)) sizes.set(f.name, neuronSize(f));

  const stack = new Set<string>();
  const drives = new Map<string, Drive>();
  /** The drive entering node `name` (sum over its incoming edges). */
  const incoming = (name: string): Drive => {
    const preds = inputsOf.get(name) ?? [];
    if (preds.length === 0) throw new FormatError(source, `node "${name}"`, 'has no incoming edge');
    let total: Drive | null = null;
    for (const p of preds) {
      const d = valueOf(p);
      if (!total) total = { size: d.size, terms: new Map([...d.terms].map(([k, v]) => [k, { inputs: v.inputs, A: Float64Array.from(v.A) }])), c: Float64Array.from(d.c) };
      else {
        if (d.size !== total.size) throw new FormatError(source, `node "${name}"`, `its inputs have sizes ${total.size} and ${d.size}`);
        for (const [k, v] of d.terms) {
          const t = total.terms.get(k);
          if (t) for (let i = 0; i < v.A.length; i++) t.A[i]! += v.A[i]!;
          else total.terms.set(k, { inputs: v.inputs, A: Float64Array.from(v.A) });
        }
        for (let i = 0; i < d.c.length; i++) total.c[i]! += d.c[i]!;
      }
    }
    return total!;
  };
  const identity = (name: string, n: number): Drive => {
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) A[i * n + i] = 1;
    return { size: n, terms: new Map([[name, { inputs: n, A }]]), c: new Float64Array(n) };
  };
  /** The value a node outputs, as a drive of the graph input and neuron outputs. */
  const valueOf = (name: string): Drive => {
    const f = nodes.get(name)!;
    if (name === inputName) return identity(name, inputSize);
    if (NEURONS.has(f.node.type)) return identity(name, sizes.get(name)!);
    const cached = drives.get(name);
    if (cached) return cached;
    if (stack.has(name)) throw new UnsupportedError(`a cycle through linear nodes only (at "${name}") in ${source}`, 'every cycle must pass through a neuron');
    stack.add(name);
    const x = incoming(name);
    let out: Drive;
    const type = f.node.type;
    if (type === 'Affine' || type === 'Linear') {
      const W = field(f, 'weight', source);
      if (W.shape.length !== 2) throw new FormatError(source, `node "${name}" (${type})`, `weight must be 2-d [out, in], got shape [${W.shape.join(', ')}]`);
      const [o, i] = W.shape as [number, number];
      if (i !== x.size) throw new FormatError(source, `node "${name}" (${type})`, `weight is [${o}, ${i}] but its input has ${x.size} values`);
      const terms = new Map<string, { inputs: number; A: Float64Array }>();
      for (const [k, v] of x.terms) terms.set(k, { inputs: v.inputs, A: matmul(W.data, o, i, v.A, v.inputs) });
      const c = matvec(W.data, o, i, x.c);
      if (type === 'Affine') {
        const b = optionalField(f, 'bias');
        if (b) {
          if (b.data.length !== o) throw new FormatError(source, `node "${name}" (Affine)`, `bias has ${b.data.length} values, weight has ${o} rows`);
          for (let r = 0; r < o; r++) c[r]! += b.data[r]!;
        }
      }
      out = { size: o, terms, c };
    } else if (type === 'Scale') {
      const s = field(f, 'scale', source);
      if (s.data.length !== x.size) throw new FormatError(source, `node "${name}" (Scale)`, `scale has ${s.data.length} values, its input ${x.size}`);
      out = scaleRows(x, s.data);
    } else {
      out = x; // Input / Output ports of a subgraph, the graph Output
      if (type === 'Output' && !f.port) {
        const declared = optionalField(f, 'shape');
        if (declared && size([...declared.data]) !== x.size) {
          throw new FormatError(source, `node "${name}" (Output)`, `declared shape [${[...declared.data].join(', ')}] holds ${size([...declared.data])} values, its input ${x.size}`);
        }
        if (declared && declared.data.length !== 1) warnings.push(`${name}: declared shape [${[...declared.data].join(', ')}] read as [${x.size}]`);
      }
    }
    stack.delete(name);
    drives.set(name, out);
    return out;
  };

  // Chain the neurons from the input upwards.
  const neuronNames = [...nodes.values()].filter((f) => NEURONS.has(f.node.type)).map((f) => f.name);
  const neuronDrives = new Map(neuronNames.map((n) => [n, incoming(n)] as const));
  const chain: string[] = [];
  let below = inputName;
  for (;;) {
    const next = neuronNames.filter((n) => !chain.includes(n) && neuronDrives.get(n)!.terms.has(below));
    if (next.length === 0) break;
    if (next.length > 1) throw new UnsupportedError(`branching: ${next.join(' and ')} both read "${below}" in ${source}`, 'the importer reads a chain of layers');
    const n = next[0]!;
    for (const k of neuronDrives.get(n)!.terms.keys()) {
      if (k !== below && k !== n) throw new UnsupportedError(`neuron "${n}" reading "${k}" in ${source}`, `a layer may read only the layer below ("${below}") and itself`);
    }
    chain.push(n);
    below = n;
  }
  const unused = neuronNames.filter((n) => !chain.includes(n));
  if (unused.length) throw new UnsupportedError(`neurons ${unused.join(', ')} not on the path from the input in ${source}`, 'every neuron must be part of one chain input -> layers -> output');
  const outDrive = valueOf(outs[0]!.name);
  if (chain.length === 0) throw new UnsupportedError(`${source} without neurons`, 'nothing to train');

  let readoutNode: string | null = null;
  const last = nodes.get(chain[chain.length - 1]!)!;
  if (last.node.type === 'LI' || last.node.type === 'CubaLI') {
    readoutNode = last.name;
    chain.pop();
  }
  for (const n of chain) {
    const t = nodes.get(n)!.node.type;
    if (t === 'LI' || t === 'CubaLI') throw new UnsupportedError(`a non-spiking ${t} node ("${n}") as a hidden layer in ${source}`, 'LI / CubaLI are read only as the readout, the last neuron before the Output');
  }
  if (chain.length === 0) throw new UnsupportedError(`${source} without a spiking layer`, 'the network needs at least one LIF, CubaLIF or IF layer');

  const layers: LayerSpec[] = [];
  const weights: Array<{ W_in: Float64Array; W_rec: Float64Array | null; b: Float64Array; H: number; I: number }> = [];
  let fanIn = inputSize;
  chain.forEach((name, l) => {
    const f = nodes.get(name)!;
    const type = f.node.type;
    const H = sizes.get(name)!;
    const drive = neuronDrives.get(name)!;
    const prev = l === 0 ? inputName : chain[l - 1]!;
    const gain = new Float64Array(H);
    const cellOptions: Record<string, unknown> = { reset, detachReset: options.detachReset ?? false };
    for (const key of ['v_leak', 'v_reset']) requireZero(f, key, source);
    const thr = field(f, 'v_threshold', source);
    const r = type === 'IF' ? field(f, 'r', source) : optionalField(f, 'r');
    let theta = uniformOrNull(thr);
    for (let h = 0; h < H; h++) gain[h] = (r ? r.data[h]! : 1) / (theta === null ? thr.data[h]! : 1);
    if (theta === null) theta = 1; // thresholds differ: the membrane of each neuron is scaled to threshold 1
    cellOptions.theta = theta;
    if (type === 'IF') {
      layers.push({ cell: 'lif', neurons: H, recurrent: drive.terms.has(name), cellOptions: { alpha: 1, ...cellOptions } });
      for (let h = 0; h < H; h++) gain[h]! *= dt;
    } else if (type === 'LIF') {
      const alpha = decay(uniform(field(f, 'tau', source), `tau of "${name}"`, source), dt, discretisation, `node "${name}"`);
      for (let h = 0; h < H; h++) gain[h]! *= 1 - alpha;
      layers.push({ cell: 'lif', neurons: H, recurrent: drive.terms.has(name), cellOptions: { alpha, ...cellOptions } });
    } else {
      const alpha = decay(uniform(field(f, 'tau_mem', source), `tau_mem of "${name}"`, source), dt, discretisation, `node "${name}"`);
      const alphaSyn = decay(uniform(field(f, 'tau_syn', source), `tau_syn of "${name}"`, source), dt, discretisation, `node "${name}"`);
      const wIn = optionalField(f, 'w_in');
      for (let h = 0; h < H; h++) gain[h]! *= (1 - alpha) * (1 - alphaSyn) * (wIn ? wIn.data[h]! : 1);
      layers.push({ cell: 'cuba-lif', neurons: H, recurrent: drive.terms.has(name), cellOptions: { alphaSyn, alpha, ...cellOptions } });
    }
    // Options NIR has no field for (reset variant, surrogate), as an @snn export recorded them.
    const own = snnMeta?.layers?.[l];
    if (own) for (const key of ['reset', 'detachReset', 'surrogate']) if (key in own) layers[l]!.cellOptions![key] = own[key as keyof typeof own];
    const inTerm = drive.terms.get(prev)!;
    const recTerm = drive.terms.get(name);
    weights.push({
      W_in: scaleRowsOf(inTerm.A, gain, fanIn),
      W_rec: recTerm ? scaleRowsOf(recTerm.A, gain, H) : null,
      b: drive.c.map((v, h) => v * gain[h]!),
      H,
      I: fanIn,
    });
    fanIn = H;
  });

  // Readout: the LI (o = kappa o + W_out y + b_out), or the Output reading the last layer directly (kappa 0).
  const top = chain[chain.length - 1]!;
  let W_out: Float64Array;
  let b_out: Float64Array;
  let kappa = 0;
  let outputs: number;
  if (readoutNode) {
    const f = nodes.get(readoutNode)!;
    const drive = neuronDrives.get(readoutNode)!;
    if (drive.terms.size !== 1 || !drive.terms.has(top)) throw new UnsupportedError(`readout "${readoutNode}" reading ${[...drive.terms.keys()].join(', ')}`, `it may read only the top layer "${top}"`);
    if (outDrive.terms.size !== 1 || !outDrive.terms.has(readoutNode) || !isIdentity(outDrive)) {
      throw new UnsupportedError(`nodes between the readout "${readoutNode}" and the Output in ${source}`, 'the LI readout must feed the Output directly');
    }
    requireZero(f, 'v_leak', source);
    outputs = sizes.get(readoutNode)!;
    let tauKey = 'tau';
    if (f.node.type === 'CubaLI') {
      const alphaSyn = decay(uniform(field(f, 'tau_syn', source), `tau_syn of "${readoutNode}"`, source), dt, discretisation, `node "${readoutNode}"`);
      if (alphaSyn !== 0) throw new UnsupportedError(`a CubaLI readout ("${readoutNode}") with a synaptic filter (tau_syn ${uniform(field(f, 'tau_syn', source), 'tau_syn', source)} > dt)`, 'the @snn readout has one leak; only tau_syn = dt (no synaptic memory) maps to it');
      tauKey = 'tau_mem';
    }
    kappa = decay(uniform(field(f, tauKey, source), `${tauKey} of "${readoutNode}"`, source), dt, discretisation, `node "${readoutNode}"`);
    const r = optionalField(f, 'r');
    const wIn = optionalField(f, 'w_in');
    const gain = new Float64Array(outputs).map((_, o) => (1 - kappa) * (r ? r.data[o]! : 1) * (wIn ? wIn.data[o]! : 1));
    W_out = scaleRowsOf(drive.terms.get(top)!.A, gain, fanIn);
    b_out = drive.c.map((v, o) => v * gain[o]!);
  } else {
    if (outDrive.terms.size !== 1 || !outDrive.terms.has(top)) throw new UnsupportedError(`the Output reading ${[...outDrive.terms.keys()].join(', ')}`, `it may read only the top layer "${top}"`);
    outputs = outDrive.size;
    W_out = Float64Array.from(outDrive.terms.get(top)!.A);
    b_out = Float64Array.from(outDrive.c);
    warnings.push(`no LI readout: the readout passes the top layer through (kappa 0${isIdentity(outDrive) ? ', identity weights' : ''})`);
  }

  const network = new Network(
    { inputs: inputSize, outputs, layers, readout: { kappa } },
    { dtype: options.dtype ?? 'float32', naming: layers.length === 1 ? 'flat' : 'prefixed' },
  );
  const prefix = (l: number) => (layers.length === 1 ? '' : `l${l}.`);
  weights.forEach((w, l) => {
    network.parameter(`${prefix(l)}W_in`).data.set(w.W_in);
    if (w.W_rec) network.parameter(`${prefix(l)}W_rec`).data.set(w.W_rec);
    network.parameter(`${prefix(l)}b`).data.set(w.b);
  });
  network.readout.weights.data.set(W_out);
  network.readout.bias.data.set(b_out);
  network.markUpdated();
  return { network, dt, discretisation, layerNodes: chain, readoutNode, warnings };
}

/** What the exporter writes into the graph metadata (`snn`, a JSON string): the cell options NIR has no field for. */
export interface SnnMetadata {
  layers: Array<{ cell: string; reset?: string; detachReset?: boolean; surrogate?: unknown }>;
}

function uniformOrNull(a: NirArray): number | null {
  const v = a.data[0]!;
  return a.data.every((x) => x === v) ? v : null;
}

function isIdentity(d: Drive): boolean {
  const [t] = [...d.terms.values()];
  if (!t || t.inputs !== d.size || d.c.some((v) => v !== 0)) return false;
  for (let i = 0; i < d.size; i++) for (let j = 0; j < d.size; j++) if (t.A[i * d.size + j] !== (i === j ? 1 : 0)) return false;
  return true;
}

function matmul(W: Float64Array, o: number, i: number, A: Float64Array, k: number): Float64Array {
  const out = new Float64Array(o * k);
  for (let r = 0; r < o; r++) {
    for (let m = 0; m < i; m++) {
      const w = W[r * i + m]!;
      if (w === 0) continue;
      for (let c = 0; c < k; c++) out[r * k + c]! += w * A[m * k + c]!;
    }
  }
  return out;
}

function matvec(W: Float64Array, o: number, i: number, x: Float64Array): Float64Array {
  const out = new Float64Array(o);
  for (let r = 0; r < o; r++) {
    let s = 0;
    for (let m = 0; m < i; m++) s += W[r * i + m]! * x[m]!;
    out[r] = s;
  }
  return out;
}

function scaleRowsOf(A: Float64Array, gain: Float64Array, cols: number): Float64Array {
  const out = new Float64Array(A.length);
  for (let r = 0; r < gain.length; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = A[r * cols + c]! * gain[r]!;
  return out;
}

function scaleRows(d: Drive, s: Float64Array): Drive {
  const terms = new Map<string, { inputs: number; A: Float64Array }>();
  for (const [k, v] of d.terms) terms.set(k, { inputs: v.inputs, A: scaleRowsOf(v.A, s, v.inputs) });
  return { size: d.size, terms, c: d.c.map((v, i) => v * s[i]!) };
}

export type { NirField };
