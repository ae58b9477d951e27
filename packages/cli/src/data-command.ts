import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { asBatchSource, getDataset, getDatasetDefinition, initHdf5, listDatasets, rasterSvg, type BatchSource, type SpikeFile } from '@snn/datasets';
import { InvalidArgumentError } from '@snn/errors';

const jsonOptions = (value: string): Record<string, unknown> => {
  try {
    const v = JSON.parse(value) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new CommanderArgumentError(`--options must be a JSON object, e.g. '{"bins":250}', got "${value}"`);
  }
};
const nonNegativeInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CommanderArgumentError(`${name} must be a non-negative integer, got "${value}"`);
  return n;
};

/** Summary statistics of a task, as printed by `snn data`. */
export interface DataSummary {
  task: string;
  files: readonly string[];
  split: string;
  size: number;
  steps: number;
  inputs: number;
  classes: number;
  classNames: readonly string[];
  classCounts: number[];
  /** Mean fraction of non-zero inputs per (step, input) over the measured samples. */
  spikeRate: number;
  /** Mean number of non-zero entries (binned spikes) per sample. */
  spikesPerSample: number;
  /** Mean and max duration in seconds (last spike time) for event files. */
  durationMean?: number;
  durationMax?: number;
  measured: number;
}

/** Statistics over the first `limit` samples of a source (all its labels). */
export function summarise(task: string, source: BatchSource, files: readonly string[], split: string, limit = 256): DataSummary {
  const classCounts = new Array<number>(source.classes).fill(0);
  for (const l of source.labels) classCounts[l]!++;
  const measured = Math.min(limit, source.size);
  let nonZero = 0;
  let seen = 0;
  for (const batch of source.batches(64)) {
    const take = Math.min(batch.size, measured - seen);
    const end = take * source.steps * source.inputs;
    for (let i = 0; i < end; i++) if (batch.x[i] !== 0) nonZero++;
    seen += take;
    if (seen >= measured) break;
  }
  const summary: DataSummary = {
    task,
    files,
    split,
    size: source.size,
    steps: source.steps,
    inputs: source.inputs,
    classes: source.classes,
    classNames: (source as Partial<SpikeFile>).classNames ?? [],
    classCounts,
    spikeRate: measured ? nonZero / (measured * source.steps * source.inputs) : 0,
    spikesPerSample: measured ? nonZero / measured : 0,
    measured,
  };
  const events = (source as Partial<SpikeFile>).events;
  if (typeof events === 'function' && measured > 0) {
    let sum = 0;
    let max = 0;
    for (const e of events(0, measured)) {
      let last = 0;
      for (const t of e.times) last = Math.max(last, t);
      sum += last;
      max = Math.max(max, last);
    }
    summary.durationMean = sum / measured;
    summary.durationMax = max;
  }
  return summary;
}

/**
 * Adds `snn data --task NAME [--data PATH]`: prints shape, classes, spike rate and duration of a
 * dataset and writes a spike raster (SVG) of one sample. Also initialises the HDF5 library
 * before `snn train` for HDF5 tasks.
 */
export function addDataCommand(program: Command, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Command {
  program.hook('preAction', async (_root, action) => {
    if (action.name() !== 'train') return;
    const opts = action.opts() as { task?: string; dataset?: string };
    const name = opts.task ?? opts.dataset;
    if (name && listDatasets().includes(name) && getDatasetDefinition(name).needsHdf5) await initHdf5();
  });
  return program
    .command('data')
    .description('inspect a dataset: shape, classes, spike rate, duration; writes a spike raster (SVG) of one sample')
    .requiredOption('--task <name>', 'dataset / task name (see the list printed for an unknown name)')
    .option('--data <path>', 'file or folder of a file-backed task (shd, ssc: .h5/.h5.gz or a folder; nmnist; smnist)')
    .option('--split <name>', 'train, test or valid (file-backed tasks)', 'train')
    .option('--options <json>', 'dataset options as JSON (e.g. binning: {"bins":250,"binWidth":0.004})', jsonOptions, {})
    .option('--sample <n>', 'sample drawn in the raster', nonNegativeInt('--sample'), 0)
    .option('--raster <file>', 'raster picture to write (.svg); default <task>-<split>-<n>.svg')
    .option('--no-raster', 'do not write a raster')
    .option('--stats-samples <n>', 'samples measured for the spike statistics', nonNegativeInt('--stats-samples'), 256)
    .option('--json', 'print the summary as one JSON object')
    .action(async (opts: { task: string; data?: string; split: string; options: Record<string, unknown>; sample: number; raster?: string | false; statsSamples: number; json?: boolean }) => {
      const definition = getDatasetDefinition(opts.task);
      if (definition.needsHdf5) await initHdf5();
      let source: BatchSource;
      let files: readonly string[] = [];
      let close = () => {};
      if (definition.open) {
        const splits = definition.open({ ...opts.options, ...(opts.data !== undefined ? { path: opts.data } : {}) });
        close = () => splits.close();
        const chosen = opts.split === 'train' ? splits.train : opts.split === 'test' ? splits.test : opts.split === 'valid' ? splits.valid : undefined;
        if (!chosen) {
          close();
          throw new InvalidArgumentError('--split', `task "${opts.task}" at ${opts.data} has no "${opts.split}" split (found: ${splits.files.join(', ')})`);
        }
        source = chosen;
        const file = (chosen as Partial<SpikeFile>).file;
        files = file ? [file] : splits.files;
      } else {
        if (opts.data !== undefined) throw new InvalidArgumentError('--data', `task "${opts.task}" is generated and reads no files`);
        source = asBatchSource(getDataset(opts.task, { seed: 1, ...opts.options }));
      }
      try {
        const s = summarise(opts.task, source, files, opts.split, opts.statsSamples);
        let rasterPath: string | undefined;
        if (opts.raster !== false) {
          if (opts.sample >= source.size) throw new InvalidArgumentError('--sample', `must be < ${source.size}, got ${opts.sample}`);
          rasterPath = resolve(typeof opts.raster === 'string' ? opts.raster : `${opts.task}-${opts.split}-${opts.sample}.svg`);
          const label = source.labels[opts.sample]!;
          const name = s.classNames[label] ? ` "${s.classNames[label]}"` : '';
          writeFileSync(rasterPath, rasterSvg(source.sample(opts.sample), source.steps, source.inputs, { title: `${opts.task} ${opts.split} sample ${opts.sample}: class ${label}${name}` }));
        }
        if (opts.json) {
          out(JSON.stringify({ ...s, ...(rasterPath ? { raster: rasterPath } : {}) }));
          return;
        }
        out(`task ${s.task}${files.length ? ` (${files.join(', ')})` : ''}, split ${s.split}`);
        out(`shape [N, T, I] = [${s.size}, ${s.steps}, ${s.inputs}], ${s.classes} classes`);
        out(`classes: ${s.classCounts.map((c, k) => `${s.classNames[k] ?? k}: ${c}`).join(', ')}`);
        out(`spike rate ${(100 * s.spikeRate).toFixed(3)}% of (step, input) entries, ${s.spikesPerSample.toFixed(1)} per sample (first ${s.measured} samples)`);
        if (s.durationMean !== undefined) out(`duration mean ${s.durationMean.toFixed(3)} s, max ${s.durationMax!.toFixed(3)} s (last spike)`);
        else out(`duration ${s.steps} steps`);
        if (rasterPath) out(`raster of sample ${opts.sample}: ${rasterPath}`);
      } finally {
        close();
      }
    });
}
