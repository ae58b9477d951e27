export { learningCurveSpec, renderLearningCurves, type EpochPoint, type LearningCurveOptions, type RunCurves } from './learning-curves';
export { accuracyBarSpec, renderAccuracyBars, renderSuiteCurves, suiteCurveSpec, type AccuracyBar, type CurveGroup } from './suite-plots';
export { renderSpec } from './render';
export { linePanelSpec, renderLinePanels, type LinePanelOptions, type PanelPoint } from './line-panels';
