import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdam, createNetwork, type DType } from '@snn/core';
import { encodeTrainingCheckpoint, readTrainingCheckpoint, writeTrainingCheckpoint } from '@snn/runs';

export interface CheckpointBenchRecord {
  name: string;
  parameters: number;
  bytes: number;
  write_ms: number;
  read_ms: number;
}

/**
 * Size, write time (encode + atomic write with fsync) and read time (parse + checksum + rebuild) of a
 * training checkpoint of an LIF RSNN with Adam's moments: what `snn train` pays at every checkpoint.
 */
export function benchCheckpoint(options: { inputs: number; hidden: number; outputs: number; dtype: DType; repeats?: number }): CheckpointBenchRecord {
  const network = createNetwork(
    { inputs: options.inputs, outputs: options.outputs, layers: [{ cell: 'lif', neurons: options.hidden, cellOptions: { alpha: 0.9, theta: 1 } }], readout: { kappa: 0.9 } },
    { dtype: options.dtype, seed: 1 },
  );
  const adam = createAdam(network.parameters(), { learningRate: 1e-3 }, () => network.markUpdated());
  adam.step(new Map(network.parameters().map((p) => [p.name, p.data.map(() => 1e-3)])));
  const dir = mkdtempSync(join(tmpdir(), 'snn-bench-checkpoint-'));
  const file = join(dir, 'checkpoint.json');
  const writes: number[] = [];
  const reads: number[] = [];
  try {
    for (let i = 0; i < (options.repeats ?? 9); i++) {
      const t0 = performance.now();
      const text = encodeTrainingCheckpoint(network, adam, undefined, {
        config: {},
        position: { epoch: 1, batch: 0, lossSum: 0, correct: 0, seen: 0 },
        random: { dataOrder: { seed: 1, startBatch: 0 } },
        metrics: [],
      });
      writeTrainingCheckpoint(file, text);
      writes.push(performance.now() - t0);
      const t1 = performance.now();
      readTrainingCheckpoint(file);
      reads.push(performance.now() - t1);
    }
    const median = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1]!;
    const parameters = network.parameters().reduce((n, p) => n + p.data.length, 0);
    return {
      name: `checkpoint-${options.inputs}-${options.hidden}-${options.outputs}-${options.dtype}`,
      parameters,
      bytes: statSync(file).size,
      write_ms: median(writes),
      read_ms: median(reads),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
