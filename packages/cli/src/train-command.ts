import { Command, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { InvalidArgumentError } from '@snn/errors';
import { defaultTrainConfig, plotRuns, resume, train, type TrainConfig, type TrainReporter } from '@snn/runs';
import { brfInitScales, dtypeOption, fraction, jsonObject, nonNegativeNumber, positiveInt, positiveNumber } from './options';

/** `--checkpoint-every`: "200" (batches), "10m", "30s", "1h", or both, e.g. "200,10m". */
export function parseCheckpointEvery(value: string): { batches?: number; minutes?: number } {
  const out: { batches?: number; minutes?: number } = {};
  for (const part of value.split(',').map((p) => p.trim())) {
    const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(part);
    const n = m ? Number(m[1]) : NaN;
    if (!m || !(n > 0)) throw new CommanderArgumentError(`--checkpoint-every takes a number of batches (e.g. 200) and/or a time (30s, 10m, 1h), got "${value}"`);
    if (!m[2]) {
      if (!Number.isInteger(n)) throw new CommanderArgumentError(`--checkpoint-every: a number of batches must be whole, got "${part}"`);
      out.batches = n;
    } else {
      out.minutes = m[2] === 's' ? n / 60 : m[2] === 'h' ? n * 60 : n;
    }
  }
  return out;
}

/** Options that decide a run's numbers: fixed by its checkpoint, so `--resume` refuses them. */
const FIXED_WHEN_RESUMING = [
  'dataset', 'datasetOptions', 'task', 'data', 'cell', 'cellOptions', 'hidden', 'layers', 'rule', 'ruleOptions', 'optimizer', 'lr', 'momentum',
  'batchSize', 'seed', 'kappa', 'lossWindow', 'inputScale', 'recurrentScale', 'lrScale', 'clip', 'dtype', 'checkpointEvery', 'out', 'runs', 'overwrite',
];

/** What `snn train` prints while it runs: a bar on a terminal, a line every 10 s otherwise (logs, pipes). */
function reporterFor(out: (line: string) => void, progress: boolean, everySeconds = 10): TrainReporter {
  const useBar = progress && !!process.stderr.isTTY;
  const logEveryMs = everySeconds * 1000;
  let bar: SingleBar | null = null;
  let lastLog = performance.now();
  return {
    start: ({ runDir, batchesPerEpoch, trainSize, testSize, config: c, resumedFrom }) => {
      out(`run folder: ${runDir}`);
      if (resumedFrom) out(`resuming after epoch ${resumedFrom.epoch}${resumedFrom.batch ? `, batch ${resumedFrom.batch} of epoch ${resumedFrom.epoch + 1}` : ''} (of ${c.epochs})`);
      out(`${c.cell} x ${c.hidden} (${c.layers} layer), rule ${c.rule}, ${c.dataset}: ${trainSize} train / ${testSize} test sequences`);
      if (useBar) {
        bar = new SingleBar(
          { format: 'epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | acc {acc} | eta {eta_formatted}', hideCursor: true, clearOnComplete: true },
          Presets.shades_classic,
        );
        bar.start(batchesPerEpoch, resumedFrom?.batch ?? 0, { epoch: (resumedFrom?.epoch ?? 0) + 1, loss: '-', acc: '-' });
      }
    },
    batch: ({ epoch, batch, batches, loss, accuracy }) => {
      const values = { epoch, loss: loss.toFixed(3), acc: (100 * accuracy).toFixed(1) + '%' };
      if (bar) {
        if (batch === 1) bar.start(batches, 0, values);
        bar.update(batch, values);
      } else if (progress && performance.now() - lastLog >= logEveryMs) {
        lastLog = performance.now();
        process.stderr.write(`epoch ${epoch} batch ${batch}/${batches}  train loss ${values.loss} acc ${values.acc}\n`);
      }
    },
    epoch: (m) => {
      bar?.stop();
      lastLog = performance.now();
      out(
        `epoch ${String(m.epoch).padStart(3)}  train loss ${m.train_loss.toFixed(4)} acc ${(100 * m.train_accuracy).toFixed(1)}%  ` +
          `test loss ${m.test_loss.toFixed(4)} acc ${(100 * m.test_accuracy).toFixed(1)}%  (${m.seconds.toFixed(1)} s, ${m.samples_per_s.toFixed(0)} samples/s)`,
      );
    },
    done: ({ runDir, best, last }) => {
      out(`best test accuracy ${(100 * best.test_accuracy).toFixed(1)}% (epoch ${best.epoch}): weights in ${runDir}/best.json`);
      out(`last epoch ${last.epoch}: ${(100 * last.test_accuracy).toFixed(1)}%, resumable state in ${runDir}/checkpoint.json; curves in ${runDir}/curves.png`);
    },
  };
}

export function addTrainCommand(program: Command, out: (line: string) => void): void {
  program
    .command('train')
    .description('train a network (defaults: LIF RSNN, BPTT, Randman); writes a run folder that --resume continues')
    .option('--dataset <name>', 'dataset', defaultTrainConfig.dataset)
    .option('--dataset-options <json>', 'dataset options as JSON', jsonObject('--dataset-options'), {})
    .option('--task <name>', 'task (dataset) name: randman, cue, adding, morse, shd, ssc, nmnist, smnist (--dataset is an alias)')
    .option('--data <path>', 'data file or folder of a file-backed task (shd, ssc: .h5/.h5.gz or a folder with the split files)')
    .option('--cell <name>', 'cell', defaultTrainConfig.cell)
    .option('--cell-options <json>', 'cell constants as JSON', jsonObject('--cell-options'))
    .option('--hidden <n>', 'neurons per layer', positiveInt('--hidden'), defaultTrainConfig.hidden)
    .option('--layers <n>', 'recurrent layers', positiveInt('--layers'), defaultTrainConfig.layers)
    .option('--feed-forward', 'layers without recurrent weights (the networks of ottt, ostl, otpe)')
    .addOption(new Option('--output <kind>', "readout: leaky-integrator readout; spikes / leaky-sum: a spiking output layer (one neuron per class) whose spikes, or their leaky sum with leak --kappa, give the loss").choices(['readout', 'spikes', 'leaky-sum']).default('readout'))
    .option('--rule <name>', 'learning rule', defaultTrainConfig.rule)
    .option('--rule-options <json>', 'rule options as JSON, e.g. \'{"k": 10}\' for tbptt and hypr-tbptt', jsonObject('--rule-options'), {})
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'adamax', 'sgd']).default(defaultTrainConfig.optimizer))
    .option('--lr <rate>', 'learning rate', positiveNumber('--lr'), defaultTrainConfig.learningRate)
    .option('--momentum <m>', 'SGD momentum', fraction('--momentum'), 0)
    .option('--epochs <n>', 'epochs (with --resume: extend a finished run to this many)', positiveInt('--epochs'), defaultTrainConfig.epochs)
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), defaultTrainConfig.batchSize)
    .option('--seed <n>', 'seed of data, initialisation and shuffling', positiveInt('--seed'), defaultTrainConfig.seed)
    .option('--kappa <k>', 'readout leak', fraction('--kappa'), defaultTrainConfig.kappa)
    .option('--loss-window <f>', 'fraction of the last steps whose loss counts', fraction('--loss-window'), defaultTrainConfig.lossWindow)
    .option('--input-scale <s>', `W_in ~ N(0, (s / sqrt(fan-in))^2) (default: ${defaultTrainConfig.inputScale}; BRF ${brfInitScales.inputScale}, since it integrates dt * I with dt = 0.01)`, positiveNumber('--input-scale'))
    .option('--recurrent-scale <s>', `W_rec ~ N(0, (s / sqrt(H))^2) (default: ${defaultTrainConfig.recurrentScale}; BRF ${brfInitScales.recurrentScale})`, nonNegativeNumber('--recurrent-scale'))
    .option('--lr-scale <json>', 'learning-rate factor per parameter name, 0 freezes it (e.g. \'{"beta": 0}\')', jsonObject('--lr-scale'))
    .option('--clip <norm>', 'clip the global gradient norm at this value (0: no clipping)', nonNegativeNumber('--clip'), defaultTrainConfig.clipNorm)
    .option('--dtype <dtype>', 'f32 or f64', dtypeOption, defaultTrainConfig.dtype)
    .option('--checkpoint-every <when>', 'checkpoint also every N batches ("200"), every so long ("10m", "30s"), or both ("200,10m"); always at every epoch end', parseCheckpointEvery)
    .option('--runs <dir>', 'parent folder of the automatically named run folder', defaultTrainConfig.outDir)
    .option('--out <dir>', 'write into exactly this run folder (refused if it exists, unless --overwrite)')
    .option('--overwrite', 'with --out: replace an existing run folder')
    .option('--resume <run-dir>', 'continue a killed or finished run from its checkpoint (bit-identical to an uninterrupted run)')
    .option('--no-progress', 'no progress bar or progress lines')
    .option('--progress-every <seconds>', 'without a terminal (logs, pipes): a progress line on stderr this often', positiveNumber('--progress-every'), 10)
    .action(async (opts: Record<string, any>, cmd: Command) => {
      if (opts.resume !== undefined) {
        const fixed = FIXED_WHEN_RESUMING.filter((key) => cmd.getOptionValueSource(key) === 'cli');
        if (fixed.length > 0) {
          const flags = fixed.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
          throw new InvalidArgumentError('--resume', `continues the run as it was configured; drop ${flags.join(', ')} (only --epochs, to extend the run, and --no-progress may be given)`);
        }
        const epochs = cmd.getOptionValueSource('epochs') === 'cli' ? (opts.epochs as number) : undefined;
        await resume(opts.resume as string, reporterFor(out, opts.progress !== false, opts.progressEvery as number), epochs !== undefined ? { epochs } : {});
        return;
      }
      if (opts.overwrite && opts.out === undefined) throw new InvalidArgumentError('--overwrite', 'replaces the folder named by --out; give --out DIR too');
      const config: TrainConfig = {
        ...defaultTrainConfig,
        dataset: opts.task ?? opts.dataset,
        datasetOptions: opts.datasetOptions,
        data: opts.data,
        cell: opts.cell,
        cellOptions: opts.cellOptions ?? (opts.cell === 'lif' ? defaultTrainConfig.cellOptions : {}),
        hidden: opts.hidden,
        layers: opts.layers,
        feedForward: opts.feedForward === true,
        output: opts.output,
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
        ...(opts.checkpointEvery ? { checkpointEvery: opts.checkpointEvery } : {}),
        dtype: opts.dtype,
        outDir: opts.runs,
      };
      await train(config, reporterFor(out, opts.progress !== false, opts.progressEvery as number), opts.out !== undefined ? { runDir: opts.out, overwrite: !!opts.overwrite } : {});
    });
}

export function addPlotCommand(program: Command, out: (line: string) => void): void {
  program
    .command('plot')
    .description('redraw the learning curves of run folders; several folders are overlaid in one picture')
    .argument('<run-dirs...>', 'run folders written by snn train')
    .option('--out <file>', 'where to write the picture (.svg and .png); default: curves.svg/png in the run folder (one run) or ./curves-overlay')
    .action(async (dirs: string[], opts: { out?: string }) => {
      const target = opts.out ?? (dirs.length === 1 ? `${dirs[0]}/curves` : 'curves-overlay');
      const files = await plotRuns(dirs, target);
      out(`wrote ${files.svg} and ${files.png}`);
    });
}
