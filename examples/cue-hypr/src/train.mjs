// Cue accumulation (datasets.md 7.2) with a long delay, trained online by HYPR.
// Usage: node src/train.mjs '{"cell":"se-adlif","hidden":64,"delay":1000,...}'  (all keys optional, see `cfg`)
import { createAdam, createTrainingLearner, forwardSequence, registerRule, streamBatch } from '@snn/core';
import { cueAccumulationSource } from '@snn/datasets';
import { hypr } from '@snn/hypr';
import { bptt } from '@snn/bptt';
import { eprop } from '@snn/eprop';
import { createCueNetwork } from './network.mjs';

registerRule(hypr);
registerRule(bptt);
registerRule(eprop);

const cfg = {
  cell: 'se-adlif', hidden: 64, delay: 1000, trainSize: 512, testSize: 128, epochs: 10, batch: 32, lr: 5e-3, maxNorm: 10,
  rule: 'hypr', // or 'bptt' (reference) or 'eprop'
  hiddenLrScale: 1, // learning rate of the recurrent layer's parameters relative to the read-out's (W_out, b_out)
  // Per-parameter learning-rate scales, 0 = not trained. {"beta": 0} keeps the adaptation time constants at their
  // initialisation: beta = exp(-1/tau_w) is trained in decay space, where one Adam step of 1e-3 turns tau_w = 30,000
  // into about 1,000 steps.
  lrScale: {},
  lambda: 64, kappa: 0.9, inputScale: 3, recurrentScale: 0.5,
  outputScale: 1, // W_out init scale; 0 starts the read-out at chance, so early gradients do not silence the layer
  seed: 1, cellOptions: {},
  tauW: null, // [lo, hi]: re-initialise SE-adLIF adaptation time constants (steps) uniformly in this range
  tauU: null, // [lo, hi]: same for the membrane
  adaptA: null, adaptB: null, // [lo, hi]: SE-adLIF adaptation couplings (adaptA 0: purely spike-triggered adaptation)
  omega: null, bOffset: null, // [lo, hi]: BRF re-initialisation ranges
  maxBatches: Infinity, target: 95,
  freshData: false, // true: new training sequences every epoch (another seed), so the network cannot memorise them
  finalTestSize: 0, // > 0: after training, test the final network on this many fresh sequences (another seed)
  // Extra cue-task options (@snn/datasets CueOptions), e.g. the official HYPR variant (algorithms.md 14.1):
  // {"cues":1,"cueSteps":20,"period":20,"recallSteps":20,"rate":0.6,"noiseRate":0,"pDominant":1,"inputs":20}
  task: {},
  // Curriculum: [[delay, epochs, taskOverrides?], ...] trained first (e.g. shorter delays, or {"pDominant": 1}:
  // every cue on the same side); then cfg.delay with cfg.task for cfg.epochs
  // (stopping at cfg.target test accuracy on cfg.delay). Memory and gradient do not depend on the delay.
  curriculum: [],
  lrEnd: null, // cosine decay of the learning rate from lr to lrEnd over the epochs (null: constant)
  // Clamp ranges applied after every optimizer step (the reference SE-adLIF code clamps to its init ranges;
  // without a clamp a decay can leave [0, 1) and the run diverges). Time constants in steps.
  clampTauU: [5, 25], clampTauW: [60, 300], clampA: [0, 1], clampB: [0, 2], clampOmega: null, clampBOffset: null,
  ...JSON.parse(process.argv[2] ?? '{}'),
};
console.log('config', JSON.stringify(cfg));

const sources = (delay, overrides = {}) => ({
  train: cueAccumulationSource({ ...cfg.task, ...overrides, seed: cfg.seed, size: cfg.trainSize, delay }),
  test: cueAccumulationSource({ ...cfg.task, ...overrides, seed: cfg.seed + 1000, size: cfg.testSize, delay }),
});
let { train, test } = sources(cfg.delay);
const cueEnd = (cfg.task.cues ?? 7) * (cfg.task.period ?? 150);
let T = train.steps;
let lossMask = train.lossMask;
console.log(`T = ${T} steps, loss on last ${lossMask.reduce((a, b) => a + b, 0)} steps`);

