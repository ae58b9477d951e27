export { expandTrials, mergeConfig, type Axis, type AxisValue, type SuiteSpec, type Trial } from './suite';
export { finishedResult, openSuite, readSuite, runSuite, runTrial, runWorkerTrial, type SuiteOptions, type SuiteProgress } from './runner';
export { groupResults, renderTable, writeSuiteOutputs, type TrialResult } from './outputs';
export { getPreset, listPresets, type Preset, type Scale } from './presets';
