import { Command, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { parseDType } from '@snn/core';
import { InvalidArgumentError, SnnError } from '@snn/errors';
import { benchmarkGemm } from '@snn/tensor';
import { spawnSync } from 'node:child_process';
import { benchSpikeLoader } from '@snn/datasets';
import { benchBptt, benchHyprSpeed, benchMemoryOnce, defaultBpttBench, defaultHyprSpeed } from './bench';
import { addDataCommand } from './data-command';
import { gradcheck } from './gradcheck';
import { loadPlugins, registerBuiltins } from './plugins';
import { defaultTrainConfig, train, type TrainConfig } from './train';

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CommanderArgumentError(`${name} must be a positive integer, got "${value}"`);
  return n;
};
/** A comma-separated list of positive integers (checked inside an action, so a typed error that prints). */
const positiveIntList = (name: string, value: unknown): number[] =>
  String(value).split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(name, `must be a comma-separated list of positive integers, got "${String(value)}"`);
    return n;
  });
const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new CommanderArgumentError(`${name} must be a positive number, got "${value}"`);
  return n;
};
const nonNegativeNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n >= 0) || !Number.isFinite(n)) throw new CommanderArgumentError(`${name} must be a number >= 0, got "${value}"`);
  return n;
};
/** BRF integrates dt * I with dt = 0.01: at the LIF scales its neurons never reach threshold. */
const brfInitScales = { inputScale: 100, recurrentScale: 50 };
const fraction = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new CommanderArgumentError(`${name} must be in [0, 1], got "${value}"`);
  return n;
};
const jsonObject = (name: string) => (value: string) => {
  try {
    const v = JSON.parse(value) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new CommanderArgumentError(`${name} must be a JSON object, e.g. '{"alpha":0.95}', got "${value}"`);
  }
};
const dtypeOption = (value: string) => {
  try {
    return parseDType(value);
  } catch (e) {
    throw new CommanderArgumentError((e as Error).message);
  }
};

function formatBench(r: ReturnType<typeof benchBptt>): string {
  const rate = (100 * (r.hidden_spike_rate as number)).toFixed(1);
  return `${r.name}: ${r.samples_per_s.toFixed(1)} samples/s, ${r.ms_per_step.toFixed(1)} ms per training step (kernels ${String(r.kernels)}, ${rate}% hidden spikes per step)`;
}

