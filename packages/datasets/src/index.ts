/**
 * Sequence-classification datasets for @snn: dense [N, T, I] inputs with one label per sequence,
 * the Randman generator, seeded batching and stratified splitting, and a dataset registry.
 */
export type { Batch, DatasetDefinition, SequenceDataset } from './types';
export { createRandman, randmanDefaults, type RandmanOptions } from './randman';
export { batches, splitDataset } from './batching';
export { getDataset, listDatasets, registerDataset } from './registry';
