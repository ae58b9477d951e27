import { InvalidArgumentError, UnknownNameError } from '@snn/errors';
import { builtinDefinitions } from './definitions';
import type { Surrogate, SurrogateDefinition, SurrogateSpec } from './types';

// One global slot, so that two installed copies of this package (e.g. a plugin that bundles its
// own) register into and read from the same table.
const slot = Symbol.for('@snn/registry/surrogate');
type Registry = Map<string, SurrogateDefinition>;

let builtinsAdded = false;

function registry(): Registry {
  const g = globalThis as Record<symbol, unknown>;
  let table = g[slot] as Registry | undefined;
  if (!table) {
    table = new Map();
    g[slot] = table;
  }
  // Done lazily (not at import) so the package stays free of import side effects; a name another
  // copy already registered (possibly overridden by the user) is left alone.
  if (!builtinsAdded) {
    builtinsAdded = true;
    for (const d of builtinDefinitions) if (!table.has(d.name)) table.set(d.name, d);
  }
  return table;
}

/** Adds a surrogate to the shared registry. Re-registering a name throws unless `override` is set. */
export function registerSurrogate(definition: SurrogateDefinition, options: { override?: boolean } = {}): void {
  if (typeof definition?.name !== 'string' || definition.name.length === 0) {
    throw new InvalidArgumentError('definition.name', 'must be a non-empty string');
  }
  if (typeof definition.create !== 'function') {
    throw new InvalidArgumentError(`definition.create (${definition.name})`, 'must be a function (options) => Surrogate');
  }
  if (typeof definition.defaults !== 'object' || definition.defaults === null) {
    throw new InvalidArgumentError(`definition.defaults (${definition.name})`, 'must be an object of numeric defaults (may be empty)');
  }
  for (const [key, value] of Object.entries(definition.defaults)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidArgumentError(`definition.defaults.${key} (${definition.name})`, `must be a finite number, got ${String(value)}`);
    }
  }
  const table = registry();
  if (table.has(definition.name) && !options.override) {
    throw new InvalidArgumentError(
      'definition.name',
      `surrogate "${definition.name}" is already registered; pass { override: true } to replace it`,
    );
  }
  table.set(definition.name, definition);
}

/** Names of every registered surrogate, built-ins first, in registration order. */
export function listSurrogates(): string[] {
  return [...registry().keys()];
}

/**
 * Creates a surrogate from a name or a spec like `{ name: 'fast-sigmoid', slope: 25 }`.
 * Options left out take the definition's defaults.
 * @throws UnknownNameError for an unregistered name (the message lists the registered ones).
 * @throws InvalidArgumentError for an option the surrogate does not have, or one that is not a finite number.
 */
export function createSurrogate(spec: SurrogateSpec | string): Surrogate {
  const resolvedSpec: Record<string, unknown> = typeof spec === 'string' ? { name: spec } : (spec as Record<string, unknown>);
  if (typeof resolvedSpec !== 'object' || resolvedSpec === null || typeof resolvedSpec.name !== 'string') {
    throw new InvalidArgumentError('surrogate', `expected a name or { name, ...options }, got ${JSON.stringify(spec)}`);
  }
  const name = resolvedSpec.name;
  const table = registry();
  const definition = table.get(name);
  if (!definition) throw new UnknownNameError('surrogate', name, [...table.keys()]);
  const valid = Object.keys(definition.defaults);
  const options: Record<string, number> = { ...definition.defaults };
  for (const [key, value] of Object.entries(resolvedSpec)) {
    if (key === 'name') continue;
    if (!Object.prototype.hasOwnProperty.call(definition.defaults, key)) {
      throw new InvalidArgumentError(
        `surrogate "${name}" option "${key}"`,
        `unknown option; valid options: ${valid.length ? valid.join(', ') : '(none)'}`,
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidArgumentError(
        `surrogate "${name}" option "${key}"`,
        `must be a finite number, got ${JSON.stringify(value) ?? String(value)}; valid options: ${valid.join(', ')}`,
      );
    }
    options[key] = value;
  }
  return definition.create(Object.freeze(options));
}
