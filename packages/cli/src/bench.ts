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

export interface HyprSpeedOptions {
  cell: string;
  inputs: number;
  hidden: number;
  outputs: number;
  batch: number;
  /** Sequence length HYPR runs (one whole sequence per lambda, after a warm-up sequence). */
  steps: number;
  /** Steps of sequential e-prop that are timed (its cost per step does not depend on T or t). */
  epropSteps: number;
  lambdas: number[];
  inputRate: number;
  seed: number;
  /** W_in ~ N(0, (inputScale / sqrt(inputs))^2); per cell by default (see hyprBenchInputScale). */
  inputScale?: number;
}

export const defaultHyprSpeed: HyprSpeedOptions = {
  cell: 'lif',
  inputs: 700,
  hidden: 256,
  outputs: 20,
  batch: 32,
  steps: 1000,
  epropSteps: 100,
  lambdas: [1, 8, 32, 64, 128],
  inputRate: 0.02,
  seed: 1,
};

/**
 * Input weight scale per cell that gives a few percent hidden spikes per step with Bernoulli(0.02)
 * inputs, the activity of a trained network (the event-driven products depend on it).
 */
export const hyprBenchInputScale: Record<string, number> = { lif: 3, brf: 250 };

/**
 * Wall time per step of sequential e-prop and of HYPR at each lambda on the same network and input
 * stream (Bernoulli(inputRate) spikes, a fixed pool of frames so that drawing them costs nothing),
 * the ratio e-prop / HYPR, and where HYPR's time goes (S-stage and the parts of the P-stage).
 * Both rules compute the same gradient; no weights change while measuring.
 */
export function benchHyprSpeed(options: Partial<HyprSpeedOptions> = {}): BenchRecord[] {
  const o = { ...defaultHyprSpeed, ...options };
  const network = createNetwork(
    { inputs: o.inputs, outputs: o.outputs, layers: [{ cell: o.cell, neurons: o.hidden }], readout: { kappa: 0.9 } },
    { seed: o.seed, init: { inputScale: o.inputScale ?? hyprBenchInputScale[o.cell] ?? 3 } },
  );
  const random = createRandom(o.seed);
  const frames = 97;
  const pool = new Float32Array(frames * o.batch * o.inputs);
  for (let i = 0; i < pool.length; i++) pool[i] = random.next() < o.inputRate ? 1 : 0;
  const targets = new Int32Array(o.batch);
  for (let b = 0; b < o.batch; b++) targets[b] = random.int(o.outputs);
  const input = { x: pool as Float32Array, offset: 0, rowStride: o.inputs, targets, lossWeight: 1 };
  const stream = (learner: { step(i: typeof input): void }, steps: number) => {
    for (let t = 0; t < steps; t++) {
      input.offset = (t % frames) * o.batch * o.inputs;
      learner.step(input);
    }
  };
  const shape = `${o.cell}-${o.inputs}-${o.hidden}-${o.outputs}-B${o.batch}`;
  // Sequential e-prop: warm up, then time epropSteps steps.
  const eprop = createLearner('eprop', network, () => {}, { validateInputs: false });
  eprop.begin(o.batch);
  stream(eprop, 10);
  let t0 = performance.now();
  stream(eprop, o.epropSteps);
  const epropMs = (performance.now() - t0) / o.epropSteps;
  eprop.end();
  const records: BenchRecord[] = [{ name: `eprop-${shape}`, rule: 'eprop', samples_per_s: (o.batch * 1000) / epropMs, ms_per_step: epropMs, steps: o.epropSteps }];
  for (const lambda of o.lambdas) {
    const hypr = createLearner('hypr', network, () => {}, { lambda, validateInputs: false }) as unknown as {
      begin(b: number): void; step(i: typeof input): void; end(): void; timings: Record<string, number>; lastProductsSparse: boolean;
    };
    hypr.begin(o.batch);
    stream(hypr, Math.min(o.steps, 2 * lambda + 1));
    hypr.end();
    hypr.begin(o.batch);
    t0 = performance.now();
    stream(hypr, o.steps);
    hypr.end();
    const ms = (performance.now() - t0) / o.steps;
    const perStep = Object.fromEntries(Object.entries(hypr.timings).map(([k, v]) => [`${k}_ms_per_step`, v / o.steps]));
    records.push({
      name: `hypr-l${lambda}-${shape}-T${o.steps}`,
      rule: 'hypr',
      lambda,
      samples_per_s: (o.batch * 1000) / ms,
      ms_per_step: ms,
      ratio_eprop_over_hypr: epropMs / ms,
      event_driven_products: hypr.lastProductsSparse,
      ...perStep,
    });
  }
  // Activity of the hidden layer over the stream (the event-driven products depend on it).
  const xs = new Float32Array(o.batch * frames * o.inputs); // [B, T, I] from the pool's [T, B, I]
  for (let t = 0; t < frames; t++) for (let b = 0; b < o.batch; b++) xs.set(pool.subarray((t * o.batch + b) * o.inputs, (t * o.batch + b + 1) * o.inputs), (b * frames + t) * o.inputs);
  const data = { x: xs, batch: o.batch, steps: frames, targets };
  const outputs = forwardSequence(network, data, { recordOutputs: true, validate: false }).outputs![0]!;
  let spikes = 0;
  for (let i = 0; i < outputs.length; i++) spikes += outputs[i]!;
  for (const r of records) r.hidden_spike_rate = spikes / outputs.length;
  return records;
}

