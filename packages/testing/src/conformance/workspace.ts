import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CellDefinition, RuleDefinition } from '@snn/protocol';
import { InvalidArgumentError } from '@snn/errors';

/**
 * A workspace package that provides cells or rules. It says so in its package.json, so that the kit
 * finds it without anyone listing it:
 *
 *   "snn": { "cells": ["lif"] }        or        "snn": { "rules": ["bptt"] }
 */
export interface WorkspacePart {
  /** The package name, e.g. '@snn/lif'. */
  readonly package: string;
  readonly directory: string;
  readonly cells: readonly string[];
  readonly rules: readonly string[];
}

export interface DiscoveredParts {
  readonly root: string;
  readonly packages: readonly WorkspacePart[];
  readonly cells: readonly CellDefinition<any>[];
  readonly rules: readonly RuleDefinition<any, any>[];
  /** Packages that declare parts but could not be loaded (not built, or the export is missing): fail loudly. */
  readonly problems: readonly string[];
}

/** The folder holding pnpm-workspace.yaml, walking up from `from`. */
export function findWorkspaceRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new InvalidArgumentError('workspace root', `no pnpm-workspace.yaml above ${from}; pass { root } to the conformance kit`);
    dir = up;
  }
}

/** Package folders of the workspace (the globs `dir/*` of pnpm-workspace.yaml). */
function packageDirectories(root: string): string[] {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^\s*-\s*['"]?([^'"\s]+)['"]?\s*$/gm)].map((m) => m[1]!);
  const out: string[] = [];
  for (const glob of globs) {
    if (!glob.endsWith('/*')) {
      out.push(join(root, glob));
      continue;
    }
    const base = join(root, glob.slice(0, -2));
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) if (entry.isDirectory()) out.push(join(base, entry.name));
  }
  return out.filter((d) => existsSync(join(d, 'package.json'))).sort();
}

const names = (x: unknown): string[] => (Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : []);

/** Every workspace package whose package.json has an `snn` field naming cells or rules. */
export function listWorkspaceParts(root: string = findWorkspaceRoot()): WorkspacePart[] {
  const parts: WorkspacePart[] = [];
  for (const directory of packageDirectories(root)) {
    const pkg = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name?: string; snn?: { cells?: unknown; rules?: unknown } };
    if (!pkg.snn || !pkg.name) continue;
    const cells = names(pkg.snn.cells);
    const rules = names(pkg.snn.rules);
    if (cells.length || rules.length) parts.push({ package: pkg.name, directory, cells, rules });
  }
  return parts;
}

/** The ES module entry a user importing the package gets. */
function entryFile(directory: string): string {
  const pkg = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
    exports?: Record<string, unknown>;
    module?: string;
    main?: string;
  };
  const dot = pkg.exports?.['.'] as { import?: { default?: string } | string } | string | undefined;
  const fromExports = typeof dot === 'string' ? dot : typeof dot?.import === 'string' ? dot.import : dot?.import?.default;
  return join(directory, fromExports ?? pkg.module ?? pkg.main ?? 'index.js');
}

const cache = new Map<string, Promise<DiscoveredParts>>();

/**
 * Imports every workspace package that declares cells or rules (its built entry, as a user gets it)
 * and collects the definitions it declares. Cached per root.
 */
export function discoverParts(options: { root?: string } = {}): Promise<DiscoveredParts> {
  const root = options.root ?? findWorkspaceRoot();
  let hit = cache.get(root);
  if (!hit) {
    hit = load(root);
    cache.set(root, hit);
  }
  return hit;
}

async function load(root: string): Promise<DiscoveredParts> {
  const packages = listWorkspaceParts(root);
  const cells: CellDefinition<any>[] = [];
  const rules: RuleDefinition<any, any>[] = [];
  const problems: string[] = [];
  for (const part of packages) {
    const file = entryFile(part.directory);
    if (!existsSync(file)) {
      problems.push(`${part.package} declares ${[...part.cells, ...part.rules].join(', ')} but ${file} does not exist: build it (pnpm -r build)`);
      continue;
    }
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const exported = new Map<string, { kind: string; name: string }>();
    for (const value of Object.values(mod)) {
      const collect = (v: unknown) => {
        if (typeof v === 'object' && v !== null && 'kind' in v && 'name' in v && (v as { specificationVersion?: string }).specificationVersion === 'v1') {
          const e = v as { kind: string; name: string };
          if (e.kind === 'cell' || e.kind === 'rule') exported.set(`${e.kind}:${e.name}`, e);
        }
      };
      if (Array.isArray(value)) value.forEach(collect);
      else collect(value);
    }
    for (const name of part.cells) {
      const def = exported.get(`cell:${name}`);
      if (def) cells.push(def as unknown as CellDefinition<any>);
      else problems.push(`${part.package} declares cell "${name}" in package.json but exports no cell definition of that name`);
    }
    for (const name of part.rules) {
      const def = exported.get(`rule:${name}`);
      if (def) rules.push(def as unknown as RuleDefinition<any, any>);
      else problems.push(`${part.package} declares rule "${name}" in package.json but exports no rule definition of that name`);
    }
  }
  return { root, packages, cells, rules, problems };
}
