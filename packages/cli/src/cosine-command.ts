import { Command } from 'commander';
import { createAdamax, createLearner, createNetwork, streamBatch, type Network, type SequenceBatch } from '@snn/core';
import { createRandman, type RandmanOptions } from '@snn/datasets';
import { InvalidArgumentError } from '@snn/errors';
import { ruleAlignment } from '@snn/metrics';
import { positiveInt, positiveIntList } from './options';

export interface CosineConfig {
  task: 't-randman' | 'r-randman';
  /** Hidden layer widths, bottom to top; the output layer (one LIF per class) sits on top. */
  layers: number[];
  rules: string[];
  /** BPTT training epochs (Adamax, lr 1e-3, as in the paper); the alignment is measured after each (and at epoch 0). */
  epochs: number;
  classes: number;
  samplesPerClass: number;
  steps: number;
  batchSize: number;
  evalBatches: number;
  seed: number;
}

/** The paper's network: feed-forward LIF layers (alpha sigmoid(3), fast sigmoid slope 25), spiking output layer. */
export function paperNetwork(inputs: number, layers: readonly number[], classes: number, seed: number, output: 'spikes' | 'leaky-sum' = 'spikes'): Network {
  const alpha = 1 / (1 + Math.exp(-3));
  const cellOptions = { alpha, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 25 } };
  return createNetwork(
    {
      inputs,
      outputs: classes,
      layers: [...layers, classes].map((neurons) => ({ cell: 'lif', neurons, recurrent: false, cellOptions })),
      output: output === 'spikes' ? { kind: 'spikes' } : { kind: 'leaky-sum', kappa: alpha },
    },
    { dtype: 'float32', seed, init: { inputScale: 3 } },
  );
}

/** One evaluation of the alignment: after `epoch` epochs of BPTT, each rule's mean cosine per group (`layer0`, ..., `output`, `model`). */
export interface AlignmentPoint {
  epoch: number;
  rules: Record<string, Record<string, number>>;
}

export interface AlignmentCurveConfig {
  /** Randman options (encoding 'time' = T-Randman, 'rate' = R-Randman); the seed is `seed`. */
  randman: RandmanOptions;
  /** Hidden layer widths, bottom to top; the output layer (one LIF per class) sits on top. */
  layers: number[];
  /** 'spikes': loss on the output spikes (ottt, ostl, otpe, approx-otpe); 'leaky-sum': on their leaky sum (f-otpe, f-approx-otpe). */
  output?: 'spikes' | 'leaky-sum';
  rules: string[];
  epochs: number;
  batchSize: number;
  evalBatches: number;
  seed: number;
  /** Called after every evaluation (progress). */
  onPoint?(p: AlignmentPoint): void;
}

/**
 * Trains the paper's network with BPTT (Adamax, lr 1e-3, as in the paper) and, at epoch 0 and after
 * every epoch, measures every rule's cosine similarity with BPTT on the same held-out batches (the
 * last `evalBatches` batches of the task, never trained on).
 */
export function alignmentCurve(config: AlignmentCurveConfig): AlignmentPoint[] {
  const data = createRandman({ ...config.randman, seed: config.seed });
  const T = data.steps;
  const I = data.inputs;
  const B = config.batchSize;
  const batchAt = (start: number): SequenceBatch => ({
    x: data.x.subarray(start * T * I, (start + B) * T * I),
    batch: B,
    steps: T,
    targets: data.labels.subarray(start, start + B),
  });
  const total = Math.floor(data.size / B);
  if (total < config.evalBatches + 1) throw new InvalidArgumentError('--eval-batches', `the task has ${total} batches of ${B}; evaluate on fewer or use more samples`);
  const evalBatches = Array.from({ length: config.evalBatches }, (_, k) => batchAt((total - 1 - k) * B));
  const trainBatches = total - config.evalBatches;
  const network = paperNetwork(I, config.layers, data.classes, config.seed, config.output ?? 'spikes');
  const optimizer = createAdamax(network.parameters(), { learningRate: 1e-3 }, () => network.markUpdated());
  const learner = createLearner('bptt', network, (g) => optimizer.step(g));
  const points: AlignmentPoint[] = [];
  const measure = (epoch: number) => {
    const rules: AlignmentPoint['rules'] = {};
    for (const a of ruleAlignment(network, config.rules, evalBatches)) rules[a.rule] = { ...a.groups, model: a.model };
    const p = { epoch, rules };
    points.push(p);
    config.onPoint?.(p);
  };
  measure(0);
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    for (let k = 0; k < trainBatches; k++) streamBatch(network, learner, batchAt(k * B), { validate: false });
    measure(epoch);
  }
  return points;
}

