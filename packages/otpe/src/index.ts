/**
 * @snn/otpe: OTPE, Approx-OTPE, F-OTPE and F-Approx-OTPE (Summe, Schaefer, Joshi, arXiv 2311.16151)
 * for feed-forward LIF networks. Hidden layers estimate their effect on the next layer's membrane over
 * time (OTPE: a leaky sum R of exact spike sensitivities, O(n^2) memory; Approx-OTPE: twice-filtered
 * presynaptic traces times the running mean of psi, O(n)), and send (g gbar) W down.
 *
 * Output layer (output-layer form): OTPE uses an OSTL layer and Approx-OTPE an OTTT layer (loss on the
 * output spikes); the F- variants read the loss from the leaky sum of the output spikes and use the
 * hidden rule in the output layer too. With the standard leaky-integrator readout every spiking layer
 * is a hidden layer, and F-OTPE / F-Approx-OTPE equal OTPE / Approx-OTPE.
 */
import { defineFeedForwardRule, ostlLayer, otttLayer, type LayerRuleFactory } from '@snn/engine';
import { approxOtpeLayer } from './approx-otpe-layer';
import { otpeLayer } from './otpe-layer';

export { approxOtpeLayer } from './approx-otpe-layer';
export { otpeLayer } from './otpe-layer';
export type { FeedForwardOnlineOptions as OtpeOptions } from '@snn/engine';

const layer = (name: string, create: LayerRuleFactory) => ({ name, create });

/** Hidden layers use `hidden`; the output layer (output-layer form only) uses `output`. */
function stack(hidden: ReturnType<typeof layer>, output: ReturnType<typeof layer>) {
  return (layers: number, outputLayer: boolean) => Array.from({ length: layers }, (_, l) => (outputLayer && l === layers - 1 ? output : hidden));
}

export const otpe = defineFeedForwardRule({
  name: 'otpe',
  description: 'OTPE: leaky sums of exact spike sensitivities in the hidden layers, OSTL output layer (loss on output spikes); O(n^2) memory per layer',
  outputs: ['readout', 'spikes'],
  layerRules: stack(layer('otpe', otpeLayer), layer('ostl', ostlLayer)),
});

export const approxOtpe = defineFeedForwardRule({
  name: 'approx-otpe',
  description: 'Approx-OTPE: twice-filtered presynaptic traces times the mean surrogate in the hidden layers, OTTT output layer; O(n) memory per layer',
  outputs: ['readout', 'spikes'],
  layerRules: stack(layer('approx-otpe', approxOtpeLayer), layer('ottt', otttLayer)),
});

export const fOtpe = defineFeedForwardRule({
  name: 'f-otpe',
  description: 'F-OTPE: OTPE in every layer, loss on the leaky sum of the output spikes; O(n^2) memory per layer',
  outputs: ['readout', 'leaky-sum'],
  layerRules: stack(layer('otpe', otpeLayer), layer('otpe', otpeLayer)),
});

export const fApproxOtpe = defineFeedForwardRule({
  name: 'f-approx-otpe',
  description: 'F-Approx-OTPE: Approx-OTPE in every layer, loss on the leaky sum of the output spikes; O(n) memory per layer',
  outputs: ['readout', 'leaky-sum'],
  layerRules: stack(layer('approx-otpe', approxOtpeLayer), layer('approx-otpe', approxOtpeLayer)),
});

/** The four rules of this package, for `registerRule`. */
export const otpeRules = [otpe, approxOtpe, fOtpe, fApproxOtpe] as const;
