import { Command } from 'commander';
import { InvalidArgumentError } from '@snn/errors';
import { runQueuedSuite } from '@snn/queue';
import { getPreset, listPresets, registerStudy, runSuite, runWorkerTrial, type Axis, type Scale, type SuiteSpec } from '@snn/compare';
import type { TrainConfig } from '@snn/runs';
import { alignmentStudy } from './study-alignment';
import { speedStudy } from './study-speed';
import { brfInitScales, dtypeOption, jsonObject, nonNegativeNumber, positiveInt, positiveNumber } from './options';

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const numbers = (flag: string, s: string, integer: boolean): number[] =>
  list(s).map((x) => {
    const n = Number(x);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) throw new InvalidArgumentError(flag, `must be a comma-separated list of ${integer ? 'whole ' : ''}numbers, got "${s}"`);
    return n;
  });

/** Training options that may be swept: a comma list makes an axis of the grid, a single value sets the base. */
const sweepable: Array<{ flag: string; key: keyof TrainConfig; integer: boolean; opt: string }> = [
  { flag: '--hidden', key: 'hidden', integer: true, opt: 'hidden' },
  { flag: '--layers', key: 'layers', integer: true, opt: 'layers' },
  { flag: '--lr', key: 'learningRate', integer: false, opt: 'lr' },
  { flag: '--epochs', key: 'epochs', integer: true, opt: 'epochs' },
  { flag: '--batch-size', key: 'batchSize', integer: true, opt: 'batchSize' },
  { flag: '--momentum', key: 'momentum', integer: false, opt: 'momentum' },
  { flag: '--kappa', key: 'kappa', integer: false, opt: 'kappa' },
];

/** Options keyed by names of the axis (`{"tbptt": {"k": 5}, "hypr": {"lambda": 5}}`) apply per value; others to all. */
function perName(options: Record<string, unknown> | undefined, names: string[]): (name: string) => Record<string, unknown> | undefined {
  if (!options) return () => undefined;
  const keys = Object.keys(options);
  const keyed = keys.length > 0 && keys.every((k) => names.includes(k));
  return (name) => (keyed ? (options[name] as Record<string, unknown> | undefined) : options);
}

