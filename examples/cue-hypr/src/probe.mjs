// How much of the cue evidence a network (as initialised) still shows during the recall window:
// a ridge-regression read-out of the per-neuron recall spike counts, fitted on 3/4 of the samples and
// tested on the rest. Used to choose neuron initialisations for the long-delay task before training.
// Usage: node src/probe.mjs '{"delay":1000,"tauW":[1000,4000],"adaptA":[0,0.1],"adaptB":[1,2],...}'
import { forwardSequence } from '@snn/core';
import { cueAccumulationSource } from '@snn/datasets';
import { createCueNetwork } from './network.mjs';
const cfg = { cell: 'se-adlif', hidden: 64, delay: 1000, samples: 256, inputScale: 40, recurrentScale: 0.5, seed: 1,
  tauW: null, tauU: null, adaptA: null, adaptB: null, omega: null, bOffset: null, cellOptions: {}, task: {}, ...JSON.parse(process.argv[2] ?? '{}') };
const src = cueAccumulationSource({ ...cfg.task, seed: cfg.seed, size: cfg.samples, delay: cfg.delay });
const cueEnd = (cfg.task.cues ?? 7) * (cfg.task.period ?? 150);
const recall = cfg.task.recallSteps ?? 150;
const T = src.steps;
const { network: net } = createCueNetwork(cfg, src);
const H = cfg.hidden;
const feats = [];
const labels = [];
const margins = [];
let cueRate = 0, recallRate = 0;
for (const b of src.batches(64)) {
  const r = forwardSequence(net, { x: b.x, batch: b.size, steps: T, targets: b.labels, lossMask: src.lossMask }, { recordOutputs: true });
  const z = r.outputs[0];
  for (let bi = 0; bi < b.size; bi++) {
    const f = new Float64Array(H + 1);
    f[H] = 1;
    for (let t = T - recall; t < T; t++) for (let h = 0; h < H; h++) f[h] += z[(bi * T + t) * H + h];
    for (let t = 0; t < cueEnd; t++) for (let h = 0; h < H; h++) cueRate += z[(bi * T + t) * H + h];
    for (let h = 0; h < H; h++) recallRate += f[h];
    feats.push(f);
    labels.push(b.labels[bi] === 1 ? 1 : -1);
    // cue margin |#right - #left| from the inputs (more spikes on the right group than the left in a cue window)
    let right = 0;
    const I = src.inputs, g = I / 4, period = cfg.task.period ?? 150;
    for (let k = 0; k < (cfg.task.cues ?? 7); k++) {
      let l = 0, r = 0;
      for (let t = k * period; t < (k + 1) * period; t++) for (let j = 0; j < g; j++) { l += b.x[(bi * T + t) * I + j]; r += b.x[(bi * T + t) * I + g + j]; }
      if (r > l) right++;
    }
    margins.push(Math.abs(2 * right - (cfg.task.cues ?? 7)));
  }
}
const n = feats.length, ntr = Math.floor((3 * n) / 4), D = H + 1;
// ridge: (X^T X + l I) w = X^T y, solved by Gaussian elimination
const A = Array.from({ length: D }, () => new Float64Array(D + 1));
for (let s = 0; s < ntr; s++) for (let i = 0; i < D; i++) { A[i][D] += feats[s][i] * labels[s]; for (let j = 0; j < D; j++) A[i][j] += feats[s][i] * feats[s][j]; }
for (let i = 0; i < D; i++) A[i][i] += 1;
for (let i = 0; i < D; i++) { let p = i; for (let r = i + 1; r < D; r++) if (Math.abs(A[r][i]) > Math.abs(A[p][i])) p = r; [A[i], A[p]] = [A[p], A[i]]; for (let r = 0; r < D; r++) if (r !== i) { const f = A[r][i] / A[i][i]; for (let c = i; c <= D; c++) A[r][c] -= f * A[i][c]; } }
const w = A.map((row, i) => row[D] / row[i]);
const acc = (from, to, margin = null) => { let c = 0, m = 0; for (let s = from; s < to; s++) { if (margin !== null && margins[s] !== margin) continue; m++; let y = 0; for (let i = 0; i < D; i++) y += w[i] * feats[s][i]; if (Math.sign(y) === labels[s]) c++; } return m ? ((100 * c) / m).toFixed(1) : '-'; };
const byMargin = Object.fromEntries([1, 3, 5, 7].map((m) => [m, acc(ntr, n, m)]));
console.log(JSON.stringify({ train: acc(0, ntr), test: acc(ntr, n), byMargin, cueRate: (cueRate / (n * cueEnd * H)).toFixed(4), recallRate: (recallRate / (n * recall * H)).toFixed(4) }), JSON.stringify(process.argv[2] ?? '{}'));
