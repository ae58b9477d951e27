export { expandTrials, mergeConfig, type Axis, type AxisValue, type SuiteSpec, type Trial } from './suite';
export { finishedResult, finishedResultIn, openSuite, readSuite, runSuite, runStudyTrial, runTrial, runWorkerTrial, finishedStudyResult, trainOrResume, type SuiteOptions, type SuiteProgress } from './runner';
export { groupResults, renderTable, writeSuiteOutputs, type TrialFailure, type TrialResult } from './outputs';
export { getPreset, listPresets, type Preset, type Scale } from './presets';
export { getStudy, registerStudy, type Study, type StudyPlot, type StudyRecord, type StudyResult } from './study';
