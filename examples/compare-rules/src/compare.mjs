#!/usr/bin/env node
// Compares learning rules (issue #5): HYPR, TBPTT, HYPR+TBPTT and BPTT on the adding task (LSTM) and on
// the NeuroMorse-style Morse task (BRF), and tBPTT1 (k = 1, one optimizer step per time step) with Adam
// versus SGD with momentum 0 / 0.5 / 0.9 on Randman (LIF RSNN).
//
// Every run trains with `snn train`'s own training loop: runs the CLI can express are launched as
//   node packages/cli/dist/bin.cjs train ...
// and the others (they need init scales that `snn train` has no flag for) call `train()` from @snn/cli,
// the function behind that command, in a child process. Runs are strictly sequential (one at a time).
//
//   node src/compare.mjs --suite adding                  # 4 methods x seeds 1,2,3
//   node src/compare.mjs --suite morse --methods hypr --seeds 2
//   node src/compare.mjs --suite tbptt1-sweep            # lr sweep on seed 1
//   node src/compare.mjs --suite tbptt1
//   node src/compare.mjs --suite adding --summary        # table from <results-dir>/adding.jsonl only
//   node src/compare.mjs --list                          # suites, methods and commands, no training
//
// Per run one JSON line goes to <results-dir>/<suite>.jsonl and the console log is mirrored to
// <results-dir>/<suite>.log; --results-dir defaults to runs/compare-rules under the current folder
// (results stay out of the example's source; the measured ones are in docs/results/compare-rules-script).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const exampleDir = resolve(here, '..');
const repoRoot = resolve(exampleDir, '../..');
const cliBin = join(repoRoot, 'packages/cli/dist/bin.cjs');

// `snn train`'s defaults for what its flags cannot change (packages/cli/src/train.ts).
const cliFixed = { inputScale: 3, recurrentScale: 0.5, clipNorm: 10, testFraction: 0.2 };

/** Adding task (datasets.md 6.2, 'modern'): T = 50, k = 5 -> 10 chunks; LSTM 16. */
const adding = {
  base: {
    dataset: 'adding',
    datasetOptions: { variant: 'modern', steps: 50, size: 12500 },
    cell: 'lstm',
    cellOptions: {},
    hidden: 16,
    optimizer: 'adam',
    learningRate: 1e-2,
    epochs: 6,
    batchSize: 16,
    kappa: 0,
    inputScale: 1,
    recurrentScale: 1,
  },
  methods: {
    hypr: { rule: 'hypr', ruleOptions: { lambda: 5, emit: 'sequence' } },
    tbptt: { rule: 'tbptt', ruleOptions: { k: 5, emit: 'sequence' } },
    'hypr-tbptt': { rule: 'hypr-tbptt', ruleOptions: { k: 5, emit: 'sequence' } },
    bptt: { rule: 'bptt', ruleOptions: {} },
  },
  seeds: [1, 2, 3],
};

/** Morse words (datasets.md 5), high jitter and dropout, low Poisson noise: T = 132, k = 14 -> 10 chunks; BRF 32. */
const morse = {
  base: {
    dataset: 'morse',
    datasetOptions: { samplesPerWord: 40, jitter: 'high', dropout: 'high', poisson: 'low' },
    cell: 'brf',
    cellOptions: {},
    hidden: 32,
    optimizer: 'adam',
    learningRate: 1e-2,
    epochs: 4,
    batchSize: 16,
    kappa: 0.9,
    // BRF integrates I dt with dt = 0.01: with snn train's inputScale 3 the network never spikes on this task.
    inputScale: 100,
    recurrentScale: 100,
  },
  methods: {
    hypr: { rule: 'hypr', ruleOptions: { lambda: 14, emit: 'sequence' } },
    tbptt: { rule: 'tbptt', ruleOptions: { k: 14, emit: 'sequence' } },
    'hypr-tbptt': { rule: 'hypr-tbptt', ruleOptions: { k: 14, emit: 'sequence' } },
    bptt: { rule: 'bptt', ruleOptions: {} },
  },
  seeds: [1, 2, 3],
};