/** `snn cosine`: the alignment curve of one run, one record per rule with the per-group means over the evaluations. */
export function cosineStudy(config: CosineConfig): Array<Record<string, number | string>> {
  const points = alignmentCurve({
    randman: { classes: config.classes, samplesPerClass: config.samplesPerClass, steps: config.steps, encoding: config.task === 't-randman' ? 'time' : 'rate' },
    layers: config.layers,
    rules: config.rules,
    epochs: config.epochs,
    batchSize: config.batchSize,
    evalBatches: config.evalBatches,
    seed: config.seed,
  });
  return config.rules.map((rule) => {
    const out: Record<string, number | string> = { rule, task: config.task, layers: config.layers.join(','), epochs: config.epochs, evaluations: (config.epochs + 1) * config.evalBatches };
    const sums = new Map<string, { sum: number; n: number }>();
    for (const p of points) {
      for (const [k, v] of Object.entries(p.rules[rule]!)) {
        if (!Number.isFinite(v)) continue;
        const e = sums.get(k) ?? { sum: 0, n: 0 };
        e.sum += v;
        e.n++;
        sums.set(k, e);
      }
    }
    for (const [k, e] of sums) out[k] = e.sum / e.n;
    return out;
  });
}

export function addCosineCommand(program: Command, out: (line: string) => void): void {
  program
    .command('cosine')
    .description("per-layer cosine similarity of each rule's gradient with BPTT's on the paper's feed-forward LIF network, over a BPTT training run")
    .option('--task <name>', 't-randman (time-coded) or r-randman (rate-coded)', 't-randman')
    .option('--layers <widths>', 'hidden layer widths, e.g. 128,128', '128,128')
    .option('--rules <names>', 'rules to compare with bptt', 'ottt,ostl,otpe,approx-otpe')
    .option('--epochs <n>', 'BPTT training epochs (alignment measured at epoch 0 and after each)', (v: string) => (v === '0' ? 0 : positiveInt('--epochs')(v)), 1)
    .option('--classes <n>', 'Randman classes', positiveInt('--classes'), 10)
    .option('--samples-per-class <n>', 'Randman sequences per class', positiveInt('--samples-per-class'), 100)
    .option('--steps <n>', 'time steps per sequence', positiveInt('--steps'), 50)
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), 32)
    .option('--eval-batches <n>', 'held-out batches the alignment is averaged over', positiveInt('--eval-batches'), 2)
    .option('--seed <n>', 'seed', positiveInt('--seed'), 1)
    .option('--json', 'one JSON line per rule')
    .action((opts: Record<string, any>) => {
      if (opts.task !== 't-randman' && opts.task !== 'r-randman') throw new InvalidArgumentError('--task', `must be t-randman or r-randman, got ${String(opts.task)}`);
      const config: CosineConfig = {
        task: opts.task,
        layers: positiveIntList('--layers', opts.layers),
        rules: String(opts.rules).split(',').map((s) => s.trim()).filter(Boolean),
        epochs: opts.epochs,
        classes: opts.classes,
        samplesPerClass: opts.samplesPerClass,
        steps: opts.steps,
        batchSize: opts.batchSize,
        evalBatches: opts.evalBatches,
        seed: opts.seed,
      };
      for (const r of cosineStudy(config)) {
        if (opts.json) out(JSON.stringify(r));
        else out(Object.entries(r).map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : v}`).join('  '));
      }
    });
}
