export { learningCurveSpec, renderLearningCurves, type EpochPoint, type LearningCurveOptions, type RunCurves } from './learning-curves';