/** tBPTT1 on Randman (snn train's default task and LIF cell): k = 1, emit 'chunk' = an optimizer step every time step. */
const tbptt1Base = { dataset: 'randman', hidden: 64, epochs: 10, batchSize: 32, rule: 'tbptt', ruleOptions: { k: 1, emit: 'chunk' } };
const optimizers = {
  adam: { optimizer: 'adam' },
  'sgd-m0': { optimizer: 'sgd', momentum: 0 },
  'sgd-m0.5': { optimizer: 'sgd', momentum: 0.5 },
  'sgd-m0.9': { optimizer: 'sgd', momentum: 0.9 },
};
const sweepRates = {
  adam: [1e-4, 3e-4, 1e-3],
  // Same grid of effective step sizes lr / (1 - momentum) = 3e-3 ... 1 for the three SGD variants (this
  // SGD adds the raw gradient to its velocity, v = mu v + g). The grid was widened twice, after the
  // first values put the SGD optima at its upper edge.
  'sgd-m0': [3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1],
  'sgd-m0.5': [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 5e-1],
  'sgd-m0.9': [3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
};
// Chosen from docs/results/compare-rules-script/tbptt1-sweep.jsonl (best final test accuracy on seed 1 per optimizer).
const chosenRates = { adam: 3e-4, 'sgd-m0': 3e-1, 'sgd-m0.5': 1e-1, 'sgd-m0.9': 3e-3 };

/** The same comparisons with a 3-4x larger budget (more epochs), where the short runs had not converged. */
const addingLong = { ...adding, base: { ...adding.base, epochs: 18 } };
const morseLong = { ...morse, base: { ...morse.base, epochs: 16 } };

const suites = {
  adding,
  morse,
  'adding-long': addingLong,
  'morse-long': morseLong,
  'tbptt1-sweep': {
    base: tbptt1Base,
    methods: Object.fromEntries(
      Object.entries(sweepRates).flatMap(([name, rates]) => rates.map((lr) => [`${name}@${lr}`, { ...optimizers[name], learningRate: lr }])),
    ),
    seeds: [1],
  },
  tbptt1: {
    base: tbptt1Base,
    methods: Object.fromEntries(Object.entries(optimizers).map(([name, o]) => [name, { ...o, learningRate: chosenRates[name] }])),
    seeds: [1, 2, 3],
  },
};

// ---------------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const args = { seeds: null, methods: null, suite: null, summary: false, list: false, runsDir: join(tmpdir(), 'snn-compare-rules'), one: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--suite') args.suite = value();
    else if (a === '--seeds') args.seeds = value().split(',').map(Number);
    else if (a === '--methods') args.methods = value().split(',');
    else if (a === '--runs-dir') args.runsDir = resolve(value());
    else if (a === '--results-dir') args.resultsDir = resolve(value());
    else if (a === '--summary') args.summary = true;
    else if (a === '--list') args.list = true;
    else if (a === '--one') args.one = value();
    else throw new Error(`unknown argument ${a} (see the header of src/compare.mjs)`);
  }
  return args;
}

/** The `snn train` arguments of a run, or null when the CLI has no flag for part of it. */
function cliArgs(config) {
  for (const [key, value] of Object.entries(cliFixed)) if (config[key] !== undefined && config[key] !== value) return null;
  const args = ['train', '--task', config.dataset, '--hidden', config.hidden, '--rule', config.rule, '--optimizer', config.optimizer, '--lr', config.learningRate];
  args.push('--epochs', config.epochs, '--batch-size', config.batchSize, '--seed', config.seed, '--runs', config.outDir, '--no-progress');
  if (config.datasetOptions && Object.keys(config.datasetOptions).length) args.push('--dataset-options', JSON.stringify(config.datasetOptions));
  if (config.cell !== undefined) args.push('--cell', config.cell);
  if (config.cellOptions !== undefined) args.push('--cell-options', JSON.stringify(config.cellOptions));
  if (config.ruleOptions && Object.keys(config.ruleOptions).length) args.push('--rule-options', JSON.stringify(config.ruleOptions));
  if (config.momentum !== undefined) args.push('--momentum', config.momentum);
  if (config.kappa !== undefined) args.push('--kappa', config.kappa);
  return args.map(String);
}

const shellQuote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function runConfig(suite, method, seed, runsDir) {
  const s = suites[suite];
  return { ...s.base, ...s.methods[method], seed, outDir: join(runsDir, suite) };
}

/** Child process of an API run: trains one configuration and prints one JSON line of its history. */
async function runOne(json) {
  const { train, registerBuiltins, defaultTrainConfig } = await import('@snn/cli');
  registerBuiltins();
  const config = { ...defaultTrainConfig, ...JSON.parse(json) };
  const { runDir, history } = await train(config, { epoch: (m) => process.stderr.write(`  epoch ${m.epoch}: test acc ${(100 * m.test_accuracy).toFixed(1)}%, ${m.seconds.toFixed(1)} s\n`) });
  process.stdout.write(JSON.stringify({ runDir, history }) + '\n');
}

