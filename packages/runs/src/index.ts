export { checkTrainConfig, defaultTrainConfig, storedConfig, type StoredTrainConfig, type TrainConfig } from './config';
export { evaluate, lossMaskFor, prepareTrainData, type TrainData } from './data';
export {
  dataOrderSeed,
  resume,
  RUN_FILES,
  train,
  type CheckpointInfo,
  type EpochMetrics,
  type EpochResult,
  type RunFolderOptions,
  type TrainReporter,
  type TrainResult,
} from './trainer';
export { createRunFolder, runTimestamp, type RunFolderRequest } from './run-folder';
export { writeFileAtomic } from './atomic-write';
export {
  encodeTrainingCheckpoint,
  readTrainingCheckpoint,
  writeTrainingCheckpoint,
  type LoadedTrainingCheckpoint,
  type RunPosition,
  type TrainingCheckpointDocument,
  type TrainingState,
} from './training-checkpoint';
export { readMetricsLines, WALL_CLOCK_FIELDS } from './metrics-file';
export { drawRunCurves, plotRuns, readRunCurves } from './curves';
export { failpoint, type FailpointName } from './failpoints';
