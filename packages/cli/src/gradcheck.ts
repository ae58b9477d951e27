import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DType } from '@snn/core';
import { runGradientVectorFile, type VectorResult } from '@snn/testing';

export interface GradcheckOptions {
  dtype: DType;
  json: boolean;
  skipUnsupported: boolean;
}

/** Expands directories to the .json files inside them (sorted); files are kept as given. */
export function expandVectorPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (existsSync(p) && statSync(p).isDirectory()) {
      out.push(...readdirSync(p).filter((f) => f.endsWith('.json')).sort().map((f) => join(p, f)));
    } else {
      out.push(p);
    }
  }
  return out;
}

function formatLine(r: VectorResult): string {
  const status = r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : r.status === 'unsupported' ? 'UNSUPPORTED' : 'ERROR';
  const worst = r.worst ? `worst ${r.worst.relativeError.toExponential(2)} (${r.worst.name})` : '';
  const name = r.id === '?' ? r.file : r.id;
  return [name.padEnd(42), status.padEnd(11), worst, r.message ?? ''].filter((part) => part !== '').join(' ');
}

/** Runs every file, prints one line (or one JSON object) per file, returns the exit status. */
export function gradcheck(paths: readonly string[], options: GradcheckOptions, write: (line: string) => void = (l) => process.stdout.write(l + '\n')): number {
  const files = expandVectorPaths(paths);
  const counts = { pass: 0, fail: 0, unsupported: 0, error: 0 };
  for (const file of files) {
    const r = runGradientVectorFile(file, { dtype: options.dtype });
    counts[r.status]++;
    if (options.json) {
      write(
        JSON.stringify({
          file: r.file,
          id: r.id,
          status: r.status,
          dtype: r.dtype,
          worst: r.worst ?? null,
          loss: r.loss ?? null,
          parameters: r.parameters,
          ...(r.outputMismatch ? { outputMismatch: r.outputMismatch } : {}),
          ...(r.message ? { message: r.message } : {}),
        }),
      );
    } else {
      write(formatLine(r));
    }
  }
  const checkedNothing = counts.pass + counts.fail === 0;
  if (!options.json) {
    write(
      `gradcheck (${options.dtype}): ${counts.pass} passed, ${counts.fail} failed, ${counts.error} unreadable, ${counts.unsupported} unsupported${options.skipUnsupported ? ' (skipped)' : ''}` +
        (files.length === 0 ? ' (no vector files given)' : checkedNothing ? ': nothing was checked' : ''),
    );
  }
  const bad = counts.fail + counts.error + (options.skipUnsupported ? 0 : counts.unsupported);
  // A run that checked nothing never passes, with --skip-unsupported too: that would vouch for nothing.
  return files.length === 0 ? 2 : bad > 0 || checkedNothing ? 1 : 0;
}
