/**
 * @snn/nir: NIR (Neuromorphic Intermediate Representation) files for @snn networks. Read and write the
 * HDF5 layout of the reference `nir` package (through h5wasm), import a graph as a `Network`, export a
 * LIF / CuBa-LIF network as a graph.
 */
export { isArray, nirArray, type NirArray, type NirDocument, type NirField, type NirNode } from './graph';
export { readNirFile, writeNirFile } from './hdf5';
export { importNir, type Discretisation, type NirImportOptions, type NirImportResult, type SnnMetadata } from './import';
export { exportNir, NIR_VERSION, type NirExportOptions } from './export';
export { describeNir } from './inspect';
