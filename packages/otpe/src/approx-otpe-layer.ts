import { accumulateOuter, copyInto, PresynapticTrace, SurrogateMean, type LayerRule, type LayerRuleDims } from '@snn/engine';

/**
 * One Approx-OTPE layer (Summe et al. 2023): presynaptic traces a_t = alpha a_{t-1} + pre_t and
 * zhat_t = alpha zhat_{t-1} + a_t, the normalised leaky mean gbar_t of psi, and per step
 * `dW += (g gbar_t) zhat_t^T`, `db += g gbar_t` (no trace), sending `(g gbar_t) W` down.
 * Memory O(m + H) per sequence.
 */
export function approxOtpeLayer(dims: LayerRuleDims): LayerRule {
  const a = new PresynapticTrace(dims);
  const zhat = new PresynapticTrace(dims);
  const mean = new SurrogateMean(dims);
  return {
    name: 'approx-otpe',
    get memoryBytes() {
      return a.bytes + zhat.bytes + mean.bytes;
    },
    begin() {
      a.reset();
      zhat.reset();
      mean.reset();
    },
    update(view) {
      a.update(view.pre);
      zhat.update(a.values);
      mean.update(view.psi);
    },
    contribute(g, gradW, gradB, q) {
      accumulateOuter(dims, g, mean.values, zhat.values, gradW, gradB);
      copyInto(q, mean.values);
    },
  };
}