export interface LearnerBenchOptions {
  rule: string;
  ruleOptions: Record<string, unknown>;
  cell: string;
  cellOptions?: Record<string, unknown>;
  inputs: number;
  /** Width of every hidden layer. */
  hidden: number;
  layers: number;
  /** Layers without W_rec (the networks of ottt, ostl, otpe). */
  feedForward: boolean;
  /** 'readout' (leaky integrator), or an output layer of `outputs` cells whose spikes ('spikes') or their leaky sum ('leaky-sum') the loss reads. */
  output: 'readout' | 'spikes' | 'leaky-sum';
  outputs: number;
  steps: number;
  batch: number;
  inputRate: number;
  inputScale: number;
  seed: number;
}

/**
 * One learner on one sequence of `steps` steps (after a short warm-up sequence, so the JIT has compiled
 * the step): wall time per step, bytes the learner holds at the end (its traces or stored trajectory,
 * `learner.memoryBytes`) and the process's peak resident set. Inputs are Bernoulli(inputRate) spikes
 * drawn step by step, so the data itself takes no memory. Run each configuration in a fresh process for
 * a clean peak (`snn bench ff` and the hypr-speed preset do).
 */
export function benchLearnerOnce(o: LearnerBenchOptions): BenchRecord {
  const alpha = 1 / (1 + Math.exp(-3));
  const cellOptions = o.cellOptions ?? (o.cell === 'lif' ? { alpha: o.feedForward ? alpha : 0.9, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 25 } } : {});
  const hidden = Array.from({ length: o.layers }, () => ({ cell: o.cell, neurons: o.hidden, recurrent: !o.feedForward, cellOptions }));
  const network = createNetwork(
    o.output === 'readout'
      ? { inputs: o.inputs, outputs: o.outputs, layers: hidden, readout: { kappa: 0.9 } }
      : {
          inputs: o.inputs,
          outputs: o.outputs,
          layers: [...hidden, { cell: o.cell, neurons: o.outputs, recurrent: false, cellOptions }],
          output: o.output === 'spikes' ? { kind: 'spikes' } : { kind: 'leaky-sum', kappa: alpha },
        },
    { seed: o.seed, init: { inputScale: o.inputScale } },
  );
  const learner = createLearner(o.rule, network, () => {}, { ...o.ruleOptions, validateInputs: false }) as ReturnType<typeof createLearner> & { memoryBytes?: number };
  const random = createRandom(o.seed);
  const x = new Float32Array(o.batch * o.inputs);
  const targets = new Int32Array(o.batch);
  for (let b = 0; b < o.batch; b++) targets[b] = random.int(o.outputs);
  const input = { x, offset: 0, rowStride: o.inputs, targets, lossWeight: 1 };
  const draw = () => {
    for (let i = 0; i < x.length; i++) x[i] = random.next() < o.inputRate ? 1 : 0;
  };
  const sequence = (steps: number, timed: boolean) => {
    let ms = 0;
    let held = NaN;
    learner.begin(o.batch);
    for (let t = 0; t < steps; t++) {
      draw(); // drawing is not timed
      const t0 = performance.now();
      learner.step(input);
      ms += performance.now() - t0;
      if (t === steps - 1) held = learner.memoryBytes ?? NaN;
    }
    const t0 = performance.now();
    learner.end();
    ms += performance.now() - t0;
    return { ms, held: timed ? held : NaN };
  };
  sequence(Math.min(o.steps, 20), false);
  const { ms, held } = sequence(o.steps, true);
  return {
    name: `learner-${o.rule}-${o.cell}${o.feedForward ? '-ff' : ''}-${o.inputs}-${o.layers}x${o.hidden}-${o.output}-T${o.steps}-B${o.batch}`,
    rule: o.rule,
    hidden: o.hidden,
    layers: o.layers,
    steps: o.steps,
    batch: o.batch,
    learner_bytes: held,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    samples_per_s: (o.batch * 1000) / ms,
    ms_per_step: ms / o.steps,
  };
}

/** The feed-forward rules of `snn bench ff`, with the network form each trains (F- variants: the leaky sum of the output spikes). */
export const ffBenchRules: Array<{ rule: string; output: 'spikes' | 'leaky-sum' }> = [
  { rule: 'bptt', output: 'spikes' },
  { rule: 'ottt', output: 'spikes' },
  { rule: 'ostl', output: 'spikes' },
  { rule: 'otpe', output: 'spikes' },
  { rule: 'approx-otpe', output: 'spikes' },
  { rule: 'f-otpe', output: 'leaky-sum' },
  { rule: 'f-approx-otpe', output: 'leaky-sum' },
];
