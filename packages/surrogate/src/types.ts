/** A surrogate gradient: the pseudo-derivative used in place of H'(v) in the backward pass. */
export interface Surrogate {
  readonly name: string;
  /** Resolved options, defaults included. */
  readonly options: Readonly<Record<string, number>>;
  /** psi(v): pseudo-derivative of the Heaviside spike function at v (v = u - threshold, unscaled). */
  derivative(v: number): number;
  /** out[i] = psi(v[i]) for i < n (fast path, no allocation). `out` may be `v` itself. */
  derivativeInto(v: Float32Array | Float64Array, out: Float32Array | Float64Array, n: number): void;
}

/** What a registry entry provides: a name, documented defaults and a factory. */
export interface SurrogateDefinition {
  readonly name: string;
  readonly description: string;
  /** Every option the surrogate accepts, with its default; options not listed here are rejected. */
  readonly defaults: Readonly<Record<string, number>>;
  /** Receives the defaults merged with the caller's options; throws InvalidArgumentError for out-of-range values. */
  create(options: Readonly<Record<string, number>>): Surrogate;
}

/** A surrogate by name plus numeric options, e.g. `{ name: 'fast-sigmoid', slope: 25 }` (the vectors' `surrogate` field). */
export type SurrogateSpec = { name: string } & Record<string, number | string>;
