import type { CellDefinition } from '@snn/protocol';
import { getRuleDefinition, listRules, missingCapabilities } from '@snn/core';
import { checkCellJacobians } from '../jacobian-check';
import { type ConformanceCase, type ConformanceGroup, contractCase, finiteDifferenceCase, refusal, vectorCase } from './cases';
import { fail } from './compare';
import { shapes, type NetworkShape } from './networks';
import { type AnyRule, registerParts } from './registry';
import type { ConformancePlan } from './rule';
import { indexVectors, sharedVectorDirectories } from './vectors';
import { discoverParts, type DiscoveredParts } from './workspace';

export interface CellVariant {
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface CellConformanceOptions {
  /** Option sets to check besides the defaults (reset variants, surrogates, ...). */
  readonly variants?: readonly CellVariant[];
  /** Smooth cells are checked against finite differences under this exact rule (default 'bptt'). */
  readonly reference?: AnyRule | string;
  /** Options of the Jacobian-vs-VJP check (seeds, saturating currents). */
  readonly jacobians?: ReadonlyArray<{ readonly seed?: number; readonly currentScale?: number; readonly batch?: number }>;
  /** Vector folders (default: the shared ones) and the package's fixtures; `false`: none. */
  readonly vectors?: false | { readonly directories?: readonly string[]; readonly fixtures?: readonly string[] };
  /** Options a rule needs to be created (default: k = 3 for the chunked rules tbptt and hypr-tbptt). */
  readonly ruleOptions?: Readonly<Record<string, Record<string, unknown>>>;
  readonly rules?: readonly AnyRule[];
  readonly discover?: boolean;
  readonly root?: string;
}

/** Rules that cannot be created without options. */
const defaultRuleOptions: Record<string, Record<string, unknown>> = { tbptt: { k: 3 }, 'hypr-tbptt': { k: 3 } };

const contractShapes = (): NetworkShape[] => [shapes.recurrent(), shapes.outputLayer()];

/**
 * Every check of `cell`: its capabilities as declared, Jacobian blocks against the VJP (when it gives
 * both), finite differences when it is smooth, the learner contract under every registered rule that
 * can train it (the workspace's rules, found through package.json `snn` fields), and every vector
 * naming the cell.
 */
export async function planCellConformance(cell: CellDefinition<any>, options: CellConformanceOptions = {}): Promise<ConformancePlan> {
  const parts: DiscoveredParts | null = options.discover === false ? null : await discoverParts(options.root ? { root: options.root } : {});
  registerParts(parts, { cell }, { rules: options.rules ?? [] });
  const variants: CellVariant[] = [{ name: 'default options', options: {} }, ...(options.variants ?? [])];
  const groups: ConformanceGroup[] = [];

  const own: ConformanceCase[] = [];
  for (const v of variants) {
    own.push({
      name: `declares what it provides (${v.name})`,
      run() {
        const c = cell.create(3, { ...v.options });
        for (const k of ['vjp', 'jacobians', 'diagonalJacobian'] as const) {
          if (c.capabilities[k] !== cell.capabilities[k]) fail(`the definition says ${k}: ${cell.capabilities[k]}, the cell it creates says ${c.capabilities[k]}`);
        }
        if (c.capabilities.vjp !== (typeof c.vjp === 'function')) fail(`capabilities.vjp is ${c.capabilities.vjp} but vjp is ${typeof c.vjp}`);
        if (c.capabilities.jacobians !== (typeof c.jacobians === 'function')) fail(`capabilities.jacobians is ${c.capabilities.jacobians} but jacobians is ${typeof c.jacobians}`);
        if (c.name !== cell.name) fail(`the definition is "${cell.name}", the cell calls itself "${c.name}"`);
        if (c.stateNames.length !== c.stateSize) fail(`stateNames has ${c.stateNames.length} names for ${c.stateSize} state variables`);
        if (c.neurons !== 3) fail(`asked for 3 neurons, got ${c.neurons}`);
      },
    });
    if (cell.capabilities.vjp && cell.capabilities.jacobians) {
      for (const j of options.jacobians ?? [{}]) {
        own.push({
          name: `Jacobian blocks agree with the VJP (${v.name}${j.seed !== undefined ? `, seed ${j.seed}` : ''}${j.currentScale !== undefined ? `, currents x${j.currentScale}` : ''})`,
          run() {
            const r = checkCellJacobians(cell.create(5, { ...v.options }), { seed: 3, ...j });
            if (!r.ok) fail(`largest differences per block ${JSON.stringify(r.errors)} > ${r.tolerance}`);
          },
        });
      }
    }
  }
  groups.push({ name: `cell ${cell.name}`, cases: own });

  const smooth = !cell.create(2).spiking;
  if (smooth && cell.capabilities.vjp) {
    const reference = typeof options.reference === 'string' ? options.reference : options.reference?.name ?? 'bptt';
    if (options.reference && typeof options.reference !== 'string') registerParts(null, {}, { rules: [options.reference] });
    const cases: ConformanceCase[] = [];
    for (const v of variants) {
      for (const shape of [shapes.recurrent(), shapes.stack()]) {
        const s = { ...shape, name: `${shape.name}, ${v.name}`, cellOptions: v.options };
        const refused = listRules().includes(reference) ? refusal(reference, cell.name, s, {}) : `rule "${reference}" is in no workspace package`;
        cases.push(refused ? { name: `finite differences, ${s.name}`, skip: refused, run() {} } : finiteDifferenceCase(reference, cell.name, s, {}, 1e-6));
      }
    }
    groups.push({ name: `smooth: ${reference} against finite differences`, cases });
  }

  const pairings: ConformanceCase[] = [];
  for (const rule of listRules()) {
    const def = getRuleDefinition(rule);
    const missing = missingCapabilities(def.requires.capabilities, cell.create(2));
    if (missing.length) {
      pairings.push({ name: `${rule}`, skip: `the cell lacks ${missing.join(', ')}`, run() {} });
      continue;
    }
    // The first network form the rule accepts.
    const opts = { ...(defaultRuleOptions[rule] ?? {}), ...(options.ruleOptions?.[rule] ?? {}) };
    const reasons: string[] = [];
    let added = false;
    for (const shape of contractShapes()) {
      const refused = refusal(rule, cell.name, shape, opts);
      if (refused) {
        reasons.push(refused);
        continue;
      }
      const c = contractCase(rule, cell.name, shape, opts);
      pairings.push({ ...c, name: `${rule}: ${c.name}` });
      added = true;
      break;
    }
    if (!added) pairings.push({ name: `${rule}`, skip: reasons.join(' / '), run() {} });
  }
  groups.push({ name: 'trained by every rule that can train it', cases: pairings });

  if (options.vectors !== false) {
    const dirs = [...(options.vectors?.fixtures ?? []), ...(options.vectors?.directories ?? sharedVectorDirectories(parts?.root ?? options.root))];
    const entries = indexVectors(dirs).filter((e) => e.cell === cell.name);
    groups.push({ name: `vectors naming ${cell.name}`, cases: entries.flatMap((e) => [vectorCase(e, 'float32'), vectorCase(e, 'float64')]) });
  }
  return { title: `cell ${cell.name} conformance`, groups, problems: parts?.problems ?? [] };
}
