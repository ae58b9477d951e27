/**
 * @snn/ostl: OSTL (online spatio-temporal learning; Bohnstingl et al., IEEE TNNLS 2022) for
 * feed-forward LIF networks. Every layer keeps the exact in-layer eligibility of its weights (reset
 * kept) and gets the instantaneous spatial learning signal from the layers above, which OSTL treats
 * as memoryless. One layer: exactly BPTT. Memory O(H m) per layer, constant in T.
 */
import { defineFeedForwardRule, ostlLayer } from '@snn/engine';

export type { FeedForwardOnlineOptions as OstlOptions } from '@snn/engine';

export const ostl = defineFeedForwardRule({
  name: 'ostl',
  description: 'OSTL: exact in-layer eligibilities, instantaneous spatial signal from the layers above (feed-forward LIF); O(n^2) memory per layer',
  outputs: ['readout', 'spikes', 'leaky-sum'],
  layerRules: (layers) => Array.from({ length: layers }, () => ({ name: 'ostl', create: ostlLayer })),
});
