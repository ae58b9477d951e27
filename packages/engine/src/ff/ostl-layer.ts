import type { RealArray } from '@snn/protocol';
import { accumulateRows, copyInto, Eligibility } from './traces';
import type { LayerRule, LayerRuleDims } from './layer-rule';

/**
 * One OSTL layer (Bohnstingl et al. 2022): the exact in-layer eligibility e_t = du_t/dW (reset kept),
 * the spike sensitivity S_t = psi_t e_t, and per step `dW += g S_t`, `db += g psi_t e^b_t`, sending
 * `(g psi_t) W` down. Memory O(H m) per sequence.
 */
export function ostlLayer(dims: LayerRuleDims): LayerRule {
  const eligibility = new Eligibility(dims);
  const psi: RealArray = dims.allocate(dims.batch * dims.neurons);
  return {
    name: 'ostl',
    get memoryBytes() {
      return eligibility.bytes + psi.byteLength;
    },
    begin() {
      eligibility.reset();
    },
    update(view) {
      eligibility.update(view);
      copyInto(psi, view.psi);
    },
    contribute(g, gradW, gradB, q) {
      accumulateRows(dims, g, psi, eligibility.weights, eligibility.bias, gradW, gradB);
      copyInto(q, psi);
    },
  };
}
