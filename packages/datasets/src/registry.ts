import { InvalidArgumentError, UnknownNameError } from '@snn/errors';
import { createRandman, type RandmanOptions } from './randman';
import type { DatasetDefinition, SequenceDataset } from './types';

// One global slot shared by every installed copy of this package (see @snn/surrogate).
const slot = Symbol.for('@snn/registry/dataset');
type Registry = Map<string, DatasetDefinition>;

const builtins: readonly DatasetDefinition[] = [
  {
    name: 'randman',
    description: 'Randman spike-timing manifolds (Zenke & Vogels 2021): one spike per input unit, class = manifold',
    create: (options) => createRandman(options as RandmanOptions),
  },
];

let builtinsAdded = false;

function registry(): Registry {
  const g = globalThis as Record<symbol, unknown>;
  let table = g[slot] as Registry | undefined;
  if (!table) {
    table = new Map();
    g[slot] = table;
  }
  // Lazily, so importing has no side effects; names another copy registered are kept.
  if (!builtinsAdded) {
    builtinsAdded = true;
    for (const d of builtins) if (!table.has(d.name)) table.set(d.name, d);
  }
  return table;
}

/** Adds a dataset to the shared registry. Re-registering a name throws unless `override` is set. */
export function registerDataset(definition: DatasetDefinition, options: { override?: boolean } = {}): void {
  if (typeof definition?.name !== 'string' || definition.name.length === 0) {
    throw new InvalidArgumentError('definition.name', 'must be a non-empty string');
  }
  if (typeof definition.create !== 'function') {
    throw new InvalidArgumentError(`definition.create (${definition.name})`, 'must be a function (options) => SequenceDataset');
  }
  const table = registry();
  if (table.has(definition.name) && !options.override) {
    throw new InvalidArgumentError('definition.name', `dataset "${definition.name}" is already registered; pass { override: true } to replace it`);
  }
  table.set(definition.name, definition);
}

/** Names of the registered datasets, built-ins first. */
export function listDatasets(): string[] {
  return [...registry().keys()];
}

/**
 * Builds a registered dataset by name, e.g. `getDataset('randman', { seed: 1 })`.
 * @throws UnknownNameError listing the registered names
 */
export function getDataset(name: string, options: Readonly<Record<string, unknown>> = {}): SequenceDataset {
  const table = registry();
  const definition = table.get(name);
  if (!definition) throw new UnknownNameError('dataset', String(name), [...table.keys()]);
  return definition.create(options);
}
