// File access comes from './files', which the browser build of this package swaps for a stub.
import { readFileSync, writeFileSync } from './files';
import type { DType } from '@snn/protocol';
import { CheckpointError, SnnError } from '@snn/errors';
import { Network, type NetworkSpec } from './network';

/** What a checkpoint file holds. Parameter values are little-endian raw bytes, base64. */
export interface CheckpointDocument {
  format: 'snn-checkpoint';
  version: 1;
  dtype: DType;
  /** The network spec, with cells by name (cell instances are stored by their name and options). */
  spec: NetworkSpec;
  parameters: Record<string, { shape: number[]; data: string }>;
  /** Anything the caller wants to keep (epoch, metrics, optimizer name, ...). */
  metadata?: Record<string, unknown>;
}

function toBase64(data: Float32Array | Float64Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** A JSON-serializable snapshot of the network's spec and parameters. */
export function serializeNetwork(network: Network, metadata?: Record<string, unknown>): CheckpointDocument {
  const spec: NetworkSpec = {
    ...network.spec,
    layers: network.spec.layers.map((l, i) => {
      const cell = network.layers[i]!.cell;
      return { cell: cell.name, neurons: l.neurons, recurrent: l.recurrent ?? true, cellOptions: { ...cell.options } };
    }),
  };
  const parameters: CheckpointDocument['parameters'] = {};
  for (const p of network.parameters()) parameters[p.name] = { shape: [...p.shape], data: toBase64(p.data) };
  return { format: 'snn-checkpoint', version: 1, dtype: network.dtype, spec, parameters, ...(metadata ? { metadata } : {}) };
}

/** Rebuilds a network from `serializeNetwork` output (cells are looked up in the registry by name). */
export function deserializeNetwork(doc: CheckpointDocument, source = 'checkpoint'): Network {
  if (!doc || doc.format !== 'snn-checkpoint' || doc.version !== 1) {
    throw new CheckpointError(source, 'not an snn-checkpoint version 1 document');
  }
  let network: Network;
  try {
    network = new Network(doc.spec, { dtype: doc.dtype, naming: Object.keys(doc.parameters).some((n) => n.startsWith('l0.')) ? 'prefixed' : 'flat' });
  } catch (e) {
    if (SnnError.isInstance(e)) throw new CheckpointError(source, `its network cannot be built: ${e.message}`);
    throw e;
  }
  for (const p of network.parameters()) {
    const entry = doc.parameters[p.name];
    if (!entry) throw new CheckpointError(source, `parameter ${p.name} is missing`);
    const bytes = Buffer.from(entry.data, 'base64');
    const width = doc.dtype === 'float64' ? 8 : 4;
    if (bytes.length !== p.data.length * width) {
      throw new CheckpointError(source, `parameter ${p.name} holds ${bytes.length / width} values, the network needs ${p.data.length}`);
    }
    const copy = new Uint8Array(bytes);
    const values = doc.dtype === 'float64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
    p.data.set(values);
  }
  network.markUpdated();
  return network;
}

export function saveCheckpoint(path: string, network: Network, metadata?: Record<string, unknown>): void {
  try {
    writeFileSync(path, JSON.stringify(serializeNetwork(network, metadata)));
  } catch (e) {
    throw new CheckpointError(path, `cannot be written: ${(e as Error).message}`);
  }
}

export function loadCheckpoint(path: string): { network: Network; metadata?: Record<string, unknown> } {
  let doc: CheckpointDocument;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as CheckpointDocument;
  } catch (e) {
    throw new CheckpointError(path, `cannot be read as JSON: ${(e as Error).message}`);
  }
  const network = deserializeNetwork(doc, path);
  return doc.metadata ? { network, metadata: doc.metadata } : { network };
}
