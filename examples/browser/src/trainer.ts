/**
 * Everything the page does that is not drawing: the tasks, the network, the rule on the chosen
 * kernels, one batch of online training at a time, the hidden-layer spikes for the raster, and the
 * gradient check of the gpu.js kernels against the WebAssembly (or JavaScript) ones.
 * No DOM here, so the unit tests run this module in Node (gpu.js in its cpu mode there).
 */
import {
  createAdam,
  createComputeOps,
  createLearner,
  createNetwork,
  createTrainingLearner,
  forwardSequence,
  listCells,
  listRules,
  registerCell,
  registerRule,
  streamBatch,
  type ComputeOps,
  type LearnerV1,
  type Network,
  type Optimizer,
} from '@snn/core';
import { batches, createCueAccumulation, createMorse, createRandman, splitDataset, type SequenceDataset } from '@snn/datasets/generators';
import { lif } from '@snn/lif';
import { alif } from '@snn/alif';
import { brf } from '@snn/brf';
import { eprop } from '@snn/eprop';
import { hypr } from '@snn/hypr';
import { tbptt } from '@snn/tbptt';
import { bptt } from '@snn/bptt';
import { listBackends, setDefaultBackend } from '@snn/tensor';
import { gpuJsDispatches, gpuJsModeSupported, lastExecutedMode } from '@snn/tensor-gpujs';

for (const cell of [lif, alif, brf]) if (!listCells().includes(cell.name)) registerCell(cell);
for (const rule of [eprop, hypr, tbptt, bptt]) if (!listRules().includes(rule.name)) registerRule(rule);

export type TaskName = 'randman' | 'cue' | 'morse';
export type CellName = 'lif' | 'alif' | 'brf';
export type RuleName = 'eprop' | 'hypr' | 'tbptt1' | 'bptt';
/** 'gpujs': gpu.js on WebGL2 (the GPU); 'wasm': the WebAssembly SIMD workspace, else typed arrays. */
export type BackendChoice = 'gpujs' | 'wasm';

export interface TrainerConfig {
  task: TaskName;
  cell: CellName;
  rule: RuleName;
  /** HYPR's segment length. */
  lambda: number;
  hidden: number;
  batch: number;
  learningRate: number;
  seed: number;
  backend: BackendChoice;
}

export const defaultConfig: TrainerConfig = {
  task: 'randman', cell: 'lif', rule: 'eprop', lambda: 8, hidden: 64, batch: 16, learningRate: 5e-3, seed: 1, backend: 'gpujs',
};

interface Task {
  data: SequenceDataset;
  lossMask: ArrayLike<number>;
}

/** Small versions of the three tasks, sized so an epoch takes seconds in a browser. */
export function createTask(name: TaskName, seed: number): Task {
  if (name === 'randman') {
    const data = createRandman({ seed, classes: 4, inputs: 20, steps: 40, samplesPerClass: 100 });
    return { data, lossMask: Array.from({ length: data.steps }, (_, t) => (t >= data.steps / 2 ? 1 : 0)) };
  }
  if (name === 'cue') {
    const data = createCueAccumulation({ seed, size: 400, cues: 3, cueSteps: 10, period: 15, delay: 30, recallSteps: 15, inputs: 20, rate: 0.3, noiseRate: 0.02 });
    return { data, lossMask: data.lossMask };
  }
  const data = createMorse({ seed, samplesPerWord: 10 });
  return { data, lossMask: data.lossMask };
}

/**
 * The gpu.js backend every rule's kernel set takes gemm and gemmSparseA from (importing
 * @snn/tensor-gpujs registered it with @snn/tensor): WebGL2 in a browser, gpu.js cpu mode in Node
 * or wherever WebGL2 is missing, so the same code path is testable everywhere.
 */
export function gpuBackendName(): string {
  return gpuJsModeSupported('webgl2') ? 'gpujs-webgl2' : 'gpujs-cpu';
}

/** Products gpu.js has run so far on the page's gpu.js backend. */
export function gpuDispatches(): number {
  return gpuJsDispatches[gpuBackendName()] ?? 0;
}

/** What the page reports as the running backend. */
export function backendLabel(choice: BackendChoice): string {
  if (choice === 'gpujs') {
    const name = gpuBackendName();
    const mode = lastExecutedMode[name] ?? name.slice('gpujs-'.length);
    return mode === 'webgl2' ? 'gpu.js WebGL2' : `gpu.js ${mode} (no WebGL2 here)`;
  }
  return listBackends({ availableOnly: true }).includes('wasm-simd') ? 'WebAssembly SIMD' : 'JavaScript typed arrays (no shared WebAssembly memory here)';
}

/** Makes `choice` the backend of every kernel set created from now on (rules bind theirs when created). */
function selectOps(choice: BackendChoice): ComputeOps {
  const wasm = listBackends({ availableOnly: true }).includes('wasm-simd') ? 'wasm-simd' : 'reference';
  setDefaultBackend(choice === 'gpujs' ? gpuBackendName() : wasm);
  return createComputeOps('float32');
}

function ruleOf(config: Pick<TrainerConfig, 'rule' | 'lambda'>): { name: string; options: Record<string, unknown> } {
  switch (config.rule) {
    case 'eprop': return { name: 'eprop', options: {} };
    case 'hypr': return { name: 'hypr', options: { lambda: config.lambda } };
    case 'tbptt1': return { name: 'tbptt', options: { k: 1 } };
    case 'bptt': return { name: 'bptt', options: {} };
  }
}

