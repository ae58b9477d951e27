/**
 * @snn/hypr: HYPR (HYbrid PRopagation, Baronig et al., arXiv 2506.14464) for any @snn cell with
 * per-neuron Jacobians, on one recurrent layer or a stack. Computes the e-prop gradient (W_rec y_{t-1}
 * cut, every neuron-internal path and the readout leak kept; lower layers of a stack get the immediate
 * spatial learning signal) for every segment length lambda:
 * - S-stage: run lambda steps forward, caching per layer the per-neuron blocks (J, D, C, CI, P, CP), the
 *   presynaptic values and the layer's immediate learning signal;
 * - P-stage, per layer: fold the readout leak into each neuron as an extra state f_t = kappa f_{t-1} + y_t
 *   (reference/algorithms.md 6.5; kappa 0 below the top layer), run one reverse scan over the segment
 *   that yields both the in-segment credit q_t (q_t = Lambda_t + J_{t+1}^T q_{t+1}) and the Jacobian
 *   products Phi_t = J_end ... J_{t+1}; contract the carried-in eligibility with q_0 and push it through
 *   Phi_0 (one SIMD pass); then the segment gradient and the segment-end eligibility are products with
 *   the presynaptic values: event-driven for spikes, GEMMs for dense values.
 * Memory: the eligibility (O(n m d) per batch element) plus one segment's cache, independent of T.
 */
import type { GradientSink, NetworkV1, RuleDefinition } from '@snn/protocol';
import { HyprLearner, type HyprOptions } from './learner';

export { HyprLearner, type HyprOptions, type HyprTimings } from './learner';

export function createHypr(network: NetworkV1, sink: GradientSink, options?: Partial<HyprOptions>): HyprLearner {
  return new HyprLearner(network, sink, options);
}

/** Registry entry: `registerRule(hypr)` from @snn/core makes `'hypr'` available by name. */
export const hypr: RuleDefinition<NetworkV1, HyprOptions> = {
  kind: 'rule',
  specificationVersion: 'v1',
  name: 'hypr',
  description: 'HYPR: segment-wise e-prop (S-stage forward, P-stage scan + GEMMs); same gradient as e-prop for any lambda; memory independent of T',
  requires: { capabilities: ['jacobians'] },
  cadence: 'sequence',
  create: (network, sink, options) => new HyprLearner(network, sink, options),
};
