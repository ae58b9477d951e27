// Cost of a derived-Jacobian cell (defineCell) relative to the hand-written one: forward step + VJP
// per time step, 256 neurons, batch 32 (and the forward-mode `jacobians` call, for e-prop-like rules).
// `node scripts/bench.mjs [--dtype float64] [--steps 50] [--rounds 15]` (after `pnpm build`).
import { lif } from '@snn/lif';
import { alif } from '@snn/alif';
import { brf } from '@snn/brf';
import { definedAlif, definedBrf, definedLif } from '../dist/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const dtype = arg('dtype', 'float32');
const T = Number(arg('steps', 50));
const rounds = Number(arg('rounds', 15));
const H = 256;
const B = 32;
const Arr = dtype === 'float64' ? Float64Array : Float32Array;

let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

function harness(cell, scale) {
  const d = cell.stateSize;
  const nP = cell.neuronParameters.length;
  const params = cell.initNeuronParameters?.(dtype, rnd) ?? {};
  const gradParams = Object.fromEntries(Object.keys(params).map((k) => [k, new Arr(H)]));
  const currents = Array.from({ length: T }, () => Arr.from({ length: B * H }, () => (rnd() < 0.3 ? scale * rnd() : 0)));
  const states = Array.from({ length: T + 1 }, () => new Arr(d * B * H));
  const outputs = Array.from({ length: T + 1 }, () => new Arr(B * H));
  const tape = new Arr(Math.max(1, cell.tapeSize) * B * H);
  const stepArgs = { batch: B, inputCurrent: null, recurrentCurrent: null, prevState: null, prevOutput: null, state: null, output: null, tape, params };
  const gradState = new Arr(d * B * H);
  const gradPrevState = new Arr(d * B * H);
  const gradOutput = Arr.from({ length: B * H }, () => rnd() - 0.5);
  const gradPrevOutput = new Arr(B * H);
  const gradInputCurrent = new Arr(B * H);
  const vjpArgs = { ...stepArgs, gradState, gradOutput, gradPrevState, gradPrevOutput, gradInputCurrent, gradRecurrentCurrent: null, gradParams };
  const jac = { ...stepArgs, J: new Arr(B * H * d * d), D: new Arr(B * H * d), Drec: null, C: new Arr(B * H * d), CI: new Arr(B * H), CIrec: null, P: new Arr(B * H * d * Math.max(1, nP)), CP: new Arr(B * H * Math.max(1, nP)) };
  const forwardBackward = () => {
    for (let t = 0; t < T; t++) {
      stepArgs.inputCurrent = currents[t];
      stepArgs.prevState = states[t];
      stepArgs.prevOutput = outputs[t];
      stepArgs.state = states[t + 1];
      stepArgs.output = outputs[t + 1];
      cell.step(stepArgs);
    }
    for (let t = T - 1; t >= 0; t--) {
      vjpArgs.inputCurrent = currents[t];
      vjpArgs.prevState = states[t];
      vjpArgs.prevOutput = outputs[t];
      vjpArgs.state = states[t + 1];
      vjpArgs.output = outputs[t + 1];
      gradPrevOutput.fill(0);
      cell.vjp(vjpArgs);
      gradState.set(gradPrevState);
    }
  };
  const jacobians = () => {
    for (let t = 0; t < T; t++) {
      jac.inputCurrent = currents[t];
      jac.prevState = states[t];
      jac.prevOutput = outputs[t];
      jac.state = states[t + 1];
      jac.output = outputs[t + 1];
      cell.jacobians(jac);
    }
  };
  return { forwardBackward, jacobians };
}

function time(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6 / T; // ms per step
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`defineCell benchmark: ${H} neurons, batch ${B}, ${dtype}, ${T} steps x ${rounds} rounds (median ms per step)`);
console.log('cell   hand fwd+vjp  derived fwd+vjp  ratio   hand jacobians  derived jacobians  ratio');
const results = [];
for (const [name, hand, derived, scale] of [['lif', lif, definedLif, 2], ['alif', alif, definedAlif, 2], ['brf', brf, definedBrf, 80]]) {
  const a = harness(hand.create(H), scale);
  const b = harness(derived.create(H), scale);
  const fa = [], fb = [], ja = [], jb = [];
  for (let r = 0; r < rounds + 3; r++) {
    const keep = r >= 3; // warm-up rounds
    const x = [time(a.forwardBackward), time(b.forwardBackward), time(a.jacobians), time(b.jacobians)];
    if (keep) { fa.push(x[0]); fb.push(x[1]); ja.push(x[2]); jb.push(x[3]); }
  }
  const row = { cell: name, hand: median(fa), derived: median(fb), ratio: median(fb) / median(fa), handJacobians: median(ja), derivedJacobians: median(jb), jacobiansRatio: median(jb) / median(ja) };
  results.push(row);
  console.log(
    `${name.padEnd(6)} ${row.hand.toFixed(4).padStart(11)}  ${row.derived.toFixed(4).padStart(15)}  ${row.ratio.toFixed(2).padStart(5)}   ${row.handJacobians.toFixed(4).padStart(14)}  ${row.derivedJacobians.toFixed(4).padStart(17)}  ${row.jacobiansRatio.toFixed(2).padStart(5)}`,
  );
}
