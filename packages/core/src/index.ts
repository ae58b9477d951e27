export { allocate, dtypeOf, parseDType } from './dtype';
export {
  createCell,
  createLearner,
  getCellDefinition,
  getRuleDefinition,
  listCells,
  listRules,
  missingCapabilities,
  registerCell,
  registerRule,
} from './registry';
export { createNetwork, Layer, MAX_NETWORK_WEIGHTS, Network, synapseCount, Readout, type InitOptions, type LayerSpec, type NetworkOptions, type NetworkSpec, type OutputSpec } from './network';
export {
  crossEntropyStep,
  density,
  layerCurrents,
  layerStep,
  readoutLossStep,
  readoutStep,
  SPARSE_DENSITY_THRESHOLD,
  type LayerStepBuffers,
} from './engine';
export { argmaxRows, checkStepInput, forwardSequence, validateBatch, type ForwardResult, type SequenceBatch } from './forward';
export {
  clipGradients,
  createAdam,
  createAdamax,
  createOptimizer,
  createSgd,
  gradientNorm,
  optimizerNames,
  type AdamOptions,
  type ClipOptions,
  type LearningRateScaleOptions,
  type Optimizer,
  type OptimizerState,
  type OptimizerName,
  type SgdOptions,
} from './optimizers';
export { createAccumulatingSink, createGradients, zeroGradients } from './gradients';
export { deserializeNetwork, loadCheckpoint, saveCheckpoint, serializeNetwork, type CheckpointDocument } from './checkpoint';
export { createTrainingLearner, streamBatch, type BatchResult } from './training';
export type * from '@snn/protocol';
export { createComputeOps, createSimdOps, createTypedArrayOps, type ComputeOps } from './compute';
export { ownLayerWeights, ownReadoutWeights, type LayerWeights, type ReadoutWeights } from './engine';
