/**
 * @snn/rtrl: exact real-time recurrent learning (forward mode, the full influence tensor) for small
 * recurrent and feed-forward networks of any cell with per-neuron Jacobians. Equals BPTT; refuses
 * networks whose influence tensor would exceed `maxInfluenceBytes` with a MemoryLimitError.
 */
import type { GradientSink, NetworkV1, RuleDefinition } from '@snn/protocol';
import { RtrlLearner, type RtrlOptions } from './learner';

export { RtrlLearner, defaultMaxInfluenceBytes, type RtrlOptions } from './learner';
export { influenceBytes, parameterLayout, type LayerColumns, type ParameterLayout } from './layout';

export const rtrl: RuleDefinition<NetworkV1, RtrlOptions> = {
  kind: 'rule',
  specificationVersion: 'v1',
  name: 'rtrl',
  description: 'Exact RTRL: forward-mode influence of every parameter on every state (equals BPTT); small networks only',
  requires: { capabilities: ['jacobians'], outputLayer: true },
  cadence: 'sequence',
  create(network: NetworkV1, sink: GradientSink, options?: Partial<RtrlOptions>) {
    return new RtrlLearner(network, sink, options);
  },
};
