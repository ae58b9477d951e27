import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as generators from './generators';
import * as root from './index';

const here = dirname(fileURLToPath(import.meta.url));

/** Local modules reachable from `file` through its import/export statements. */
function reachable(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(join(here, `${file}.ts`), 'utf8');
  for (const [, spec] of source.matchAll(/(?:import|export)[^'"]*from '([^']+)'/g)) {
    if (spec!.startsWith('./')) reachable(spec!.slice(2), seen);
  }
  return seen;
}

describe('@snn/datasets/generators (the browser-safe entry)', () => {
  it('pulls no Node-only module, directly or through a local import', () => {
    for (const file of reachable('generators')) {
      const source = readFileSync(join(here, `${file}.ts`), 'utf8');
      expect(source, `${file}.ts`).not.toMatch(/from '(node:[a-z_]+|fs|path|os|zlib|child_process|worker_threads)'/);
    }
  });

  it('exports the same functions as the root entry', () => {
    for (const [name, value] of Object.entries(generators)) expect((root as Record<string, unknown>)[name], name).toBe(value);
    expect(typeof generators.createCueAccumulation).toBe('function');
  });
});
