import { createAdam, createLearner, createNetwork, createTrainingLearner, forwardSequence, streamBatch } from '@snn/core';
import { createRandom } from '@snn/random';

export interface BpttBenchOptions {
  inputs: number;
  hidden: number;
  outputs: number;
  steps: number;
  batch: number;
  inputRate: number;
  /** Measure for at least this long (after one warm-up step). */
  seconds: number;
  minIterations: number;
  seed: number;
  /** W_in ~ N(0, (inputScale / sqrt(inputs))^2). */
  inputScale: number;
}

export const defaultBpttBench: BpttBenchOptions = {
  inputs: 700,
  hidden: 256,
  outputs: 20,
  steps: 100,
  batch: 32,
  inputRate: 0.02,
  seconds: 10,
  minIterations: 5,
  seed: 1,
  inputScale: 3,
};

export interface BenchRecord {
  name: string;
  samples_per_s: number;
  ms_per_step: number;
  [key: string]: unknown;
}

/**
 * Training throughput of BPTT on an LIF RSNN: one step = forward over T, backward, Adam update, for
 * a batch of Bernoulli(inputRate) spike trains.
 */
export function benchBptt(options: Partial<BpttBenchOptions> = {}): BenchRecord {
  const o = { ...defaultBpttBench, ...options };
  const network = createNetwork(
    { inputs: o.inputs, outputs: o.outputs, layers: [{ cell: 'lif', neurons: o.hidden }], readout: { kappa: 0.9 } },
    // inputScale 3 gives about 5% hidden spikes per step, a typical rate for a trained RSNN.
    { seed: o.seed, init: { inputScale: o.inputScale } },
  );
  // Every measured step starts from the same weights, so the spike rate (and so the event-driven
  // work) does not drift while Adam trains on the synthetic batch.
  const initial = network.parameters().map((p) => Float32Array.from(p.data));
  const restore = () => {
    network.parameters().forEach((p, i) => p.data.set(initial[i]!));
    network.markUpdated();
  };
  const optimizer = createAdam(network.parameters(), { learningRate: 1e-3 }, () => network.markUpdated());
  const learner = createTrainingLearner('bptt', network, optimizer, { validateInputs: false });
  const random = createRandom(o.seed);
  const x = new Float32Array(o.batch * o.steps * o.inputs);
  for (let i = 0; i < x.length; i++) x[i] = random.next() < o.inputRate ? 1 : 0;
  const targets = new Int32Array(o.batch);
  for (let b = 0; b < o.batch; b++) targets[b] = random.int(o.outputs);
  const data = { x, batch: o.batch, steps: o.steps, targets };
  streamBatch(network, learner, data);
  let iterations = 0;
  let measured = 0;
  const started = performance.now();
  while (iterations < o.minIterations || performance.now() - started < o.seconds * 1000) {
    restore();
    const t0 = performance.now();
    streamBatch(network, learner, data, { validate: false });
    measured += performance.now() - t0;
    iterations++;
  }
  restore();
  const ms = measured / iterations;
  const outputs = forwardSequence(network, data, { recordOutputs: true, validate: false }).outputs![0]!;
  let spikes = 0;
  for (let i = 0; i < outputs.length; i++) spikes += outputs[i]!;
  return {
    name: `bptt-lif-${o.inputs}-${o.hidden}-${o.outputs}-T${o.steps}-B${o.batch}`,
    samples_per_s: (o.batch * 1000) / ms,
    ms_per_step: ms,
    iterations,
    inputs: o.inputs,
    hidden: o.hidden,
    outputs: o.outputs,
    steps: o.steps,
    batch: o.batch,
    input_rate: o.inputRate,
    hidden_spike_rate: spikes / outputs.length,
    kernels: (learner as unknown as { kernels?: string }).kernels ?? 'unknown',
  };
}

export interface MemoryBenchOptions {
  rule: string;
  ruleOptions: Record<string, unknown>;
  cell: string;
  inputs: number;
  hidden: number;
  outputs: number;
  steps: number;
  batch: number;
  inputRate: number;
  seed: number;
}

/**
 * Streams one sequence of `steps` steps through a learner (inputs drawn step by step, so the data
 * itself takes no memory) and reports the bytes the learner holds at the end and the process's peak
 * resident set. Run each configuration in a fresh process for a clean peak (`snn bench memory` does).
 */
export function benchMemoryOnce(o: MemoryBenchOptions): BenchRecord {
  const network = createNetwork(
    { inputs: o.inputs, outputs: o.outputs, layers: [{ cell: o.cell, neurons: o.hidden }], readout: { kappa: 0.9 } },
    { seed: o.seed, init: { inputScale: 3 } },
  );
  const learner = createLearner(o.rule, network, () => {}, { ...o.ruleOptions, validateInputs: false });
  const random = createRandom(o.seed);
  const x = new Float32Array(o.batch * o.inputs);
  const targets = new Int32Array(o.batch);
  for (let b = 0; b < o.batch; b++) targets[b] = random.int(o.outputs);
  const input = { x, offset: 0, rowStride: o.inputs, targets, lossWeight: 1 };
  const started = performance.now();
  learner.begin(o.batch);
  let held = 0;
  for (let t = 0; t < o.steps; t++) {
    for (let i = 0; i < x.length; i++) x[i] = random.next() < o.inputRate ? 1 : 0;
    learner.step(input);
    if (t === o.steps - 1) held = (learner as unknown as { memoryBytes?: number }).memoryBytes ?? NaN;
  }
  learner.end();
  const ms = performance.now() - started;
  return {
    name: `memory-${o.rule}${o.ruleOptions.lambda ? `-l${String(o.ruleOptions.lambda)}` : ''}${o.ruleOptions.k ? `-k${String(o.ruleOptions.k)}` : ''}-${o.cell}-${o.inputs}-${o.hidden}-${o.outputs}-T${o.steps}-B${o.batch}`,
    rule: o.rule,
    steps: o.steps,
    learner_bytes: held,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    samples_per_s: (o.batch * 1000) / ms,
    ms_per_step: ms / o.steps,
  };
}
