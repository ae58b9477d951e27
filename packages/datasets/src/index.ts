/**
 * Sequence-classification datasets for @snn: dense [N, T, I] inputs with one label per sequence,
 * the Randman generator, seeded batching and stratified splitting, and a dataset registry.
 */
export type { Batch, BatchOptions, BatchSource, DatasetDefinition, DatasetSplits, SequenceDataset } from './types';
export { createRandman, randmanDefaults, type RandmanOptions } from './randman';
export { batches, splitDataset } from './batching';
export { getDataset, getDatasetDefinition, listDatasets, registerDataset } from './registry';
export { binEvents, binningPresets, resolveBinning, type BinningOptions, type ResolvedBinning } from './binning';
export { encodeHdf5, type H5DatasetNode, type H5GroupNode, type H5Type } from './hdf5-writer';
export { hdf5Ready, initHdf5 } from './hdf5';
export { findSplitFile, loadShd, loadSpikeFile, loadSsc, openSpikeFile, type SpikeEvents, type SpikeFile, type SpikeFileOptions } from './spike-file';
export { encodeSpikeFile, writeSpikeFile, type SpikeFileContent } from './spike-writer';
export { cueAccumulationSource, cueDefaults, createCueAccumulation, type CueDataset, type CueOptions } from './cue';
export { addingClass, addingDefaults, addingSource, createAdding, type AddingDataset, type AddingOptions } from './adding';
export { createMorse, morseCode, morseDefaults, morseSource, morseSpikes, morseTiming, morseWords, type MorseDataset, type MorseOptions } from './morse';
export { decodeNmnist, encodeNmnist, NMNIST_SIZE, openNmnist, type NmnistEvents, type NmnistOptions, type NmnistSource } from './nmnist';
export { decodeIdx, encodeIdx, loadSequentialMnist, readIdx, type IdxArray, type SequentialMnist, type SequentialMnistOptions } from './idx';
export { asBatchSource, makeSource, splitSource, subsetSource } from './source';
export { rasterSvg, type RasterOptions } from './raster';
export { benchSpikeLoader, type SpikeLoaderBenchOptions, type SpikeLoaderBenchRow } from './bench';
