/**
 * The `@snn/datasets/generators` entry: the synthetic tasks, batching and splitting, with no
 * Node-only import (no fs, path, zlib or child_process), so bundlers can ship it to a browser.
 * The root entry re-exports all of this plus the file loaders.
 */
export type { Batch, BatchOptions, BatchSource, SequenceDataset } from './types';
export { createRandman, randmanDefaults, type RandmanOptions } from './randman';
export { batches, splitDataset } from './batching';
export { cueAccumulationSource, cueDefaults, createCueAccumulation, type CueDataset, type CueOptions } from './cue';
export { addingClass, addingDefaults, addingSource, createAdding, type AddingDataset, type AddingOptions } from './adding';
export { createMorse, morseCode, morseDefaults, morseSource, morseSpikes, morseTiming, morseWords, type MorseDataset, type MorseOptions } from './morse';
export { asBatchSource, makeSource, splitSource, subsetSource } from './source';
export { rasterSvg, type RasterOptions } from './raster';
