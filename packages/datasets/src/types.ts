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
  /** [T] the task's own loss weight per step, when it defines one (cue: recall window, adding: last step). */
  readonly lossMask?: Float64Array;
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

/** Options of a streaming batch iterator (same meaning as for `batches`). */
export interface BatchOptions {
  shuffle?: boolean;
  seed?: number;
  dropLast?: boolean;
  /** Skip the first this many batches of the order without reading them (resuming mid-epoch). */
  startBatch?: number;
}

/**
 * A dataset that produces [B, T, I] batches on demand without holding every sequence in memory
 * (file-backed SHD/SSC/N-MNIST, generators). `labels` are all known up front.
 */
export interface BatchSource {
  readonly name: string;
  readonly size: number;
  readonly steps: number;
  readonly inputs: number;
  readonly classes: number;
  readonly labels: Int32Array;
  /** Writes sequences `indices` into `out` ([indices.length, T, I]); `out` must be zeroed. */
  gather(indices: ArrayLike<number>, out: Float32Array): void;
  /** Sequence n as a fresh [T, I] array. */
  sample(n: number): Float32Array;
  /** Mini-batches covering every sequence once (seeded order with `shuffle`), fresh copies. */
  batches(batchSize: number, options?: BatchOptions): Generator<Batch>;
}

/** The splits of a file-backed dataset, streamed (see `DatasetDefinition.open`). */
export interface DatasetSplits {
  readonly train: BatchSource;
  /** The dataset's own test split, when it has one next to the training data. */
  readonly test?: BatchSource;
  /** The dataset's own validation split (SSC). */
  readonly valid?: BatchSource;
  /** The task's natural per-step loss mask [T], when it defines one. */
  readonly lossMask?: Float64Array;
  /** Files or folders read, for messages. */
  readonly files: readonly string[];
  /** Releases open files. */
  close(): void;
}

/** A registered dataset: a name, a description and a factory taking plain (e.g. JSON or CLI) options. */
export interface DatasetDefinition {
  readonly name: string;
  readonly description: string;
  /** Builds the whole dataset in memory (file-backed ones read `options.path`). */
  create(options: Readonly<Record<string, unknown>>): SequenceDataset;
  /** File-backed datasets: opens `options.path` and its own splits, streamed. */
  open?(options: Readonly<Record<string, unknown>>): DatasetSplits;
  /** Reads HDF5: `await initHdf5()` before `create` / `open`. */
  readonly needsHdf5?: boolean;
}
