import type { RealArray } from '@snn/protocol';
import { accumulateRows, copyInto, Eligibility, SurrogateMean, type LayerRule, type LayerRuleDims } from '@snn/engine';

/**
 * One OTPE layer (Summe et al. 2023): the in-layer eligibility e_t (reset kept), the leaky sum of the
 * spike sensitivities R_t = alpha R_{t-1} + psi_t e_t (standing for the effect on the next layer's
 * membrane), and the normalised leaky mean gbar_t of psi. Per step `dW += g R_t`, `db += g R^b_t`,
 * sending `(g gbar_t) W` down. Memory O(H m) per sequence (e and R).
 */
export function otpeLayer(dims: LayerRuleDims): LayerRule {
  const eligibility = new Eligibility(dims);
  const R: RealArray = dims.allocate(dims.batch * dims.neurons * dims.inputs);
  const Rb: RealArray = dims.allocate(dims.batch * dims.neurons);
  const mean = new SurrogateMean(dims);
  const { batch: B, neurons: H, inputs: m, alpha } = dims;
  return {
    name: 'otpe',
    get memoryBytes() {
      return eligibility.bytes + R.byteLength + Rb.byteLength + mean.bytes;
    },
    begin() {
      eligibility.reset();
      R.fill(0);
      Rb.fill(0);
      mean.reset();
    },
    update(view) {
      eligibility.update(view);
      mean.update(view.psi);
      const e = eligibility.weights;
      const eb = eligibility.bias;
      const psi = view.psi;
      for (let n = 0; n < B * H; n++) {
        const p = psi[n]!;
        Rb[n] = alpha * Rb[n]! + p * eb[n]!;
        const row = n * m;
        for (let i = 0; i < m; i++) R[row + i] = alpha * R[row + i]! + p * e[row + i]!;
      }
    },
    contribute(g, gradW, gradB, q) {
      accumulateRows(dims, g, null, R, Rb, gradW, gradB);
      copyInto(q, mean.values);
    },
  };
}
