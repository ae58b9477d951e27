/**
 * @snn/define-cell: user-defined cells. Write a neuron's dynamics once, as plain TypeScript over named
 * state variables, the input current, neuron-wise parameters and constants; `defineCell` derives the
 * state Jacobian, d state / d current, the parameter derivatives and the VJP exactly, and compiles them
 * into batched loops.
 */
export { defineCell, DefinedCell, type CellSpec, type Constants, type DefinedCellOptions, type OutputFunction, type OutputSpec, type ParameterSpec, type Traced } from './define-cell';
export { Value, type CellMath, type Operand } from './graph';
export { definedLif, definedAlif, definedBrf } from './builtins';
