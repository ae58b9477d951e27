import type { RealArray } from '@snn/protocol';
import { accumulateOuter, copyInto, PresynapticTrace } from './traces';
import type { LayerRule, LayerRuleDims } from './layer-rule';

/**
 * One OTTT layer (Xiao et al. 2022): a presynaptic trace a_t = alpha a_{t-1} + pre_t per input, and
 * per step `dW += (g psi_t) a_t^T`, `db += g psi_t` (no trace, as in the OTPE authors' code), sending
 * `(g psi_t) W` down. Memory O(m + H) per sequence.
 */
export function otttLayer(dims: LayerRuleDims): LayerRule {
  const trace = new PresynapticTrace(dims);
  const psi: RealArray = dims.allocate(dims.batch * dims.neurons);
  return {
    name: 'ottt',
    get memoryBytes() {
      return trace.bytes + psi.byteLength;
    },
    begin() {
      trace.reset();
    },
    update(view) {
      trace.update(view.pre);
      copyInto(psi, view.psi);
    },
    contribute(g, gradW, gradB, q) {
      accumulateOuter(dims, g, psi, trace.values, gradW, gradB);
      copyInto(q, psi);
    },
  };
}
