/**
 * The reference backend: every kernel on plain typed arrays, float32 and float64 (arithmetic in
 * float64, rounded once on store). The other backends are tested against it and fall back to it.
 */
import { gemm, gemmSparseA, scatterAxpy } from '../blas';
import { blockApply, blockCarry, blockCompose, blockScan, blockStep } from './block';
import type { Backend, KernelSet } from './types';

export const referenceKernels: Readonly<KernelSet> = Object.freeze({
  gemm,
  gemmSparseA,
  scatterAxpy,
  blockCarry,
  blockCompose,
  blockStep,
  blockApply,
  blockScan,
});

export const referenceBackend: Backend = Object.freeze({
  name: 'reference',
  description: 'plain typed-array loops (4x4 register-blocked packed GEMM), every kernel, float32 and float64',
  available: () => true,
  ...referenceKernels,
});