function readHistory(runDir) {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function execute(suite, method, seed, runsDir, log) {
  const config = runConfig(suite, method, seed, runsDir);
  mkdirSync(config.outDir, { recursive: true });
  const cli = cliArgs(config);
  const started = performance.now();
  let history;
  let runDir;
  let via;
  let command;
  if (cli) {
    via = 'snn train';
    command = `node packages/cli/dist/bin.cjs ${cli.map(shellQuote).join(' ')}`;
    log(`$ ${command}`);
    const r = spawnSync(process.execPath, [cliBin, ...cli], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 24 });
    for (const line of (r.stdout ?? '').trim().split('\n')) if (line.startsWith('epoch')) log(`  ${line}`);
    if (r.status !== 0) throw new Error(`snn train failed (${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`);
    runDir = /run folder: (.*)/.exec(r.stdout)[1].trim();
    history = readHistory(runDir);
  } else {
    via = 'train() from @snn/cli';
    command = `node examples/compare-rules/src/compare.mjs --one '${JSON.stringify(config)}'`;
    log(`$ ${command}`);
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--one', JSON.stringify(config)], { cwd: exampleDir, encoding: 'utf8', maxBuffer: 1 << 24 });
    for (const line of (r.stderr ?? '').trimEnd().split('\n')) if (line.startsWith('  epoch')) log(line);
    if (r.status !== 0) throw new Error(`training failed (${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
    ({ runDir, history } = JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  const wall = (performance.now() - started) / 1000;
  const git = (...a) => spawnSync('git', a, { cwd: repoRoot, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no', '--', 'packages') ? '+dirty' : ''}`;
  const last = history[history.length - 1];
  const best = history.reduce((b, m) => (m.test_accuracy > b.test_accuracy ? m : b), history[0]);
  const { outDir: _outDir, ...shown } = config;
  return {
    suite,
    method,
    seed,
    via,
    commit,
    final_test_accuracy: last.test_accuracy,
    best_test_accuracy: best.test_accuracy,
    best_epoch: best.epoch,
    final_train_loss: last.train_loss,
    final_test_loss: last.test_loss,
    wall_s: Number(wall.toFixed(1)),
    train_s: Number(history.reduce((s, m) => s + m.seconds, 0).toFixed(1)),
    config: shown,
    command,
    history: history.map((m) => ({ epoch: m.epoch, train_loss: Number(m.train_loss.toFixed(4)), test_accuracy: Number(m.test_accuracy.toFixed(4)), seconds: Number(m.seconds.toFixed(2)) })),
    runDir,
  };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n - 1); 0 for a single value. */
const std = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

function summary(suite, rows) {
  const order = Object.keys(suites[suite].methods);
  const lines = [`${suite}: test accuracy (%) over seeds, mean +- sample std`, '', '| method | seeds | final epoch | best epoch | per seed (final) | wall s per run |', '|---|---|---|---|---|---|'];
  for (const method of order) {
    const r = rows.filter((x) => x.method === method).sort((a, b) => a.seed - b.seed);
    if (!r.length) continue;
    const f = r.map((x) => 100 * x.final_test_accuracy);
    const b = r.map((x) => 100 * x.best_test_accuracy);
    lines.push(
      `| ${method} | ${r.map((x) => x.seed).join(',')} | ${mean(f).toFixed(1)} +- ${std(f).toFixed(1)} | ${mean(b).toFixed(1)} +- ${std(b).toFixed(1)} | ${f.map((v) => v.toFixed(1)).join(' / ')} | ${mean(r.map((x) => x.wall_s)).toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

function readRows(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.one) return runOne(args.one);
  if (args.list) {
    for (const [name, s] of Object.entries(suites)) {
      console.log(`suite ${name}: seeds ${s.seeds.join(',')}`);
      for (const method of Object.keys(s.methods)) {
        const c = runConfig(name, method, s.seeds[0], args.runsDir);
        const cli = cliArgs(c);
        console.log(`  ${method}: ${cli ? `node packages/cli/dist/bin.cjs ${cli.map(shellQuote).join(' ')}` : `train() ${JSON.stringify(c)}`}`);
      }
    }
    return;
  }
  if (!args.suite || !suites[args.suite]) throw new Error(`--suite must be one of ${Object.keys(suites).join(', ')}`);
  const resultsDir = args.resultsDir ?? resolve('runs/compare-rules');
  mkdirSync(resultsDir, { recursive: true });
  const resultsFile = join(resultsDir, `${args.suite}.jsonl`);
  const logFile = join(resultsDir, `${args.suite}.log`);
  const log = (line) => {
    console.log(line);
    appendFileSync(logFile, line + '\n');
  };
  if (!args.summary) {
    const s = suites[args.suite];
    const methods = args.methods ?? Object.keys(s.methods);
    for (const m of methods) if (!s.methods[m]) throw new Error(`unknown method ${m} of suite ${args.suite}: ${Object.keys(s.methods).join(', ')}`);
    // Seed-major order, so that an interrupted sweep still has every method on the first seeds.
    for (const seed of args.seeds ?? s.seeds) {
      for (const method of methods) {
        log(`[${new Date().toISOString()}] ${args.suite} ${method} seed ${seed}`);
        const row = execute(args.suite, method, seed, args.runsDir, log);
        appendFileSync(resultsFile, JSON.stringify(row) + '\n');
        log(`  -> final test acc ${(100 * row.final_test_accuracy).toFixed(1)}%, best ${(100 * row.best_test_accuracy).toFixed(1)}% (epoch ${row.best_epoch}), ${row.wall_s} s wall (${row.via})`);
      }
    }
  }
  const table = summary(args.suite, readRows(resultsFile));
  if (args.summary) console.log(table);
  else log('\n' + table + '\n');
}

main().catch((e) => {
  console.error(`compare-rules: ${e.message}`);
  process.exit(1);
});
