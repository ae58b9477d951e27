/**
 * Seeded, deterministic random numbers for @snn: xoshiro128** seeded by splitmix32. The same seed
 * gives the same numbers on every platform; `fork` derives independent named streams.
 */
export { createRandom, type Random } from './random';
