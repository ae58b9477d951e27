// Presets of the OTPE paper's study (feed-forward online rules on Randman) and of HYPR's speed claims.
import type { TrainConfig } from '@snn/runs';
import type { Preset, Scale } from './preset';
import type { AxisValue } from './suite';

/** The paper's LIF: lam = sigmoid(3) (scripts), threshold 1, fast sigmoid slope 25. */
const LAMBDA = 1 / (1 + Math.exp(-3));
const paperLif = { alpha: LAMBDA, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 25 } };

/** Randman as in the paper's scripts (10 classes, 50 inputs, 50 steps, manifold dimension 3), smaller at the default scale. */
function randman(scale: Scale): Record<string, unknown> {
  if (scale === 'tiny') return { classes: 3, inputs: 10, steps: 12, manifoldDim: 1, samplesPerClass: 12 };
  return { classes: 10, inputs: 50, steps: 50, manifoldDim: 3, samplesPerClass: scale === 'full' ? 1000 : 100 };
}

const tasks: AxisValue[] = [
  { label: 't-randman', config: { datasetOptions: { encoding: 'time' } } },
  { label: 'r-randman', config: { datasetOptions: { encoding: 'rate' } } },
];

/** The paper's network: feed-forward LIF layers and an output layer of one LIF per class (no leaky-integrator readout). */
function paperNetwork(scale: Scale): Partial<TrainConfig> {
  return {
    dataset: 'randman',
    cell: 'lif',
    cellOptions: paperLif,
    hidden: scale === 'tiny' ? 8 : 128,
    layers: 2,
    feedForward: true,
    output: 'spikes',
    // The F- variants' leaky sum of the output spikes uses the neurons' leak (scripts).
    kappa: LAMBDA,
    inputScale: 3,
    optimizer: 'adamax',
    learningRate: 1e-3,
    clipNorm: 0,
    // The paper's loss: cross-entropy at every step.
    lossWindow: 1,
  };
}

/** The network and task in words, at this scale (the table's description). */
function describe(scale: Scale): string {
  const d = randman(scale) as { classes: number; inputs: number; steps: number; manifoldDim: number; samplesPerClass: number };
  const h = paperNetwork(scale).hidden!;
  return `2 feed-forward LIF layers of ${h} and an output layer of ${d.classes} LIF (alpha sigmoid(3), fast sigmoid slope 25, loss at every step); ` +
    `Randman with ${d.classes} classes, ${d.inputs} inputs, T ${d.steps}, manifold dimension ${d.manifoldDim}, ${d.samplesPerClass} sequences per class`;
}

const SPIKE_RULES = ['ottt', 'ostl', 'otpe', 'approx-otpe'];
const LEAKY_SUM_RULES = ['f-otpe', 'f-approx-otpe'];

export const ffPresets: Preset[] = [
  {
    name: 'otpe-cosine',
    description: "Per-layer cosine similarity with BPTT of OTTT, OSTL, OTPE, Approx-OTPE, F-OTPE, F-Approx-OTPE over BPTT training, on T-Randman and R-Randman (OTPE paper).",
    build: (scale) => ({
      name: 'otpe-cosine',
      description:
        `The OTPE paper's network, ${describe(scale)}; trained by BPTT (Adamax, lr 1e-3, batch ${scale === 'tiny' ? 4 : 16}), alignment measured on 2 held-out batches. ` +
        '"spikes": loss on the output spikes (ottt, ostl, otpe, approx-otpe); "leaky-sum": on their leaky sum (f-otpe, f-approx-otpe), each network with its own BPTT reference.',
      base: { ...paperNetwork(scale), datasetOptions: randman(scale), epochs: scale === 'tiny' ? 1 : scale === 'full' ? 40 : 6, batchSize: scale === 'tiny' ? 4 : 16 },
      axes: [
        { name: 'task', values: tasks },
        { name: 'network', values: [{ label: 'spikes', config: { output: 'spikes' } }, { label: 'leaky-sum', config: { output: 'leaky-sum' } }] },
      ],
      seeds: [1, 2, 3],
      study: { name: 'alignment', options: { rules: { spikes: SPIKE_RULES, 'leaky-sum': LEAKY_SUM_RULES }, evalBatches: scale === 'tiny' ? 1 : 2 } },
    }),
  },
  {
    name: 'otpe-randman',
    description: 'Test accuracy after online training (an Adamax step every time step) of every feed-forward rule, BPTT (offline) as reference, on T-Randman and R-Randman (OTPE paper).',
    build: (scale) => {
      const online = (rule: string, output: 'spikes' | 'leaky-sum'): AxisValue => ({ label: rule, config: { rule, ruleOptions: { emit: 'step' }, output } });
      return {
        name: 'otpe-randman',
        description:
          `The OTPE paper's network, ${describe(scale)}; Adamax lr 1e-3; the online rules take an optimizer step every time step, BPTT one per batch. ` +
          'Accuracy: argmax over classes of the output summed over the steps (spike counts; F- variants: the summed leaky sums).',
        base: { ...paperNetwork(scale), datasetOptions: randman(scale), epochs: scale === 'tiny' ? 1 : scale === 'full' ? 40 : 3, batchSize: scale === 'tiny' ? 4 : 16 },
        axes: [
          { name: 'task', values: tasks },
          {
            name: 'rule',
            values: [
              { label: 'bptt', config: { rule: 'bptt', ruleOptions: {}, output: 'spikes' } },
              ...SPIKE_RULES.map((r) => online(r, 'spikes')),
              ...LEAKY_SUM_RULES.map((r) => online(r, 'leaky-sum')),
            ],
          },
        ],
        seeds: [1, 2, 3],
        source: 'OTPE paper (arXiv 2311.16151): OTPE best of the online rules on T-Randman, all rules alike on R-Randman; its table values are not retrievable (reference/algorithms.md 13.4).',
      };
    },
  },
  {
    name: 'hypr-speed',
    description: 'Time per step and memory vs T of HYPR at several lambda, sequential e-prop and BPTT on one recurrent LIF layer (each trial in a fresh process).',
    build: (scale) => {
      const steps = scale === 'tiny' ? [20, 40] : scale === 'full' ? [1000, 4000, 16000, 64000] : [250, 1000, 4000];
      const lambdas = scale === 'tiny' ? [4] : [8, 32, 128];
      return {
        name: 'hypr-speed',
        description: 'Recurrent LIF layer, leaky-integrator readout; HYPR computes the e-prop gradient in segments of lambda steps (same gradient as e-prop, memory independent of T); BPTT stores the trajectory.',
        base: { dataset: 'synthetic', cell: 'lif', hidden: scale === 'tiny' ? 16 : scale === 'full' ? 256 : 128, layers: 1, inputScale: 3 },
        axes: [
          {
            name: 'rule',
            values: [
              { label: 'bptt', config: { rule: 'bptt', ruleOptions: {} } },
              { label: 'eprop', config: { rule: 'eprop', ruleOptions: {} } },
              ...lambdas.map((lambda) => ({ label: `hypr-l${lambda}`, config: { rule: 'hypr', ruleOptions: { lambda } } })),
            ],
          },
          { name: 'T', values: steps.map((T) => ({ label: `T=${T}`, config: { datasetOptions: { steps: T } } })) },
        ],
        seeds: [1],
        study: { name: 'speed', options: { inputs: scale === 'tiny' ? 10 : 700, outputs: 20, batch: scale === 'tiny' ? 2 : 8, rate: 0.02 } },
      };
    },
  },
];