export function buildProgram(out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Command {
  const program = new Command('snn')
    .description('Train recurrent spiking networks online and semi-online; check gradients; benchmark')
    .option('--plugin <package...>', 'load cells and rules from these packages')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('train')
    .description('train a network (defaults: LIF RSNN, BPTT, Randman); writes a run folder')
    .option('--dataset <name>', 'dataset', defaultTrainConfig.dataset)
    .option('--dataset-options <json>', 'dataset options as JSON', jsonObject('--dataset-options'), {})
    .option('--task <name>', 'task (dataset) name: randman, cue, adding, morse, shd, ssc, nmnist, smnist (--dataset is an alias)')
    .option('--data <path>', 'data file or folder of a file-backed task (shd, ssc: .h5/.h5.gz or a folder with the split files)')
    .option('--cell <name>', 'cell', defaultTrainConfig.cell)
    .option('--cell-options <json>', 'cell constants as JSON', jsonObject('--cell-options'))
    .option('--hidden <n>', 'neurons per layer', positiveInt('--hidden'), defaultTrainConfig.hidden)
    .option('--layers <n>', 'recurrent layers', positiveInt('--layers'), defaultTrainConfig.layers)
    .option('--rule <name>', 'learning rule', defaultTrainConfig.rule)
    .option('--rule-options <json>', 'rule options as JSON', jsonObject('--rule-options'), {})
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'adamax', 'sgd']).default(defaultTrainConfig.optimizer))
    .option('--lr <rate>', 'learning rate', positiveNumber('--lr'), defaultTrainConfig.learningRate)
    .option('--momentum <m>', 'SGD momentum', fraction('--momentum'), 0)
    .option('--epochs <n>', 'epochs', positiveInt('--epochs'), defaultTrainConfig.epochs)
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), defaultTrainConfig.batchSize)
    .option('--seed <n>', 'seed of data, initialisation and shuffling', positiveInt('--seed'), defaultTrainConfig.seed)
    .option('--kappa <k>', 'readout leak', fraction('--kappa'), defaultTrainConfig.kappa)
    .option('--loss-window <f>', 'fraction of the last steps whose loss counts', fraction('--loss-window'), defaultTrainConfig.lossWindow)
    .option('--input-scale <s>', `W_in ~ N(0, (s / sqrt(fan-in))^2) (default: ${defaultTrainConfig.inputScale}; BRF ${brfInitScales.inputScale}, since it integrates dt * I with dt = 0.01)`, positiveNumber('--input-scale'))
    .option('--recurrent-scale <s>', `W_rec ~ N(0, (s / sqrt(H))^2) (default: ${defaultTrainConfig.recurrentScale}; BRF ${brfInitScales.recurrentScale})`, nonNegativeNumber('--recurrent-scale'))
    .option('--lr-scale <json>', 'learning-rate factor per parameter name, 0 freezes it (e.g. \'{"beta": 0}\')', jsonObject('--lr-scale'))
    .option('--clip <norm>', 'clip the global gradient norm at this value (0: no clipping)', nonNegativeNumber('--clip'), defaultTrainConfig.clipNorm)
    .option('--dtype <dtype>', 'f32 or f64', dtypeOption, defaultTrainConfig.dtype)
    .option('--out <dir>', 'parent folder of the run folder', defaultTrainConfig.outDir)
    .option('--no-progress', 'no progress bar')
    .action((opts: Record<string, any>) => {
      const config: TrainConfig = {
        ...defaultTrainConfig,
        dataset: opts.task ?? opts.dataset,
        datasetOptions: opts.datasetOptions,
        data: opts.data,
        cell: opts.cell,
        cellOptions: opts.cellOptions ?? (opts.cell === 'lif' ? defaultTrainConfig.cellOptions : {}),
        hidden: opts.hidden,
        layers: opts.layers,
        rule: opts.rule,
        ruleOptions: opts.ruleOptions,
        optimizer: opts.optimizer,
        learningRate: opts.lr,
        momentum: opts.momentum,
        epochs: opts.epochs,
        batchSize: opts.batchSize,
        seed: opts.seed,
        kappa: opts.kappa,
        lossWindow: opts.lossWindow,
        inputScale: opts.inputScale ?? (opts.cell === 'brf' ? brfInitScales.inputScale : defaultTrainConfig.inputScale),
        recurrentScale: opts.recurrentScale ?? (opts.cell === 'brf' ? brfInitScales.recurrentScale : defaultTrainConfig.recurrentScale),
        clipNorm: opts.clip,
        ...(opts.lrScale ? { learningRateScale: opts.lrScale as Record<string, number> } : {}),
        dtype: opts.dtype,
        outDir: opts.out,
      };
      let bar: SingleBar | null = null;
      const useBar = opts.progress !== false && process.stderr.isTTY;
      train(config, {
        start: ({ runDir, batchesPerEpoch, trainSize, testSize }) => {
          out(`run folder: ${runDir}`);
          out(`${config.cell} x ${config.hidden} (${config.layers} layer), rule ${config.rule}, ${config.dataset}: ${trainSize} train / ${testSize} test sequences`);
          if (useBar) {
            bar = new SingleBar(
              { format: 'epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | acc {acc} | eta {eta_formatted}', hideCursor: true, clearOnComplete: true },
              Presets.shades_classic,
            );
            bar.start(batchesPerEpoch, 0, { epoch: 1, loss: '-', acc: '-' });
            (bar as unknown as { total: number }).total = batchesPerEpoch;
          }
        },
        batch: ({ epoch, batch, loss, accuracy }) => {
          if (!bar) return;
          if (batch === 1 && epoch > 1) bar.start((bar as unknown as { total: number }).total, 0, { epoch });
          bar.update(batch, { epoch, loss: loss.toFixed(3), acc: (100 * accuracy).toFixed(1) + '%' });
        },
        epoch: (m) => {
          (bar as SingleBar | null)?.stop();
          out(
            `epoch ${String(m.epoch).padStart(3)}  train loss ${m.train_loss.toFixed(4)} acc ${(100 * m.train_accuracy).toFixed(1)}%  ` +
              `test loss ${m.test_loss.toFixed(4)} acc ${(100 * m.test_accuracy).toFixed(1)}%  (${m.seconds.toFixed(1)} s, ${m.samples_per_s.toFixed(0)} samples/s)`,
          );
        },
        done: ({ runDir, best }) => out(`best test accuracy ${(100 * best.test_accuracy).toFixed(1)}% (epoch ${best.epoch}); metrics in ${runDir}/metrics.jsonl`),
      });
    });

  addDataCommand(program, out);

  program
    .command('gradcheck')
    .description('check gradients against vector files (shared/spec/vectors.md format)')
    .argument('<files...>', 'vector files or folders of them')
    .option('--json', 'one JSON object per file')
    .option('--dtype <dtype>', 'f32 or f64', dtypeOption, 'float32')
    .option('--skip-unsupported', 'do not fail on cells or rules this build does not ship')
    .action((files: string[], opts: { json?: boolean; dtype: 'float32' | 'float64'; skipUnsupported?: boolean }) => {
      const code = gradcheck(files, { dtype: opts.dtype, json: !!opts.json, skipUnsupported: !!opts.skipUnsupported }, out);
      program.setOptionValue('exitCode', code);
    });

  const bench = program.command('bench').description('benchmarks (numbers, not tests)');
  const bpttCommand = (name: string) =>
    bench
      .command(name)
      .option('--json', 'one JSON object per line')
      .option('--inputs <n>', 'inputs', positiveInt('--inputs'), defaultBpttBench.inputs)
      .option('--hidden <n>', 'hidden LIF neurons', positiveInt('--hidden'), defaultBpttBench.hidden)
      .option('--outputs <n>', 'classes', positiveInt('--outputs'), defaultBpttBench.outputs)
      .option('--steps <n>', 'time steps', positiveInt('--steps'), defaultBpttBench.steps)
      .option('--batch <n>', 'batch size', positiveInt('--batch'), defaultBpttBench.batch)
      .option('--rate <p>', 'input spike probability per step', fraction('--rate'), defaultBpttBench.inputRate)
      .option('--seconds <s>', 'measure at least this long', positiveNumber('--seconds'), defaultBpttBench.seconds)
      .option('--sizes <list>', 'GEMM sizes, comma separated', '64,128,256,512,1024');
  bpttCommand('bptt')
    .description('BPTT training throughput of an LIF RSNN (700-256-20, T=100, batch 32 by default)')
    .action((opts: Record<string, any>) => {
      const r = benchBptt({ inputs: opts.inputs, hidden: opts.hidden, outputs: opts.outputs, steps: opts.steps, batch: opts.batch, inputRate: opts.rate, seconds: opts.seconds });
      out(opts.json ? JSON.stringify(r) : formatBench(r));
    });
  const gemmAction = async (opts: Record<string, any>) => {
    const sizes = positiveIntList('--sizes', opts.sizes);
    const rows = await benchmarkGemm({ sizes });
    for (const r of rows) {
      out(opts.json ? JSON.stringify({ name: `gemm-${r.backend}-${r.size}`, ...r }) : `gemm ${r.backend.padEnd(26)} n=${String(r.size).padStart(4)}  ${r.gflops.toFixed(2)} GFLOP/s  ${r.msPerCall.toFixed(2)} ms`);
    }
  };
  bpttCommand('gemm').description('GEMM GFLOP/s per backend for square sizes').action(gemmAction);
  bpttCommand('all')
    .description('every benchmark: GEMM per backend, then BPTT throughput')
    .action(async (opts: Record<string, any>) => {
      await gemmAction(opts);
      const r = benchBptt({ inputs: opts.inputs, hidden: opts.hidden, outputs: opts.outputs, steps: opts.steps, batch: opts.batch, inputRate: opts.rate, seconds: opts.seconds });
      out(opts.json ? JSON.stringify(r) : formatBench(r));
    });
  bench
    .command('hypr')
    .description('wall time per step of sequential e-prop vs HYPR at each lambda (same network, same gradient), the ratio, and where HYPR spends its time')
    .option('--json', 'one JSON object per line')
    .option('--cells <list>', 'cells, comma separated', 'lif,brf')
    .option('--inputs <n>', 'inputs', positiveInt('--inputs'), defaultHyprSpeed.inputs)
    .option('--hidden <n>', 'hidden neurons', positiveInt('--hidden'), defaultHyprSpeed.hidden)
    .option('--outputs <n>', 'classes', positiveInt('--outputs'), defaultHyprSpeed.outputs)
    .option('--batch <n>', 'batch size', positiveInt('--batch'), defaultHyprSpeed.batch)
    .option('--steps <n>', 'sequence length HYPR runs per lambda', positiveInt('--steps'), defaultHyprSpeed.steps)
    .option('--eprop-steps <n>', 'steps of e-prop that are timed (its cost per step does not depend on T)', positiveInt('--eprop-steps'), defaultHyprSpeed.epropSteps)
    .option('--lambdas <list>', 'segment lengths, comma separated', defaultHyprSpeed.lambdas.join(','))
    .option('--rate <p>', 'input spike probability per step', fraction('--rate'), defaultHyprSpeed.inputRate)
    .option('--input-scale <s>', 'input weight scale (default: per cell, for a few % hidden spikes)', positiveNumber('--input-scale'))
    .action((opts: Record<string, any>) => {
      const lambdas = positiveIntList('--lambdas', opts.lambdas);
      for (const cell of String(opts.cells).split(',').map((s) => s.trim())) {
        const rows = benchHyprSpeed({ cell, inputs: opts.inputs, hidden: opts.hidden, outputs: opts.outputs, batch: opts.batch, steps: opts.steps, epropSteps: opts.epropSteps, lambdas, inputRate: opts.rate, inputScale: opts.inputScale });
        for (const r of rows) {
          if (opts.json) {
            out(JSON.stringify(r));
            continue;
          }
          const ms = (k: string) => (r[k] as number).toFixed(2);
          out(r.rule === 'eprop'
            ? `${cell.padEnd(8)} e-prop        ${r.ms_per_step.toFixed(2).padStart(8)} ms/step  (hidden spike rate ${((r.hidden_spike_rate as number) * 100).toFixed(1)}%)`
            : `${cell.padEnd(8)} hypr l=${String(r.lambda).padEnd(5)}  ${r.ms_per_step.toFixed(2).padStart(8)} ms/step  e-prop/HYPR ${(r.ratio_eprop_over_hypr as number).toFixed(1).padStart(5)}x   S-stage ${ms('sStage_ms_per_step')}, scan ${ms('scan_ms_per_step')}, carry-in ${ms('carryIn_ms_per_step')}, factors ${ms('factors_ms_per_step')}, products ${ms('products_ms_per_step')}${r.event_driven_products ? ' (event-driven)' : ''}, params ${ms('parameters_ms_per_step')}`);
        }
      }
    });
  bench
    .command('loader')
    .description('SHD-format loader throughput (samples/s) at 100 and 1000 bins, on a synthetic file')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { json?: boolean }) => {
      for (const r of await benchSpikeLoader()) {
        out(opts.json ? JSON.stringify(r) : `${r.name}: ${r.samples_per_s.toFixed(0)} samples/s (${r.bins} bins, ${r.ms_per_batch.toFixed(1)} ms per batch)`);
      }
    });
  const memoryOptions = (cmd: Command) =>
    cmd
      .option('--json', 'one JSON object per line')
      .option('--cell <name>', 'cell', 'lif')
      .option('--inputs <n>', 'inputs', positiveInt('--inputs'), 100)
      .option('--hidden <n>', 'hidden neurons', positiveInt('--hidden'), 64)
      .option('--outputs <n>', 'classes', positiveInt('--outputs'), 10)
      .option('--batch <n>', 'batch size', positiveInt('--batch'), 4)
      .option('--rate <p>', 'input spike probability per step', fraction('--rate'), 0.02)
      .option('--lambda <n>', 'HYPR segment length', positiveInt('--lambda'), 32);
  memoryOptions(bench.command('memory-one', { hidden: true }))
    .requiredOption('--rule <name>', 'rule')
    .requiredOption('--steps <n>', 'sequence length', positiveInt('--steps'))
    .action((opts: Record<string, any>) => {
      // 'hypr:32' names HYPR with lambda 32; 'tbptt:10' TBPTT with k 10.
      const [rule, parameter] = String(opts.rule).split(':');
      const ruleOptions = rule === 'hypr' ? { lambda: parameter ? Number(parameter) : opts.lambda } : rule === 'tbptt' ? { k: Number(parameter ?? 10) } : {};
      out(JSON.stringify(benchMemoryOnce({ rule: rule!, ruleOptions, cell: opts.cell, inputs: opts.inputs, hidden: opts.hidden, outputs: opts.outputs, steps: opts.steps, batch: opts.batch, inputRate: opts.rate, seed: 1 })));
    });
  memoryOptions(bench.command('memory'))
    .description('bytes held by the learner and peak RSS over one sequence of T steps, per rule (each run in a fresh process)')
    .option('--rules <list>', "rules, comma separated ('hypr:32' sets lambda, 'tbptt:10' sets k)", 'bptt,eprop,hypr')
    .option('--steps <list>', 'sequence lengths, comma separated', '1000,10000,100000')
    .action((opts: Record<string, any>) => {
      const passOn = ['--cell', opts.cell, '--inputs', opts.inputs, '--hidden', opts.hidden, '--outputs', opts.outputs, '--batch', opts.batch, '--rate', opts.rate, '--lambda', opts.lambda].map(String);
      for (const rule of String(opts.rules).split(',')) {
        for (const steps of positiveIntList('--steps', opts.steps)) {
          const child = spawnSync(process.execPath, [process.argv[1]!, 'bench', 'memory-one', '--rule', rule, '--steps', String(steps), ...passOn], { encoding: 'utf8', maxBuffer: 1 << 20 });
          if (child.status !== 0) {
            out(opts.json ? JSON.stringify({ name: `memory-${rule}-T${steps}`, error: (child.stderr || '').trim().split('\n').pop() }) : `${rule} T=${steps}: failed (${(child.stderr || '').trim().split('\n').pop()})`);
            continue;
          }
          const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, number | string>;
          const mib = (b: number) => (b / 1048576).toFixed(1);
          out(opts.json ? JSON.stringify(r) : `${String(rule).padEnd(6)} T=${String(steps).padStart(7)}  learner ${mib(r.learner_bytes as number).padStart(9)} MiB  peak RSS ${mib(r.peak_rss_bytes as number).padStart(8)} MiB  ${(r.ms_per_step as number).toFixed(3)} ms/step`);
        }
      }
    });
  return program;
}

/** Runs the CLI; resolves to the exit status. Typed @snn errors print their message, not a stack. */
export async function runCli(argv: readonly string[], out?: (line: string) => void): Promise<number> {
  registerBuiltins();
  const program = buildProgram(out);
  try {
    program.hook('preAction', async (cmd) => {
      const plugins = (cmd.optsWithGlobals() as { plugin?: string[] }).plugin;
      if (plugins?.length) await loadPlugins(plugins);
    });
    await program.parseAsync([...argv]);
    return (program.getOptionValue('exitCode') as number | undefined) ?? 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : (err.exitCode ?? 2);
    }
    if (SnnError.isInstance(e)) {
      process.stderr.write(`snn: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
