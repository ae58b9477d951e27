import { existsSync } from 'node:fs';
import { FormatError, InvalidArgumentError } from '@snn/errors';
import type { NirArray, NirDocument, NirField, NirNode } from './graph';

type H5Lib = typeof import('h5wasm/node');
type H5Group = InstanceType<H5Lib['Group']>;
let lib: H5Lib | undefined;

/** Loads h5wasm (ESM-only, initialised asynchronously) once. */
async function h5(): Promise<H5Lib> {
  if (!lib) {
    const m = (await import('h5wasm/node')) as H5Lib;
    await m.ready;
    lib = m;
  }
  return lib;
}

function toNumbers(value: unknown): number[] | null {
  if (typeof value === 'number') return [value];
  if (typeof value === 'bigint') return [Number(value)];
  if (typeof value === 'boolean') return [value ? 1 : 0];
  if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    const out: number[] = [];
    for (const v of Array.from(value as ArrayLike<unknown>)) {
      if (typeof v === 'number') out.push(v);
      else if (typeof v === 'bigint') out.push(Number(v));
      else if (typeof v === 'boolean') out.push(v ? 1 : 0);
      else return null;
    }
    return out;
  }
  return null;
}

function readField(lib: H5Lib, group: H5Group, key: string, file: string, where: string): NirField | NirNode | 'skip' {
  const entry = group.get(key);
  if (entry instanceof lib.Group) return 'skip';
  if (!(entry instanceof lib.Dataset)) return 'skip';
  const value = entry.value as unknown;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return (value as string[]).join('\u0000');
  const numbers = toNumbers(value);
  if (!numbers) throw new FormatError(file, `${where}/${key}`, `dataset of type ${String(entry.dtype)} is neither numeric nor a string`);
  const shape = (entry.shape ?? []) as number[];
  return { shape: [...shape], data: Float64Array.from(numbers) } satisfies NirArray;
}

function readStringPairs(lib: H5Lib, group: H5Group, file: string, where: string): Array<[string, string]> {
  const entry = group.get('edges');
  if (!(entry instanceof lib.Dataset)) return [];
  const value = entry.value as unknown;
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : [];
  if (list.length % 2 !== 0 || !list.every((s) => typeof s === 'string')) {
    throw new FormatError(file, `${where}/edges`, 'expected an [n, 2] array of node-name strings (source, target)');
  }
  const edges: Array<[string, string]> = [];
  for (let i = 0; i < list.length; i += 2) edges.push([list[i] as string, list[i + 1] as string]);
  return edges;
}

function readMetadata(lib: H5Lib, group: H5Group, file: string, where: string): Record<string, NirField> {
  const out: Record<string, NirField> = {};
  for (const key of group.keys()) {
    const f = readField(lib, group, key, file, where);
    if (f !== 'skip') out[key] = f as NirField;
  }
  return out;
}

function readNode(lib: H5Lib, group: H5Group, file: string, where: string): NirNode {
  const typeEntry = group.get('type');
  if (!(typeEntry instanceof lib.Dataset)) throw new FormatError(file, where, 'node has no `type` dataset');
  const typeValue = typeEntry.value as unknown;
  const type = typeof typeValue === 'string' ? typeValue : Array.isArray(typeValue) ? (typeValue as string[]).join('') : '';
  if (!type) throw new FormatError(file, `${where}/type`, 'expected a string');
  const node: NirNode = { type, fields: {} };
  if (type === 'NIRGraph') {
    const nodesGroup = group.get('nodes');
    node.nodes = {};
    if (nodesGroup instanceof lib.Group) {
      for (const name of nodesGroup.keys()) {
        const child = nodesGroup.get(name);
        if (child instanceof lib.Group) node.nodes[name] = readNode(lib, child, file, `${where}/nodes/${name}`);
      }
    }
    node.edges = readStringPairs(lib, group, file, where);
  }
  for (const key of group.keys()) {
    if (key === 'type' || (type === 'NIRGraph' && (key === 'nodes' || key === 'edges'))) continue;
    const entry = group.get(key);
    if (key === 'metadata' && entry instanceof lib.Group) {
      node.metadata = readMetadata(lib, entry, file, `${where}/metadata`);
      continue;
    }
    const f = readField(lib, group, key, file, where);
    if (f !== 'skip') node.fields[key] = f as NirField;
  }
  return node;
}

/** Reads a NIR file (HDF5 as the reference `nir` package writes it). */
export async function readNirFile(path: string): Promise<NirDocument> {
  if (!existsSync(path)) throw new InvalidArgumentError('NIR file', `${path} does not exist`);
  const lib = await h5();
  let file: InstanceType<H5Lib['File']>;
  try {
    file = new lib.File(path, 'r');
  } catch (e) {
    throw new FormatError(path, '', `cannot be opened as HDF5: ${(e as Error).message}`);
  }
  try {
    const root = file.get('node');
    if (!(root instanceof lib.Group)) throw new FormatError(path, '/node', 'no `node` group: not a NIR file');
    const versionEntry = file.get('version');
    const version = versionEntry instanceof lib.Dataset ? String(versionEntry.value) : '';
    const graph = readNode(lib, root, path, '/node');
    const rootMeta = file.get('metadata');
    if (rootMeta instanceof lib.Group) graph.metadata = { ...readMetadata(lib, rootMeta, path, '/metadata'), ...(graph.metadata ?? {}) };
    return { version, graph };
  } finally {
    file.close();
  }
}

function writeField(group: H5Group, key: string, field: NirField): void {
  if (typeof field === 'string') {
    group.create_dataset({ name: key, data: field });
  } else {
    group.create_dataset({ name: key, data: Float64Array.from(field.data), shape: field.shape, dtype: '<d' });
  }
}

function writeNode(group: H5Group, node: NirNode): void {
  group.create_dataset({ name: 'type', data: node.type });
  for (const [key, field] of Object.entries(node.fields)) {
    if (key === 'shape' && typeof field !== 'string') {
      // The reference package stores Input/Output shapes as int64.
      group.create_dataset({ name: key, data: BigInt64Array.from(field.data, (v) => BigInt(v)), shape: field.shape, dtype: '<q' });
    } else {
      writeField(group, key, field);
    }
  }
  if (node.type === 'NIRGraph') {
    const nodes = group.create_group('nodes');
    for (const [name, child] of Object.entries(node.nodes ?? {})) writeNode(nodes.create_group(name), child);
    const edges = node.edges ?? [];
    group.create_dataset({ name: 'edges', data: edges.flat(), shape: [edges.length, 2] });
  }
  if (node.metadata && Object.keys(node.metadata).length > 0) {
    const meta = group.create_group('metadata');
    for (const [key, field] of Object.entries(node.metadata)) writeField(meta, key, field);
  }
}

/** Writes a NIR file: `version`, and the graph under the group `node`. */
export async function writeNirFile(path: string, doc: NirDocument): Promise<void> {
  const lib = await h5();
  const file = new lib.File(path, 'w');
  try {
    file.create_dataset({ name: 'version', data: doc.version });
    writeNode(file.create_group('node'), doc.graph);
  } finally {
    file.close();
  }
}
