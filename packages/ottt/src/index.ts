/**
 * @snn/ottt: OTTT (online training through time; Xiao et al., NeurIPS 2022) for feed-forward LIF
 * networks. Every layer keeps one presynaptic trace per input; its weight gradient at step t is the
 * instantaneous spatial signal times psi_t times that trace. Memory O(m) per layer, constant in T.
 */
import { defineFeedForwardRule, otttLayer } from '@snn/engine';

export type { FeedForwardOnlineOptions as OtttOptions } from '@snn/engine';

export const ottt = defineFeedForwardRule({
  name: 'ottt',
  description: 'OTTT: presynaptic traces times the instantaneous spatial signal (feed-forward LIF); O(n) memory per layer',
  outputs: ['readout', 'spikes', 'leaky-sum'],
  layerRules: (layers) => Array.from({ length: layers }, () => ({ name: 'ottt', create: otttLayer })),
});
