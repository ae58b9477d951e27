import type { CellDefinition } from '@snn/protocol';
import { getCellDefinition, listCells, missingCapabilities } from '@snn/core';
import { type ConformanceCase, type ConformanceGroup, contractCase, finiteDifferenceCase, identityCase, isSmooth, optionsFor, refusal, type RuleIdentity, type RuleOptions, vectorCase } from './cases';
import { sampleCell, shapes, type NetworkShape } from './networks';
import { type AnyRule, registerParts } from './registry';
import { indexVectors, sharedVectorDirectories } from './vectors';
import { discoverParts, type DiscoveredParts } from './workspace';

export interface RuleConformanceOptions {
  /** Options of the rule for the contract and finite-difference checks (default none). */
  readonly options?: RuleOptions;
  /** Exact identities with other rules, checked on every cell the rule can train. */
  readonly identities?: readonly RuleIdentity[];
  /**
   * The rule computes the true gradient (BPTT, RTRL): check it against finite differences on every
   * smooth cell. `tolerance` defaults to 1e-6.
   */
  readonly exact?: boolean | { readonly shapes?: readonly NetworkShape[]; readonly tolerance?: number };
  /** Networks of the learner-contract check; each is used where the rule accepts it. */
  readonly shapes?: readonly NetworkShape[];
  /** Rerun another rule's vectors with this rule (e.g. RTRL reproduces every BPTT vector). */
  readonly vectorsOf?: ReadonlyArray<{ readonly rule: string; readonly options?: Record<string, unknown>; readonly tolerance?: number; readonly directories?: readonly string[] }>;
  /** Vector folders (default: the shared ones) and the package's own fixture folders; `false`: none. */
  readonly vectors?: false | { readonly directories?: readonly string[]; readonly fixtures?: readonly string[] };
  /** Cells and rules to pair besides the discovered ones (e.g. references the test imports). */
  readonly cells?: readonly CellDefinition<any>[];
  readonly rules?: readonly AnyRule[];
  /** Find the workspace's cells and rules (default true); the workspace root (default: above the cwd). */
  readonly discover?: boolean;
  readonly root?: string;
}

export interface ConformancePlan {
  readonly title: string;
  readonly groups: ConformanceGroup[];
  /** Parts that could not be loaded: reported as a failing test. */
  readonly problems: readonly string[];
}

export const defaultContractShapes = (): NetworkShape[] => [shapes.recurrent(), shapes.stack(), shapes.outputLayer()];

function why(rule: AnyRule, cell: string): string | null {
  const missing = missingCapabilities(rule.requires.capabilities, sampleCell(cell));
  return missing.length ? `the cell lacks ${missing.join(', ')}` : null;
}

/**
 * Every check of `rule` against every registered cell (the workspace's, found through package.json
 * `snn` fields, plus the kit's smooth test cell and `options.cells`): the learner contract, the
 * identities, finite differences for exact rules on smooth cells, and every vector naming the rule.
 */
export async function planRuleConformance(rule: AnyRule, options: RuleConformanceOptions = {}): Promise<ConformancePlan> {
  const parts: DiscoveredParts | null = options.discover === false ? null : await discoverParts(options.root ? { root: options.root } : {});
  registerParts(parts, { rule }, { cells: options.cells ?? [], rules: options.rules ?? [] });
  for (const r of options.identities ?? []) if (typeof r.reference !== 'string') registerParts(null, {}, { rules: [r.reference as AnyRule] });
  const groups: ConformanceGroup[] = [];
  const exact = options.exact === true ? {} : options.exact || null;
  for (const cell of listCells()) {
    const cases: ConformanceCase[] = [];
    const missing = why(rule, cell);
    if (missing) {
      groups.push({ name: `cell ${cell}`, cases: [{ name: 'pairing', skip: missing, run() {} }] });
      continue;
    }
    for (const shape of options.shapes ?? defaultContractShapes()) {
      const opts = optionsFor(options.options, shape);
      const refused = refusal(rule.name, cell, shape, opts);
      cases.push(refused ? { name: `learner contract, ${shape.name}`, skip: refused, run() {} } : contractCase(rule.name, cell, shape, opts));
    }
    for (const identity of options.identities ?? []) {
      if (identity.cells && !identity.cells(sampleCell(cell))) continue;
      for (const shape of identity.shapes ?? [shapes.recurrent()]) cases.push(identityCase(rule.name, cell, identity, shape));
    }
    if (exact && isSmooth(cell)) {
      for (const shape of exact.shapes ?? [shapes.recurrent(), shapes.stack()]) {
        const opts = optionsFor(options.options, shape);
        const refused = refusal(rule.name, cell, shape, opts);
        cases.push(refused ? { name: `finite differences, ${shape.name}`, skip: refused, run() {} } : finiteDifferenceCase(rule.name, cell, shape, opts, exact.tolerance ?? 1e-6));
      }
    }
    groups.push({ name: `cell ${cell} (${getCellDefinition(cell).description ?? ''})`.replace(/ \(\)$/, ''), cases });
  }
  if (options.vectors !== false) {
    const dirs = [...(options.vectors?.fixtures ?? []), ...(options.vectors?.directories ?? sharedVectorDirectories(parts?.root ?? options.root))];
    const entries = indexVectors(dirs).filter((e) => e.rule === rule.name);
    groups.push({ name: `vectors naming ${rule.name}`, cases: entries.flatMap((e) => [vectorCase(e, 'float32'), vectorCase(e, 'float64')]) });
  }
  for (const other of options.vectorsOf ?? []) {
    const dirs = other.directories ?? sharedVectorDirectories(parts?.root ?? options.root);
    const entries = indexVectors(dirs).filter((e) => e.rule === other.rule);
    const as = { name: rule.name, ...(other.options ? { options: other.options } : {}), tolerance: other.tolerance ?? 1e-8 };
    groups.push({ name: `${other.rule} vectors rerun as ${rule.name}`, cases: entries.map((e) => vectorCase(e, 'float64', as)) });
  }
  return { title: `rule ${rule.name} conformance`, groups, problems: parts?.problems ?? [] };
}
