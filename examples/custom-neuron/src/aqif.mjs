// An adaptive quadratic integrate-and-fire neuron (a dimensionless AdQIF, Izhikevich-style), which
// @snn does not ship, written once with defineCell. Every derivative BPTT (or e-prop) needs is derived.
import { defineCell } from '@snn/define-cell';

export const aqif = defineCell({
  name: 'aqif',
  description: 'Adaptive quadratic integrate-and-fire: v += dt (v (v - vCrit) - w) + I, w adapts to v and to spikes',
  state: ['v', 'w'],
  parameters: {
    // Neuron-wise and trainable: subthreshold adaptation coupling and spike-triggered adaptation.
    adapt_a: { init: (random) => 0.05 + 0.1 * random(), description: 'subthreshold coupling of w to v' },
    adapt_b: { init: (random) => 0.05 + 0.15 * random(), description: 'jump of w after each spike' },
  },
  constants: { dt: 0.5, vCrit: 0.5, vReset: 0, vMin: -1, theta: 1, rho: 0.95 },
  output: { spike: (s, _p, k, m) => m.sub(s.v, k.theta), surrogate: { name: 'fast-sigmoid', slope: 10 } },
  step: (s, I, p, k, zPrev, m) => {
    // Hard reset to vReset after the neuron's own previous spike (its gradient flows through zPrev),
    // and a floor at vMin that keeps the quadratic term bounded.
    const v = m.max(m.add(s.v, m.mul(zPrev, m.sub(k.vReset, s.v))), k.vMin);
    const w = m.add(m.mul(k.rho, s.w), m.mul(1 - k.rho, p.adapt_a, v), m.mul(p.adapt_b, zPrev));
    const quadratic = m.mul(v, m.sub(v, k.vCrit)); // stable rest at 0, runaway above vCrit
    return { v: m.add(v, m.mul(k.dt, m.sub(quadratic, w)), I), w };
  },
});