const { network, params } = createCueNetwork(cfg, train);
console.log('parameters', Object.keys(params).join(' '));

const clampers = [];
const clampParam = (name, range, toValue = (x) => x) => {
  const p = params[name];
  if (!p || !range) return;
  const lo = toValue(range[0]), hi = toValue(range[1]);
  clampers.push(() => { for (let i = 0; i < p.data.length; i++) p.data[i] = Math.min(hi, Math.max(lo, p.data[i])); });
};
if (cfg.cell === 'se-adlif') {
  clampParam('alpha', cfg.clampTauU, (tau) => Math.exp(-1 / tau));
  clampParam('beta', cfg.clampTauW, (tau) => Math.exp(-1 / tau));
  clampParam('adapt_a', cfg.clampA);
  clampParam('adapt_b', cfg.clampB);
} else if (cfg.cell === 'brf') {
  clampParam('omega', cfg.clampOmega);
  clampParam('b_offset', cfg.clampBOffset);
}
const afterUpdate = () => { for (const c of clampers) c(); network.markUpdated(); };
// One Adam per learning-rate scale behind one Optimizer: the recurrent layer can learn more slowly than the
// read-out (hiddenLrScale), and single parameters can be slowed or frozen (lrScale, 0 = frozen). Each group clips
// its own gradient norm (what the logged runs used; @snn/core's learningRateScale clips all groups together).
const scaleOf = (name) => cfg.lrScale[name] ?? (name === 'W_out' || name === 'b_out' ? 1 : cfg.hiddenLrScale);
const groups = new Map();
for (const p of network.parameters()) {
  const scale = scaleOf(p.name);
  if (scale === 0) continue;
  if (!groups.has(scale)) groups.set(scale, []);
  groups.get(scale).push(p);
}
const optimizers = [...groups].map(([scale, ps]) => ({ scale, names: new Set(ps.map((p) => p.name)), adam: createAdam(ps, { learningRate: cfg.lr * scale, maxNorm: cfg.maxNorm }) }));
let learningRate = cfg.lr;
const adam = {
  name: 'adam per learning-rate group',
  get learningRate() { return learningRate; },
  set learningRate(lr) { learningRate = lr; for (const o of optimizers) o.adam.learningRate = lr * o.scale; },
  step(gradients) {
    for (const o of optimizers) o.adam.step(new Map([...gradients].filter(([name]) => o.names.has(name))));
    afterUpdate();
  },
  state() { return Object.assign({}, ...optimizers.map((o) => o.adam.state())); },
};
const learner = createTrainingLearner(cfg.rule, network, adam, cfg.rule === 'hypr' ? { lambda: cfg.lambda } : {});

let lastRate = '';
function evaluate(source = test) {
  let correct = 0, first = true;
  for (const b of source.batches(64)) {
    const r = forwardSequence(network, { x: b.x, batch: b.size, steps: T, targets: b.labels, lossMask }, { recordOutputs: first });
    if (first) {
      const z = r.outputs[0], H = cfg.hidden;
      let a = 0, d = 0;
      for (let bi = 0; bi < b.size; bi++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) { const v = z[(bi * T + t) * H + h]; if (t < cueEnd) a += v; else d += v; }
      lastRate = `rate/step cue ${(a / (b.size * cueEnd * H)).toFixed(4)} after ${(d / (b.size * (T - cueEnd) * H)).toFixed(4)}`;
      first = false;
    }
    r.predictions.forEach((p, i) => (correct += p === b.labels[i] ? 1 : 0));
  }
  return (100 * correct) / source.size;
}

