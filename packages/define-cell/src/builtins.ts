/**
 * LIF, ALIF and BRF written with `defineCell`, equation for equation as in @snn/lif, @snn/alif and
 * @snn/brf (shared/spec/vectors.md). They are the reference that derived gradients equal the
 * hand-written ones, and short examples of the API. Registered names: 'defined-lif', 'defined-alif',
 * 'defined-brf'; for another name, `defineCell({ ...definedLif.spec, name: 'lif' })`.
 */
import { defineCell } from './define-cell';

/** u = alpha (u - theta z_{t-1}) + I, z = H(u - theta). */
export const definedLif = defineCell({
  name: 'defined-lif',
  description: 'LIF via defineCell: u = alpha (u - theta z) + I',
  state: ['membrane'],
  constants: { alpha: 0.9, theta: 1 },
  output: { spike: (s, _p, k) => s.membrane.sub(k.theta), surrogate: { name: 'fast-sigmoid', slope: 25 } },
  step: (s, I, _p, k, zPrev, m) => ({ membrane: m.add(m.mul(k.alpha, m.sub(s.membrane, m.mul(k.theta, zPrev))), I) }),
});

const alpha = Math.exp(-1 / 20);
const rho = Math.exp(-1 / 2000);

/** a = rho a + z_{t-1}, u = alpha u + I - theta z_{t-1}, z = H(u - theta - beta a). */
export const definedAlif = defineCell({
  name: 'defined-alif',
  description: 'ALIF via defineCell: a = rho a + z, u = alpha u + I - theta z, spike when u > theta + beta a',
  state: ['membrane', 'adaptation'],
  constants: { alpha, rho, beta: (1.7 * (1 - rho)) / (1 - alpha), theta: 0.6 },
  output: { spike: (s, _p, k, m) => m.sub(m.sub(s.membrane, k.theta), m.mul(k.beta, s.adaptation)) },
  step: (s, I, _p, k, zPrev, m) => ({
    membrane: m.sub(m.add(m.mul(k.alpha, s.membrane), I), m.mul(k.theta, zPrev)),
    adaptation: m.add(m.mul(k.rho, s.adaptation), zPrev),
  }),
});

/** BRF in the r-form (u, v, r), params omega and b_offset. */
export const definedBrf = defineCell({
  name: 'defined-brf',
  description: 'BRF via defineCell: damped oscillator u + i v with p(omega) damping and a refractory trace',
  state: ['u', 'v', 'r'],
  parameters: {
    omega: { init: (random) => 5 + random() * 5, description: 'angular frequency (|omega| is used); dt |omega| <= 1' },
    b_offset: { init: (random) => random() * 3, description: 'damping offset (|b_offset| is used)' },
  },
  constants: { dt: 0.01, theta: 1, gamma: 0.9 },
  output: {
    spike: (s, _p, k, m) => m.sub(m.sub(s.u, k.theta), s.r),
    surrogate: { name: 'double-gaussian', p: 0.15, s: 0.5, c: 6, gamma: 0.5 },
  },
  step: (s, I, p, k, zPrev, m) => {
    const om = m.abs(p.omega);
    const x = m.mul(k.dt, om);
    const divergence = m.div(m.add(-1, m.sqrt(m.sub(1, m.mul(x, x)))), k.dt);
    const r = m.add(m.mul(k.gamma, s.r), zPrev);
    const damping = m.sub(m.sub(divergence, m.abs(p.b_offset)), r);
    return {
      u: m.add(s.u, m.mul(k.dt, m.add(m.sub(m.mul(damping, s.u), m.mul(om, s.v)), I))),
      v: m.add(s.v, m.mul(k.dt, m.add(m.mul(om, s.u), m.mul(damping, s.v)))),
      r,
    };
  },
});
