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
// The conformance kit without vitest (the suites are in '@snn/testing/vitest').
export { type ConformanceCase, type ConformanceGroup, type RuleIdentity, type RuleOptions } from './conformance/cases';
export { compareGradients, ConformanceFailure } from './conformance/compare';
export { conformanceData, conformanceNetwork, shapes, type NetworkShape } from './conformance/networks';
export { planRuleConformance, type ConformancePlan, type RuleConformanceOptions } from './conformance/rule';
export { planCellConformance, type CellConformanceOptions, type CellVariant } from './conformance/cell';
export { registerWorkspaceParts } from './conformance/registry';
export { discoverParts, findWorkspaceRoot, listWorkspaceParts, type DiscoveredParts, type WorkspacePart } from './conformance/workspace';
export { indexVectors, sharedVectorDirectories, type VectorEntry } from './conformance/vectors';
