import type { CellDefinition, RuleDefinition } from '@snn/protocol';
import { listCells, listRules, registerCell, registerRule, type Network } from '@snn/core';
import { smoothTestCell } from '../smooth-cell';
import { discoverParts, type DiscoveredParts } from './workspace';

export type AnyRule = RuleDefinition<Network, any>;

/**
 * Registers the parts a conformance run pairs: the part under test first (it replaces a copy of itself
 * that discovery found, e.g. the built one while the tests import the source), then every discovered
 * and explicitly given part whose name is still free, then the kit's smooth test cell.
 */
export function registerParts(parts: DiscoveredParts | null, first: { cell?: CellDefinition<any>; rule?: AnyRule }, extra: { cells?: readonly CellDefinition<any>[]; rules?: readonly AnyRule[] }): void {
  if (first.cell) registerCell(first.cell, { override: true });
  if (first.rule) registerRule(first.rule, { override: true });
  const cells = [...(extra.cells ?? []), ...((parts?.cells ?? []) as CellDefinition<any>[]), smoothTestCell];
  for (const c of cells) if (!listCells().includes(c.name)) registerCell(c);
  const rules = [...(extra.rules ?? []), ...((parts?.rules ?? []) as AnyRule[])];
  for (const r of rules) if (!listRules().includes(r.name)) registerRule(r);
}

/**
 * Registers every cell and rule the workspace's packages declare (package.json `snn` fields), plus the
 * smooth test cell, for tests that use them by name without importing their packages.
 */
export async function registerWorkspaceParts(options: { root?: string } = {}): Promise<DiscoveredParts> {
  const parts = await discoverParts(options);
  registerParts(parts, {}, {});
  return parts;
}
