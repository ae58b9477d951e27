import type { RealArray } from '@snn/protocol';
import { relativeError } from '../vector-runner';

/** Thrown by a failing conformance case; the message says which parameter, by how much and why it matters. */
export class ConformanceFailure extends Error {
  override readonly name = 'ConformanceFailure';
}

export function fail(message: string): never {
  throw new ConformanceFailure(message);
}

/**
 * Every parameter `include` selects from `reference` must match `actual` to `tolerance` (relative error
 * of vectors.md); the selected reference gradients must not all be zero, else the comparison would
 * pass whatever the rule computed.
 */
export function compareGradients(
  what: string,
  actual: ReadonlyMap<string, RealArray>,
  reference: ReadonlyMap<string, RealArray>,
  tolerance: number,
  include: (name: string) => boolean = () => true,
): Record<string, number> {
  const errors: Record<string, number> = {};
  let norm = 0;
  const bad: string[] = [];
  for (const [name, ref] of reference) {
    if (!include(name)) continue;
    for (let i = 0; i < ref.length; i++) norm += Math.abs(ref[i]!);
    const got = actual.get(name);
    if (!got) {
      bad.push(`${name}: no gradient`);
      continue;
    }
    const e = relativeError(got, ref);
    errors[name] = e;
    if (!(e <= tolerance)) bad.push(`${name}: relative error ${e.toExponential(2)} > ${tolerance}`);
  }
  if (Object.keys(errors).length === 0 && bad.length === 0) fail(`${what}: no parameter was compared`);
  if (bad.length) fail(`${what}: ${bad.join('; ')}`);
  if (!(norm > 0)) fail(`${what}: the reference gradient is zero on every compared parameter, so the comparison checks nothing (a silent network?)`);
  return errors;
}
