import type { Batch } from './types';

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
