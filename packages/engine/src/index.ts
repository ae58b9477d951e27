/**
 * @snn/engine: the machinery learning rules share, so that a rule package is its algorithm only.
 *
 * - The forward step (`layerStep` = `layerCurrents` + cell step, `readoutLossStep` = `readoutStep` +
 *   `crossEntropyStep`): currents, cell step, readout and per-step loss. Forward values never depend on the rule, so every rule runs these.
 * - `BackpropWindow`: the VJP through a window of stored steps (BPTT = one window per sequence,
 *   TBPTT = one per chunk, HYPR+TBPTT reads the window's boundary adjoints).
 * - Forward-mode eligibility: `ForwardStep`/`LayerStep` (one network step with every layer's
 *   per-neuron Jacobian blocks and immediate learning signal), `presynapticGroups`,
 *   `eligibilityGroups`, `scatterGroupGradient`, `gatherGradients` (e-prop, HYPR, OSTL-style rules).
 * - `ReadoutGradient`: the exact readout gradient through the readout leak.
 * - `checkEmitOption`: the shared `emit: 'step' | 'sequence'` option.
 * - The feed-forward online driver (`FeedForwardOnlineLearner`, `defineFeedForwardRule`, layer rules
 *   `otttLayer`/`ostlLayer` and their trace primitives): OTTT, OSTL, OTPE and their variants.
 */
export {
  crossEntropyStep,
  density,
  layerCurrents,
  layerStep,
  ownLayerWeights,
  ownReadoutWeights,
  readoutLossStep,
  readoutStep,
  SPARSE_DENSITY_THRESHOLD,
  type LayerStepBuffers,
  type LayerWeights,
  type ReadoutWeights,
} from '@snn/core';
export { BackpropWindow, type LayerHistory } from './backprop-window';
export { ForwardStep, LayerStep } from './forward-step';
export { fillPresynaptic, presynapticGroups, type PresynapticGroup } from './presynaptic';
export { eligibilityGroups, gatherGradients, scatterGroupGradient, type EligibilityGroup } from './eligibility';
export { ReadoutGradient } from './readout-gradient';
export { weightMirror, WeightMirror } from './weight-mirror';
export { checkEmitOption } from './options';
export {
  accumulateOuter,
  accumulateRows,
  checkFeedForwardNetwork,
  copyInto,
  defineFeedForwardRule,
  Eligibility,
  FeedForwardOnlineLearner,
  ostlLayer,
  otttLayer,
  PresynapticTrace,
  SurrogateMean,
  type FeedForwardOnlineOptions,
  type FeedForwardRuleSpec,
  type LayerRule,
  type LayerRuleDims,
  type LayerRuleFactory,
  type LayerStepView,
  type OutputKind,
} from './ff/index';
