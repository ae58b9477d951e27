// The training loop, run folders and checkpoints live in @snn/runs (a library API for compare and
// sweeps); the CLI re-exports them for code that imported them from here.
export {
  defaultTrainConfig,
  evaluate,
  lossMaskFor,
  prepareTrainData,
  resume,
  train,
  type EpochMetrics,
  type TrainConfig,
  type TrainData,
  type TrainReporter,
  type TrainResult,
} from '@snn/runs';
