/**
 * The feed-forward online driver (formerly @snn/ff-online), shared by the feed-forward online rules (OTTT, OSTL, OTPE and their
 * variants). A rule package supplies one `LayerRule` per layer (its traces and per-step
 * contribution); this package runs the forward, the per-step loss and the top-down pass.
 */
export { FeedForwardOnlineLearner, type FeedForwardOnlineOptions } from './learner';
export { checkFeedForwardNetwork } from './checks';
export type { LayerRule, LayerRuleDims, LayerRuleFactory, LayerStepView } from './layer-rule';
export { accumulateOuter, accumulateRows, copyInto, Eligibility, PresynapticTrace, SurrogateMean } from './traces';
export { ostlLayer } from './ostl-layer';
export { otttLayer } from './ottt-layer';
export { defineFeedForwardRule, type FeedForwardRuleSpec, type OutputKind } from './define-rule';
