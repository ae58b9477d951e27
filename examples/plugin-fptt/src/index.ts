/**
 * snn-rule-fptt: FPTT (forward propagation through time; Kag & Saligrama, ICML 2021) as a plugin rule.
 * Load it with `snn train --plugin ./examples/plugin-fptt --rule fptt`, or register it in code:
 * `registerRule(fptt)`.
 */
import type { RuleDefinition } from '@snn/protocol';
import type { Network } from '@snn/core';
import { FpttLearner } from './learner';
import type { FpttOptions } from './options';

export const fptt: RuleDefinition<Network, FpttOptions> = {
  kind: 'rule',
  specificationVersion: 'v1',
  name: 'fptt',
  description: 'FPTT: per-window updates (default every step) with a dynamic regulariser around a running average of the weights',
  requires: { capabilities: ['vjp'], outputLayer: true },
  cadence: 'step',
  create: (network, sink, options) => new FpttLearner(network, sink, options),
};

export { FpttLearner } from './learner';
export { DynamicRegulariser } from './dynamic-regulariser';
export type { FpttOptions } from './options';
