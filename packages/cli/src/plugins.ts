import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bptt } from '@snn/bptt';
import { eprop } from '@snn/eprop';
import { hypr } from '@snn/hypr';
import { hyprTbptt } from '@snn/hypr-tbptt';
import { listCells, listRules, registerCell, registerRule } from '@snn/core';
import { InvalidArgumentError } from '@snn/errors';
import { alif } from '@snn/alif';
import { brf } from '@snn/brf';
import { gru } from '@snn/gru';
import { cubaLif } from '@snn/cuba-lif';
import { lif } from '@snn/lif';
import { lstm } from '@snn/lstm';
import { seAdlif } from '@snn/se-adlif';
import { tbptt } from '@snn/tbptt';
import { ostl } from '@snn/ostl';
import { ottt } from '@snn/ottt';
import { otpeRules } from '@snn/otpe';
import { rtrl } from '@snn/rtrl';

/** Registers every cell and rule this CLI ships with. Safe to call more than once. */
export function registerBuiltins(): void {
  const cells = listCells();
  for (const cell of [lif, cubaLif, alif, brf, seAdlif, lstm, gru]) if (!cells.includes(cell.name)) registerCell(cell);
  const rules = listRules();
  for (const rule of [bptt, tbptt, eprop, hypr, hyprTbptt, ottt, ostl, ...otpeRules, rtrl]) if (!rules.includes(rule.name)) registerRule(rule);
}

/**
 * Where a plugin is: a path (`./my-rule`, a folder with a package.json or a file) or a package name,
 * both resolved from the working directory, as a user typing the command means them.
 */
function resolvePlugin(name: string): string {
  const fromCwd = createRequire(join(process.cwd(), 'noop.js'));
  const isPath = isAbsolute(name) || name.startsWith('.');
  try {
    return pathToFileURL(fromCwd.resolve(isPath ? resolve(name) : name)).href;
  } catch {
    if (isPath && !existsSync(resolve(name))) throw new InvalidArgumentError(`--plugin ${name}`, `${resolve(name)} does not exist; give the folder of the plugin package (with its package.json) or its file`);
    if (isPath) throw new InvalidArgumentError(`--plugin ${name}`, `${resolve(name)} has no entry point to import: build the plugin (its package.json "main"/"exports" must name an existing file)`);
    return name; // a package only the CLI's own installation can see
  }
}

/**
 * Loads third-party packages (`--plugin name`): every export that is a cell or rule definition
 * (`{ kind: 'cell' | 'rule', specificationVersion: 'v1', ... }`) is registered.
 */
export async function loadPlugins(names: readonly string[]): Promise<string[]> {
  const registered: string[] = [];
  for (const name of names) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(resolvePlugin(name))) as Record<string, unknown>;
    } catch (e) {
      throw new InvalidArgumentError(`--plugin ${name}`, `cannot be imported (${(e as Error).message}); install it next to @snn/cli`);
    }
    for (const value of Object.values(mod)) {
      if (typeof value !== 'object' || value === null) continue;
      const entry = value as { kind?: string; name?: string };
      if (entry.kind === 'cell') {
        registerCell(value as Parameters<typeof registerCell>[0], { override: true });
        registered.push(`cell ${entry.name}`);
      } else if (entry.kind === 'rule') {
        registerRule(value as Parameters<typeof registerRule>[0], { override: true });
        registered.push(`rule ${entry.name}`);
      }
    }
  }
  return registered;
}
