export { parseGradientVector, type GradientVector, type VectorArray } from './vector-format';
export {
  networkFromVector,
  relativeError,
  runGradientVector,
  runGradientVectorFile,
  tolerances,
  type ParameterComparison,
  type VectorResult,
  type VectorStatus,
} from './vector-runner';
export { checkCellJacobians, type JacobianCheckResult } from './jacobian-check';
export { compareWithFiniteDifferences, finiteDifferenceGradients, ruleGradients } from './finite-differences';
export { SmoothTestCell, smoothTestCell } from './smooth-cell';
