import { FormatError } from '@snn/errors';

/** A `{shape, data}` array of a vector file (row-major). */
export interface VectorArray {
  shape: number[];
  data: number[];
}

/** A gradient test vector (shared/spec/vectors.md). */
export interface GradientVector {
  id: string;
  cell: string;
  /** Cell constants: finite numbers, strings (e.g. `reset`) and booleans (e.g. `detachReset`); the cell validates them. */
  cellOptions: Record<string, number | string | boolean>;
  surrogate?: { name: string } & Record<string, number | string>;
  /** The leaky-integrator readout; absent in the feed-forward output-layer form (`output`). */
  readout?: { kappa: number };
  /** The feed-forward output-layer form (vectors.md, "Feed-forward LIF networks"), in place of `readout`. */
  output?: { kind: 'spikes' } | { kind: 'leaky-sum'; kappa: number };
  rule: { name: string } & Record<string, number | string>;
  sizes: { batch: number; steps: number; inputs: number; hidden?: number; outputs: number };
  layers?: Array<{ hidden: number; recurrent: boolean }>;
  params: Record<string, VectorArray>;
  x: VectorArray;
  target: VectorArray;
  lossMask: VectorArray;
  expected: {
    loss: number;
    grads: Record<string, VectorArray>;
    spikes?: VectorArray;
    outputs?: Record<string, VectorArray>;
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a parsed JSON value against the vector format and returns it typed. Every problem is a
 * FormatError naming the field, so a malformed file says exactly what is wrong.
 */
export function parseGradientVector(value: unknown, source: string): GradientVector {
  const fail = (where: string, problem: string): never => {
    throw new FormatError(source, where, problem);
  };
  if (!isObject(value)) fail('top level', 'expected a JSON object');
  const v = value as Record<string, unknown>;
  const str = (key: string) => (typeof v[key] === 'string' && v[key] !== '' ? (v[key] as string) : fail(key, 'expected a non-empty string'));
  const num = (obj: Record<string, unknown>, key: string, where: string, integer = false): number => {
    const x = obj[key];
    if (typeof x !== 'number' || !Number.isFinite(x) || (integer && !Number.isInteger(x))) {
      return fail(`${where}.${key}`, `expected a finite ${integer ? 'integer' : 'number'}, got ${JSON.stringify(x)}`);
    }
    return x;
  };
  const obj = (x: unknown, where: string): Record<string, unknown> => (isObject(x) ? x : fail(where, 'expected an object'));
  const array = (x: unknown, where: string): VectorArray => {
    const a = obj(x, where);
    if (!Array.isArray(a.shape) || a.shape.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 0)) {
      fail(`${where}.shape`, 'expected an array of non-negative integers');
    }
    if (!Array.isArray(a.data)) fail(`${where}.data`, 'expected an array of numbers');
    const shape = a.shape as number[];
    const data = a.data as unknown[];
    const size = shape.reduce((p, s) => p * s, 1);
    if (data.length !== size) fail(`${where}.data`, `holds ${data.length} values but shape [${shape.join(', ')}] needs ${size}`);
    for (let i = 0; i < data.length; i++) {
      if (typeof data[i] !== 'number' || !Number.isFinite(data[i] as number)) {
        fail(`${where}.data[${i}]`, `expected a finite number, got ${JSON.stringify(data[i])}`);
      }
    }
    return { shape, data: data as number[] };
  };
  const arrays = (x: unknown, where: string): Record<string, VectorArray> => {
    const o = obj(x, where);
    const out: Record<string, VectorArray> = {};
    for (const [k, a] of Object.entries(o)) out[k] = array(a, `${where}.${k}`);
    return out;
  };

  const id = str('id');
  const cell = str('cell');
  const cellOptions: Record<string, number | string | boolean> = {};
  for (const [k, x] of Object.entries(obj(v.cellOptions ?? {}, 'cellOptions'))) {
    cellOptions[k] =
      (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'string' || typeof x === 'boolean'
        ? x
        : fail(`cellOptions.${k}`, 'expected a finite number, a string or a boolean');
  }
  let surrogate: GradientVector['surrogate'];
  if (v.surrogate !== undefined) {
    const s = obj(v.surrogate, 'surrogate');
    if (typeof s.name !== 'string') fail('surrogate.name', 'expected a string');
    surrogate = s as GradientVector['surrogate'];
  }
  let readout: GradientVector['readout'];
  let output: GradientVector['output'];
  if (v.output !== undefined) {
    if (v.readout !== undefined) fail('readout', 'a vector has either `readout` or `output`, not both');
    const o = obj(v.output, 'output');
    if (o.kind === 'spikes') output = { kind: 'spikes' };
    else if (o.kind === 'leaky-sum') output = { kind: 'leaky-sum', kappa: num(o, 'kappa', 'output') };
    else fail('output.kind', `expected "spikes" or "leaky-sum", got ${JSON.stringify(o.kind)}`);
    if (v.layers === undefined) fail('layers', 'a vector with `output` needs `layers` (the last one is the output layer)');
  } else {
    const readoutObj = obj(v.readout, 'readout');
    readout = { kappa: num(readoutObj, 'kappa', 'readout') };
  }
  const ruleObj = obj(v.rule, 'rule');
  if (typeof ruleObj.name !== 'string' || !ruleObj.name) fail('rule.name', 'expected a string');
  const sizesObj = obj(v.sizes, 'sizes');
  const sizes: GradientVector['sizes'] = {
    batch: num(sizesObj, 'batch', 'sizes', true),
    steps: num(sizesObj, 'steps', 'sizes', true),
    inputs: num(sizesObj, 'inputs', 'sizes', true),
    outputs: num(sizesObj, 'outputs', 'sizes', true),
  };
  let layers: GradientVector['layers'];
  if (v.layers !== undefined) {
    if (!Array.isArray(v.layers) || v.layers.length === 0) fail('layers', 'expected a non-empty array');
    layers = (v.layers as unknown[]).map((l, i) => {
      const lo = obj(l, `layers[${i}]`);
      if (typeof lo.recurrent !== 'boolean') fail(`layers[${i}].recurrent`, 'expected true or false');
      return { hidden: num(lo, 'hidden', `layers[${i}]`, true), recurrent: lo.recurrent as boolean };
    });
  } else {
    sizes.hidden = num(sizesObj, 'hidden', 'sizes', true);
  }
  const params = arrays(v.params, 'params');
  const x = array(v.x, 'x');
  const target = array(v.target, 'target');
  const lossMask = array(v.lossMask, 'lossMask');
  const expectedObj = obj(v.expected, 'expected');
  const expected: GradientVector['expected'] = {
    loss: num(expectedObj, 'loss', 'expected'),
    grads: arrays(expectedObj.grads, 'expected.grads'),
  };
  if (expectedObj.spikes !== undefined) expected.spikes = array(expectedObj.spikes, 'expected.spikes');
  if (expectedObj.outputs !== undefined) expected.outputs = arrays(expectedObj.outputs, 'expected.outputs');

  const { batch: B, steps: T, inputs: I } = sizes;
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((s, i) => s === b[i]);
  if (!same(x.shape, [B, T, I])) fail('x.shape', `is [${x.shape.join(', ')}], sizes say [${B}, ${T}, ${I}]`);
  if (!same(target.shape, [B])) fail('target.shape', `is [${target.shape.join(', ')}], sizes say [${B}]`);
  if (!same(lossMask.shape, [T])) fail('lossMask.shape', `is [${lossMask.shape.join(', ')}], sizes say [${T}]`);
  target.data.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= sizes.outputs) fail(`target.data[${i}]`, `${c} is not a class index in [0, ${sizes.outputs})`);
  });
  return {
    id,
    cell,
    cellOptions,
    ...(surrogate ? { surrogate } : {}),
    ...(readout ? { readout } : {}),
    ...(output ? { output } : {}),
    rule: ruleObj as GradientVector['rule'],
    sizes,
    ...(layers ? { layers } : {}),
    params,
    x,
    target,
    lossMask,
    expected,
  };
}