function buildNetwork(config: TrainerConfig, data: SequenceDataset): Network {
  return createNetwork(
    { inputs: data.inputs, outputs: data.classes, layers: [{ cell: config.cell, neurons: config.hidden }], readout: { kappa: 0.9 } },
    { seed: config.seed, init: { inputScale: 3, recurrentScale: 0.5 } },
  );
}

export interface BatchReport {
  /** Batches trained so far. */
  batches: number;
  loss: number;
  accuracy: number;
  /** Time steps (each over the whole batch) per second of this batch. */
  stepsPerSecond: number;
}

export class Trainer {
  readonly config: TrainerConfig;
  readonly task: Task;
  readonly network: Network;
  readonly ops: ComputeOps;
  private readonly learner: LearnerV1;
  private readonly optimizer: Optimizer;
  private readonly train: SequenceDataset;
  private iterator: Iterator<{ x: Float32Array; labels: Int32Array; size: number }>;
  private epoch = 0;
  batchesDone = 0;

  constructor(config: TrainerConfig) {
    this.config = config;
    this.task = createTask(config.task, config.seed);
    [this.train] = splitDataset(this.task.data, [0.8, 0.2], config.seed);
    this.network = buildNetwork(config, this.task.data);
    this.ops = selectOps(config.backend);
    this.optimizer = createAdam(this.network.parameters(), { learningRate: config.learningRate, maxNorm: 10 }, () => this.network.markUpdated());
    const rule = ruleOf(config);
    this.learner = createTrainingLearner(rule.name, this.network, this.optimizer, rule.options);
    this.iterator = this.nextEpoch();
  }

  private nextEpoch() {
    this.epoch++;
    return batches(this.train, this.config.batch, { shuffle: true, seed: this.config.seed * 1000 + this.epoch })[Symbol.iterator]();
  }

  private nextBatch() {
    let next = this.iterator.next();
    if (next.done) {
      this.iterator = this.nextEpoch();
      next = this.iterator.next();
    }
    return next.value!;
  }

  /** Streams one batch through the rule (its updates happen at the rule's cadence). */
  trainBatch(): BatchReport {
    const batch = this.nextBatch();
    const steps = this.task.data.steps;
    const start = performance.now();
    const result = streamBatch(this.network, this.learner, { x: batch.x, batch: batch.size, steps, targets: batch.labels, lossMask: this.task.lossMask });
    const seconds = Math.max((performance.now() - start) / 1000, 1e-6);
    this.batchesDone++;
    return { batches: this.batchesDone, loss: result.loss, accuracy: result.correct / result.batch, stepsPerSecond: steps / seconds };
  }

  /** The hidden layer's spikes `[T, H]` of one training sequence under the current weights. */
  hiddenSpikes(sample = 0): { spikes: Float32Array | Float64Array; steps: number; neurons: number } {
    const { data } = this.task;
    const I = data.inputs, T = data.steps;
    const x = new Float32Array(T * I);
    for (let i = 0; i < x.length; i++) x[i] = data.x[sample * T * I + i]!;
    const result = forwardSequence(this.network, { x, batch: 1, steps: T, targets: Int32Array.of(data.labels[sample]!) }, { recordOutputs: true });
    return { spikes: result.outputs![0]!, steps: T, neurons: this.config.hidden };
  }
}

export interface GradientCheck {
  /** Max over parameters of max |g_gpu - g_ref| / max |g_ref|. */
  worstRelativeError: number;
  parameters: number;
  reference: string;
  gpujs: string;
  /** Products that ran on gpu.js while computing its gradient (0 would mean the check proved nothing). */
  gpuDispatches: number;
}

/** One batch's gradient under `config`'s rule, computed on `choice`'s kernels (no update applied). */
function oneBatchGradient(config: TrainerConfig, choice: BackendChoice): { grads: Map<string, Float32Array>; ops: string } {
  const task = createTask(config.task, config.seed);
  const network = buildNetwork(config, task.data);
  const ops = selectOps(choice);
  const grads = new Map<string, Float32Array>();
  const rule = ruleOf(config);
  const learner = createLearner(rule.name, network, (gradients) => {
    for (const [name, g] of gradients) {
      const sum = grads.get(name) ?? new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) sum[i] += g[i]!;
      grads.set(name, sum);
    }
  }, rule.options);
  const [first] = batches(task.data, 4, { shuffle: false, seed: 0 });
  streamBatch(network, learner, { x: first!.x, batch: first!.size, steps: task.data.steps, targets: first!.labels, lossMask: task.lossMask });
  return { grads, ops: ops.name };
}

/** The gradient of one batch from the gpu.js kernels against the WebAssembly (or JavaScript) path. */
export function checkGradient(config: TrainerConfig): GradientCheck {
  const before = gpuDispatches();
  const gpu = oneBatchGradient(config, 'gpujs');
  const dispatches = gpuDispatches() - before;
  const ref = oneBatchGradient(config, 'wasm');
  let worst = 0;
  for (const [name, r] of ref.grads) {
    const g = gpu.grads.get(name);
    if (!g || g.length !== r.length) return { worstRelativeError: Infinity, parameters: ref.grads.size, reference: ref.ops, gpujs: gpu.ops, gpuDispatches: dispatches };
    let scale = 0, diff = 0;
    for (let i = 0; i < r.length; i++) {
      scale = Math.max(scale, Math.abs(r[i]!));
      diff = Math.max(diff, Math.abs(g[i]! - r[i]!));
    }
    const rel = scale > 0 ? diff / scale : diff;
    if (!(rel <= worst)) worst = Number.isNaN(rel) ? Infinity : rel;
  }
  return { worstRelativeError: worst, parameters: ref.grads.size, reference: ref.ops, gpujs: gpu.ops, gpuDispatches: dispatches };
}
