import type { CellCapability, CellDefinition, CellV1, GradientSink, LearnerV1, NetworkV1, RuleDefinition } from '@snn/protocol';
import { CapabilityError, InvalidArgumentError, UnknownNameError, UnsupportedError } from '@snn/errors';

interface Registry {
  cells: Map<string, CellDefinition<any>>;
  rules: Map<string, RuleDefinition<NetworkV1, any>>;
}

// One slot on the global object, so two installed copies of @snn/core share the same registry.
const slot = Symbol.for('@snn/registry/core');
function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[slot] ??= { cells: new Map(), rules: new Map() });
}

function checkEntry(kind: 'cell' | 'rule', entry: { kind: string; name: string; specificationVersion: string }): void {
  if (entry.kind !== kind) throw new InvalidArgumentError(`${kind} definition "${entry.name}"`, `has kind "${entry.kind}"`);
  if (entry.specificationVersion !== 'v1') {
    throw new InvalidArgumentError(
      `${kind} "${entry.name}"`,
      `implements protocol ${entry.specificationVersion}, this @snn/core speaks v1`,
    );
  }
}

/** Makes a cell available by name. Re-registering a name throws unless `override` is set. */
export function registerCell(definition: CellDefinition<any>, options: { override?: boolean } = {}): void {
  checkEntry('cell', definition);
  const cells = registry().cells;
  const existing = cells.get(definition.name);
  if (existing && existing !== definition && !options.override) {
    throw new InvalidArgumentError(`cell "${definition.name}"`, 'is already registered; pass { override: true } to replace it');
  }
  cells.set(definition.name, definition);
}

/** Makes a learning rule available by name. Re-registering a name throws unless `override` is set. */
export function registerRule(definition: RuleDefinition<NetworkV1, any>, options: { override?: boolean } = {}): void {
  checkEntry('rule', definition);
  const rules = registry().rules;
  const existing = rules.get(definition.name);
  if (existing && existing !== definition && !options.override) {
    throw new InvalidArgumentError(`rule "${definition.name}"`, 'is already registered; pass { override: true } to replace it');
  }
  rules.set(definition.name, definition);
}

export function listCells(): string[] {
  return [...registry().cells.keys()].sort();
}
export function listRules(): string[] {
  return [...registry().rules.keys()].sort();
}

export function getCellDefinition(name: string): CellDefinition<any> {
  const def = registry().cells.get(name);
  if (!def) throw new UnknownNameError('cell', name, listCells());
  return def;
}
export function getRuleDefinition(name: string): RuleDefinition<NetworkV1, any> {
  const def = registry().rules.get(name);
  if (!def) throw new UnknownNameError('rule', name, listRules());
  return def;
}

export function createCell(name: string, neurons: number, options?: Record<string, unknown>): CellV1 {
  return getCellDefinition(name).create(neurons, options);
}

/** Capabilities `rule` needs that `cell` lacks (empty when the pair works). */
export function missingCapabilities(requires: readonly CellCapability[], cell: CellV1): CellCapability[] {
  return requires.filter((c) => !cell.capabilities[c]);
}

/**
 * Binds the rule `name` to `network`, after checking that every cell of the network provides what the
 * rule needs (CapabilityError otherwise).
 */
export function createLearner(
  name: string,
  network: NetworkV1,
  sink: GradientSink,
  options?: Record<string, unknown>,
): LearnerV1 {
  const def = getRuleDefinition(name);
  for (const layer of network.layers) {
    const missing = missingCapabilities(def.requires.capabilities, layer.cell);
    if (missing.length) throw new CapabilityError(name, layer.cell.name, missing);
  }
  if (def.requires.maxLayers !== undefined && network.layers.length > def.requires.maxLayers) {
    throw new CapabilityError(name, network.layers[0]!.cell.name, [`a network of at most ${def.requires.maxLayers} layer(s)`]);
  }
  if (network.outputKind !== 'readout' && !def.requires.outputLayer) {
    throw new UnsupportedError(
      `rule ${name} on a network whose top layer is the output layer (output: ${network.outputKind})`,
      'use bptt, ottt, ostl or one of the otpe rules there, or give the network a leaky readout (no `output`)',
    );
  }
  return def.create(network, sink, options);
}
