/** An in-memory NIR graph, as the reference `nir` package writes it to HDF5. */

/** A numeric field: row-major values with their shape. */
export interface NirArray {
  shape: number[];
  data: Float64Array;
}

export type NirField = NirArray | string;

/** One node: its NIR `type` string and one entry per field. A `NIRGraph` node also has nodes and edges. */
export interface NirNode {
  type: string;
  fields: Record<string, NirField>;
  /** Only for `type === 'NIRGraph'`. */
  nodes?: Record<string, NirNode>;
  /** Only for `type === 'NIRGraph'`: [source, target] pairs. */
  edges?: Array<[string, string]>;
  /** Free-form datasets of a graph's `metadata` group (e.g. `dt`). */
  metadata?: Record<string, NirField>;
}

/** A whole NIR file: its version and its top-level NIRGraph. */
export interface NirDocument {
  version: string;
  graph: NirNode;
}

export function nirArray(data: ArrayLike<number>, shape: number[] = [data.length]): NirArray {
  return { shape, data: Float64Array.from(data) };
}

export function isArray(field: NirField | undefined): field is NirArray {
  return typeof field === 'object' && field !== null;
}