// Neuron-parameter ranges, printed per epoch (a collapse shows up here first).
function parameterSummary() {
  const range = (name, f = (x) => x) => {
    const p = params[name];
    if (!p) return '';
    const v = Array.from(p.data, f).sort((a, b) => a - b);
    return ` ${name} ${v[0].toPrecision(3)}/${v[v.length >> 1].toPrecision(3)}/${v[v.length - 1].toPrecision(3)}`;
  };
  const tau = (d) => -1 / Math.log(d);
  return cfg.cell === 'se-adlif' ? `min/median/max:${range('alpha', tau).replace('alpha', 'tau_u')}${range('beta', tau).replace('beta', 'tau_w')}${range('adapt_a')}${range('adapt_b')}` : `min/median/max:${range('omega')}${range('b_offset')}`;
}
console.log(`init ${parameterSummary()}`);

const t0 = Date.now();
let sequences = 0, updates = 0;
const stages = [...cfg.curriculum.map(([delay, epochs, overrides]) => ({ delay, epochs, overrides: overrides ?? {} })), { delay: cfg.delay, epochs: cfg.epochs, overrides: {} }];
const totalEpochs = stages.reduce((a, st) => a + st.epochs, 0);
let globalEpoch = 0;
let best = 0;
for (const [si, stage] of stages.entries()) {
  ({ train, test } = sources(stage.delay, stage.overrides));
  T = train.steps;
  lossMask = train.lossMask;
  const final = si === stages.length - 1;
  console.log(`stage ${si + 1}/${stages.length}: delay ${stage.delay}${Object.keys(stage.overrides).length ? ` ${JSON.stringify(stage.overrides)}` : ''}, T = ${T}, ${stage.epochs} epochs${final ? ' (target)' : ''}`);
  for (let epoch = 1; epoch <= stage.epochs; epoch++) {
    globalEpoch++;
    if (cfg.lrEnd !== null) adam.learningRate = cfg.lrEnd + 0.5 * (cfg.lr - cfg.lrEnd) * (1 + Math.cos((Math.PI * (globalEpoch - 1)) / Math.max(1, totalEpochs - 1)));
    if (cfg.freshData && epoch > 1) train = cueAccumulationSource({ ...cfg.task, ...stage.overrides, seed: cfg.seed + 100000 * globalEpoch, size: cfg.trainSize, delay: stage.delay });
    let lossSum = 0, n = 0, k = 0;
    for (const b of train.batches(cfg.batch, { shuffle: true, seed: cfg.seed * 1000 + globalEpoch })) {
      if (k++ >= cfg.maxBatches) break;
      const r = streamBatch(network, learner, { x: b.x, batch: b.size, steps: T, targets: b.labels, lossMask });
      lossSum += r.loss; n++; sequences += b.size; updates++;
      if (globalEpoch === 1 && k <= 2) console.log(`  batch ${k}: loss ${r.loss.toFixed(4)}  ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const acc = evaluate();
    const s = (Date.now() - t0) / 1000;
    console.log(`epoch ${globalEpoch} (delay ${stage.delay}): lr ${adam.learningRate.toExponential(2)}, train loss ${(lossSum / n).toFixed(4)}, test acc ${acc.toFixed(1)}%, ${sequences} seqs, ${updates} updates, ${s.toFixed(0)} s, ${lastRate}`);
    console.log(`  ${parameterSummary()}`);
    if (final) best = Math.max(best, acc);
    if (final && acc >= cfg.target) { console.log(`reached ${cfg.target}% at delay ${stage.delay} (T = ${T})`); break; }
  }
}
console.log(`best test accuracy at delay ${cfg.delay}: ${best.toFixed(1)}% (${cfg.testSize} test sequences), ${((Date.now() - t0) / 1000).toFixed(0)} s, ${updates} updates`);
if (cfg.finalTestSize > 0) {
  const fresh = cueAccumulationSource({ ...cfg.task, seed: cfg.seed + 2000, size: cfg.finalTestSize, delay: cfg.delay });
  console.log(`final network on ${cfg.finalTestSize} fresh test sequences (delay ${cfg.delay}): ${evaluate(fresh).toFixed(1)}%`);
}
