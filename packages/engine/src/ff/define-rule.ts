import type { GradientSink, NetworkV1, RuleDefinition } from '@snn/protocol';
import { UnsupportedError } from '@snn/errors';
import type { LayerRuleFactory } from './layer-rule';
import { FeedForwardOnlineLearner, type FeedForwardOnlineOptions } from './learner';

/** 'readout' (standard leaky-integrator readout) or the output-layer form's kind. */
export type OutputKind = 'readout' | 'spikes' | 'leaky-sum';

export interface FeedForwardRuleSpec {
  name: string;
  description: string;
  /** The network forms the rule is defined for. */
  outputs: readonly OutputKind[];
  /**
   * The layer rule of each layer, bottom to top, for a network of `layers` layers; `outputLayer` is
   * true in the output-layer form (the top layer is the output layer), false with a readout (every
   * spiking layer is then a hidden layer).
   */
  layerRules(layers: number, outputLayer: boolean): Array<{ name: string; create: LayerRuleFactory }>;
}

/** A registry entry (`registerRule`) for a feed-forward online rule. */
export function defineFeedForwardRule(spec: FeedForwardRuleSpec): RuleDefinition<NetworkV1, FeedForwardOnlineOptions> & {
  /** The layer rule names used on a network of `layers` layers (vectors' `rule.layerRules`). */
  layerRuleNames(layers: number, outputLayer: boolean): string[];
} {
  return {
    kind: 'rule',
    specificationVersion: 'v1',
    name: spec.name,
    description: spec.description,
    requires: { capabilities: ['jacobians'], outputLayer: true },
    cadence: 'sequence',
    layerRuleNames: (layers, outputLayer) => spec.layerRules(layers, outputLayer).map((r) => r.name),
    create(network: NetworkV1, sink: GradientSink, options?: Partial<FeedForwardOnlineOptions>) {
      const kind = network.outputKind;
      if (!spec.outputs.includes(kind)) {
        throw new UnsupportedError(
          `${spec.name} on a network with output "${kind}"`,
          `${spec.name} is defined for ${spec.outputs.map((k) => (k === 'readout' ? 'the leaky-integrator readout' : `output kind '${k}'`)).join(' or ')}`,
        );
      }
      const rules = spec.layerRules(network.layers.length, kind !== 'readout');
      return new FeedForwardOnlineLearner(spec.name, network, sink, rules.map((r) => r.create), options);
    },
  };
}
