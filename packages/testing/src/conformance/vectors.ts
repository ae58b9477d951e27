import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findWorkspaceRoot } from './workspace';

/** What the kit needs to know of a vector file to pair it with a cell and a rule. */
export interface VectorEntry {
  readonly file: string;
  readonly id: string;
  readonly cell: string;
  readonly rule: string;
  /** Raw JSON, parsed once. */
  readonly json: unknown;
}

/**
 * The shared vector folders: `$SNN_VECTORS`, else `../shared/vectors` beside the workspace (as
 * scripts/test-all.sh), with its `cells/` and `ff/` subfolders. Missing folders are left out (a fresh
 * clone without the shared material runs only the packages' own fixtures).
 */
export function sharedVectorDirectories(root?: string): string[] {
  const base = process.env.SNN_VECTORS ?? resolve(root ?? findWorkspaceRoot(), '../shared/vectors');
  return [base, join(base, 'cells'), join(base, 'ff')].filter((d) => existsSync(d));
}

const cache = new Map<string, VectorEntry[]>();

/** Every `*.json` vector in `directories` (not recursive), indexed by cell and rule name. */
export function indexVectors(directories: readonly string[]): VectorEntry[] {
  const out: VectorEntry[] = [];
  for (const dir of directories) {
    let hit = cache.get(dir);
    if (!hit) {
      hit = [];
      if (existsSync(dir)) {
        for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
          const file = join(dir, f);
          const json = JSON.parse(readFileSync(file, 'utf8')) as { id?: unknown; cell?: unknown; rule?: { name?: unknown } };
          hit.push({
            file,
            id: typeof json.id === 'string' ? json.id : f,
            cell: typeof json.cell === 'string' ? json.cell : '?',
            rule: typeof json.rule?.name === 'string' ? json.rule.name : '?',
            json,
          });
        }
      }
      cache.set(dir, hit);
    }
    out.push(...hit);
  }
  return out;
}