/** The suite a command line describes: a preset with overrides, or a grid of --tasks x --cells x --rules x swept options. */
export function suiteFromOptions(opts: Record<string, any>, given: (key: string) => boolean): SuiteSpec {
  const base: Partial<TrainConfig> = {};
  const axes: Axis[] = [];
  let spec: SuiteSpec;
  if (opts.preset) {
    spec = getPreset(opts.preset, opts.scale as Scale);
  } else {
    const tasks = list(opts.tasks ?? 'randman');
    const cells = list(opts.cells ?? 'lif');
    const rules = list(opts.rules ?? 'bptt');
    const ruleOptions = perName(opts.ruleOptions, rules);
    const cellOptions = perName(opts.cellOptions, cells);
    axes.push({ name: 'task', values: tasks.map((t) => ({ label: t, config: { dataset: t } })) });
    axes.push({
      name: 'cell',
      values: cells.map((c) => ({
        label: c,
        config: {
          cell: c,
          cellOptions: cellOptions(c) ?? (c === 'lif' ? { alpha: 0.9, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 25 } } : {}),
          ...(c === 'brf' && !given('inputScale') ? { inputScale: brfInitScales.inputScale } : {}),
          ...(c === 'brf' && !given('recurrentScale') ? { recurrentScale: brfInitScales.recurrentScale } : {}),
        },
      })),
    });
    axes.push({ name: 'rule', values: rules.map((r) => ({ label: r, config: { rule: r, ruleOptions: ruleOptions(r) ?? {} } })) });
    spec = { name: opts.name ?? 'compare', base: {}, axes: [], seeds: [1, 2, 3] };
  }
  for (const s of sweepable) {
    if (!given(s.opt)) continue;
    const values = numbers(s.flag, String(opts[s.opt]), s.integer);
    if (values.length === 1) (base as Record<string, unknown>)[s.key] = values[0];
    else axes.push({ name: s.flag.slice(2), values: values.map((v) => ({ label: `${s.flag.slice(2)}=${v}`, config: { [s.key]: v } as Partial<TrainConfig> })) });
  }
  if (given('optimizer')) {
    const names = list(opts.optimizer);
    if (names.length === 1) base.optimizer = names[0]!;
    else axes.push({ name: 'optimizer', values: names.map((o) => ({ label: o, config: { optimizer: o } })) });
  }
  const single: Array<[string, keyof TrainConfig]> = [
    ['datasetOptions', 'datasetOptions'], ['data', 'data'], ['inputScale', 'inputScale'], ['recurrentScale', 'recurrentScale'],
    ['clip', 'clipNorm'], ['dtype', 'dtype'], ['lossWindow', 'lossWindow'], ['lrScale', 'learningRateScale'],
  ];
  for (const [opt, key] of single) if (given(opt)) (base as Record<string, unknown>)[key] = opts[opt];
  if (opts.preset && (given('ruleOptions') || given('cellOptions'))) {
    if (given('ruleOptions')) base.ruleOptions = opts.ruleOptions;
    if (given('cellOptions')) base.cellOptions = opts.cellOptions;
  }
  const seeds = given('seeds') ? numbers('--seeds', opts.seeds, true) : spec.seeds;
  return { ...spec, base: { ...spec.base, ...base }, axes: [...spec.axes, ...axes], seeds };
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function addCompareCommand(program: Command, out: (line: string) => void): void {
  // Suites that are not training runs: the OTPE paper's alignment study, speed and memory vs T.
  registerStudy(alignmentStudy);
  registerStudy(speedStudy);
  program
    .command('compare')
    .description('train a grid of rules x cells x tasks x seeds (x swept options) with the same budget; table.md, results.jsonl, plots; the same command resumes a killed suite')
    .option('--preset <name>', 'a suite of the seed papers (see --list-presets)')
    .option('--scale <scale>', 'preset scale: tiny (seconds, for tests), default (minutes on 2 cores) or full (the paper\'s)', 'default')
    .option('--list-presets', 'list the presets and exit')
    .option('--rules <list>', 'learning rules, comma separated (default bptt)')
    .option('--cells <list>', 'cells, comma separated (default lif)')
    .option('--tasks <list>', 'tasks, comma separated (default randman)')
    .option('--seeds <list>', 'seeds, comma separated (default 1,2,3)')
    .option('--hidden <list>', 'neurons per layer (a comma list sweeps it)')
    .option('--layers <list>', 'layers (a comma list sweeps it)')
    .option('--lr <list>', 'learning rate (a comma list sweeps it)')
    .option('--epochs <list>', 'epochs (a comma list sweeps it)')
    .option('--batch-size <list>', 'batch size (a comma list sweeps it)')
    .option('--optimizer <list>', 'adam, adamax, sgd (a comma list sweeps it)')
    .option('--momentum <list>', 'SGD momentum (a comma list sweeps it)')
    .option('--kappa <list>', 'readout leak (a comma list sweeps it)')
    .option('--dataset-options <json>', 'task options as JSON', jsonObject('--dataset-options'))
    .option('--data <path>', 'data of a file-backed task')
    .option('--rule-options <json>', 'rule options as JSON, for all rules or per rule: \'{"tbptt": {"k": 5}, "hypr": {"lambda": 5}}\'', jsonObject('--rule-options'))
    .option('--cell-options <json>', 'cell options as JSON, for all cells or per cell', jsonObject('--cell-options'))
    .option('--input-scale <s>', 'input weight scale', positiveNumber('--input-scale'))
    .option('--recurrent-scale <s>', 'recurrent weight scale', nonNegativeNumber('--recurrent-scale'))
    .option('--clip <norm>', 'gradient-norm clipping (0: off)', nonNegativeNumber('--clip'))
    .option('--loss-window <f>', 'fraction of the last steps whose loss counts', positiveNumber('--loss-window'))
    .option('--lr-scale <json>', 'learning-rate factor per parameter name', jsonObject('--lr-scale'))
    .option('--dtype <dtype>', 'f32 or f64', dtypeOption)
    .option('--name <name>', 'the suite\'s name in titles (default: the preset, or "compare")')
    .option('--out <dir>', 'the suite\'s folder (the same command with the same --out resumes it)')
    .option('--jobs <n>', 'trials at once, each in a worker process', positiveInt('--jobs'), 1)
    .option('--queue <url>', 'run the trials on snn worker processes of this Redis server, on any machines: redis://HOST:PORT[/DB]')
    .action(async (opts: Record<string, any>, cmd: Command) => {
      if (opts.listPresets) {
        for (const p of listPresets()) out(`${p.name.padEnd(20)} ${p.description}`);
        return;
      }
      if (!opts.out) throw new InvalidArgumentError('--out', 'name the suite\'s folder, e.g. --out runs/compare-adding (the same --out resumes it)');
      if (!['tiny', 'default', 'full'].includes(opts.scale)) throw new InvalidArgumentError('--scale', `must be tiny, default or full, got "${opts.scale}"`);
      const spec = suiteFromOptions(opts, (key) => cmd.getOptionValueSource(key) === 'cli');
      const plugins = ((cmd.optsWithGlobals() as { plugin?: string[] }).plugin ?? []).flatMap((p) => ['--plugin', p]);
      const started = Date.now();
      if (opts.queue) {
        if (cmd.getOptionValueSource('jobs') === 'cli') throw new InvalidArgumentError('--jobs', 'does not apply with --queue: start more workers (snn worker --concurrency N) instead');
        const { dir, failures } = await runQueuedSuite(spec, {
          out: opts.out,
          queue: opts.queue,
          log: (line) => out(line),
          progress: (p) =>
            out(
              `[queued ${p.queued}, running ${p.running.length}, done ${p.done}/${p.total}, failed ${p.failed}] ` +
                p.running.map((r) => `${r.trial} on ${r.worker} (epoch ${r.epoch}/${r.epochs})`).join('; ') +
                `  (elapsed ${duration(p.elapsed)}, ETA ${p.eta === undefined ? '?' : duration(p.eta)})`,
            ),
        });
        out(`table: ${dir}/table.md; results: ${dir}/results.jsonl; plots: ${dir}/curves.png, ${dir}/accuracy.png (${duration((Date.now() - started) / 1000)})`);
        if (failures.length) {
          out(`${failures.length} trial(s) failed; their errors are listed in ${dir}/table.md`);
          cmd.parent!.setOptionValue('exitCode', 1);
        }
        return;
      }
      const { dir } = await runSuite(spec, {
        out: opts.out,
        jobs: opts.jobs,
        worker: { command: process.execPath, args: [process.argv[1]!, ...plugins, 'compare-trial'] },
        log: (line) => out(line),
        progress: (p) =>
          out(`[${p.done}/${p.total} done] ${p.trial.id}: epoch ${p.epoch}/${p.epochs}, test acc ${(100 * p.testAccuracy).toFixed(1)}%  (elapsed ${duration(p.elapsed)}, ETA ${p.eta === undefined ? '?' : duration(p.eta)})`),
      });
      out(`table: ${dir}/table.md; results: ${dir}/results.jsonl; plots: ${spec.study ? `${dir}/*.png` : `${dir}/curves.png, ${dir}/accuracy.png`} (${duration((Date.now() - started) / 1000)})`);
    });
  program
    .command('compare-trial', { hidden: true })
    .description('run one trial of a suite (the worker of snn compare --jobs N)')
    .argument('<suite-dir>')
    .argument('<trial-id>')
    .action(async (suiteDir: string, trialId: string) => {
      await runWorkerTrial(suiteDir, trialId, (line) => process.stdout.write(line + '\n'));
    });
}
