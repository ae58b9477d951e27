/** Dense spike/float inputs, sequence-major. */
export interface SequenceDataset {
  readonly name: string;
  /** N, the number of sequences. */
  readonly size: number;
  /** T, time steps per sequence. */
  readonly steps: number;
  /** I, input channels per step. */
  readonly inputs: number;
  /** C, number of classes; labels are in [0, C). */
  readonly classes: number;
  /** [N, T, I] row-major: x[(n * T + t) * I + i]. */
  readonly x: Float32Array;
  /** [N] class index per sequence. */
  readonly labels: Int32Array;
}

/** A mini-batch copied out of a dataset. */
export interface Batch {
  /** B, sequences in this batch (the last batch may be smaller). */
  readonly size: number;
  /** [B, T, I] row-major. */
  readonly x: Float32Array;
  /** [B] */
  readonly labels: Int32Array;
}

/** A registered dataset: a name, a description and a factory taking plain (e.g. JSON or CLI) options. */
export interface DatasetDefinition {
  readonly name: string;
  readonly description: string;
  create(options: Readonly<Record<string, unknown>>): SequenceDataset;
}
