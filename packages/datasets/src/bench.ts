import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '@snn/random';
import { loadSpikeFile } from './spike-file';
import { writeSpikeFile } from './spike-writer';

/** Options of {@link benchSpikeLoader}. */
export interface SpikeLoaderBenchOptions {
  /** Samples in the synthetic SHD-format file. Default 512. */
  samples?: number;
  /** Spikes per sample (uniform times in [0, 1) s, uniform channels). Default 4000. */
  spikesPerSample?: number;
  /** Bin counts to measure; the bin width is 1 s / bins. Default [100, 1000]. */
  bins?: number[];
  batchSize?: number;
  /** Also time the .h5.gz variant (gunzip at open). Default false. */
  gzip?: boolean;
}

/** One benchmark row. */
export interface SpikeLoaderBenchRow {
  name: string;
  bins: number;
  samples: number;
  spikesPerSample: number;
  samples_per_s: number;
  ms_per_batch: number;
  open_ms: number;
}

/**
 * Loader throughput on a synthetic file in the SHD layout (float16 times, uint16 units): one
 * shuffled epoch of streamed, binned [B, T, 700] batches per bin count (samples/s).
 */
export async function benchSpikeLoader(options: SpikeLoaderBenchOptions = {}): Promise<SpikeLoaderBenchRow[]> {
  const samples = options.samples ?? 512;
  const spikes = options.spikesPerSample ?? 4000;
  const batchSize = options.batchSize ?? 32;
  const dir = mkdtempSync(join(tmpdir(), 'snn-bench-shd-'));
  try {
    const r = createRandom(1);
    const times: Float64Array[] = [];
    const units: Uint16Array[] = [];
    for (let n = 0; n < samples; n++) {
      const t = new Float64Array(spikes);
      for (let e = 0; e < spikes; e++) t[e] = r.next();
      t.sort();
      times.push(t);
      units.push(Uint16Array.from({ length: spikes }, () => r.int(700)));
    }
    const labels = Int32Array.from({ length: samples }, (_, n) => n % 20);
    const rows: SpikeLoaderBenchRow[] = [];
    for (const ext of options.gzip ? ['.h5', '.h5.gz'] : ['.h5']) {
      const path = join(dir, `shd_train${ext}`);
      writeSpikeFile(path, { times, units, labels, timeBits: 16 });
      for (const bins of options.bins ?? [100, 1000]) {
        const opened = performance.now();
        const file = await loadSpikeFile(path, { bins, binWidth: 1 / bins });
        const openMs = performance.now() - opened;
        const started = performance.now();
        let seen = 0;
        let count = 0;
        for (const b of file.batches(batchSize, { shuffle: true, seed: 1 })) {
          seen += b.size;
          count++;
        }
        const seconds = (performance.now() - started) / 1000;
        file.close();
        rows.push({ name: `shd-loader${ext}-T${bins}`, bins, samples: seen, spikesPerSample: spikes, samples_per_s: seen / seconds, ms_per_batch: (1000 * seconds) / count, open_ms: openMs });
      }
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
