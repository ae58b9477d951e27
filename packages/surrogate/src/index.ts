/**
 * Surrogate gradients for the spike function z = H(v): the forward pass keeps the hard step,
 * the backward pass uses psi(v) in place of H'(v). Surrogates live in a registry shared by every
 * installed copy of this package, so cells and plugins can name them in configs.
 */
export type { Surrogate, SurrogateDefinition, SurrogateSpec } from './types';
export { createSurrogate, listSurrogates, registerSurrogate } from './registry';
export { heaviside } from './heaviside';
