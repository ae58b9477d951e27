import { Command, Option } from 'commander';
import { SnnError } from '@snn/errors';
import { benchmarkGemm } from '@snn/tensor';
import { spawnSync } from 'node:child_process';
import { benchSpikeLoader } from '@snn/datasets';
import { benchBptt, benchHyprSpeed, benchMemoryOnce, defaultBpttBench, defaultHyprSpeed } from './bench';
import { benchCheckpoint } from './bench-checkpoint';
import { addBenchFfCommand } from './bench-ff-command';
import { addCompareCommand } from './compare-command';
import { addCosineCommand } from './cosine-command';
import { addWorkerCommand } from './worker-command';
import { addDataCommand } from './data-command';
import { addNirCommand } from './nir-command';
import { gradcheck } from './gradcheck';
import { loadPlugins, registerBuiltins } from './plugins';
import { addPlotCommand, addTrainCommand } from './train-command';
import { dtypeOption, fraction, positiveInt, positiveIntList, positiveNumber } from './options';

function formatBench(r: ReturnType<typeof benchBptt>): string {
  const rate = (100 * (r.hidden_spike_rate as number)).toFixed(1);
  return `${r.name}: ${r.samples_per_s.toFixed(1)} samples/s, ${r.ms_per_step.toFixed(1)} ms per training step (kernels ${String(r.kernels)}, ${rate}% hidden spikes per step)`;
}

export function buildProgram(out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Command {
  const program = new Command('snn')
    .description('Train recurrent spiking networks online and semi-online; check gradients; benchmark')
    .option('--plugin <package>', 'load cells and rules from this package or folder (repeat for several)', (value: string, previous: string[] = []) => [...previous, value])
    .showHelpAfterError()
    .exitOverride();

  addTrainCommand(program, out);
  addPlotCommand(program, out);
  addCompareCommand(program, out);
  addDataCommand(program, out);
  addNirCommand(program, out);
  addCosineCommand(program, out);
  addWorkerCommand(program, out);

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
  addBenchFfCommand(bench, out);
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
    .command('checkpoint')
    .description('size, write and read time of a training checkpoint (weights and Adam moments) of an LIF RSNN, 700-256-20 by default')
    .option('--json', 'one JSON object per line')
    .option('--inputs <n>', 'inputs', positiveInt('--inputs'), 700)
    .option('--hidden <n>', 'hidden neurons', positiveInt('--hidden'), 256)
    .option('--outputs <n>', 'classes', positiveInt('--outputs'), 20)
    .action((opts: Record<string, any>) => {
      for (const dtype of ['float32', 'float64'] as const) {
        const r = benchCheckpoint({ inputs: opts.inputs, hidden: opts.hidden, outputs: opts.outputs, dtype });
        out(opts.json ? JSON.stringify(r) : `${r.name}: ${r.parameters} parameters, ${(r.bytes / 1e6).toFixed(2)} MB, write ${r.write_ms.toFixed(1)} ms (atomic, fsync), read ${r.read_ms.toFixed(1)} ms (checksum, rebuild)`);
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
