import type { Gradients } from '@snn/protocol';
import { InvalidArgumentError } from '@snn/errors';

/** Cosine similarities of one gradient with a reference (e.g. a rule's against BPTT's at the same weights and batch). */
export interface GradientCosine {
  /** Per parameter name. */
  parameters: Record<string, number>;
  /** Per group of parameters (by default the layer prefix `l0`, `l1`, ... and `output` for the readout). */
  groups: Record<string, number>;
  /** All parameters concatenated. */
  model: number;
}

/** `l0.W_in` -> `l0`; the readout (`W_out`, `b_out`) -> `output`; an unprefixed single layer -> `layer0`. */
export function defaultGroupOf(name: string): string {
  const m = /^(l\d+)\./.exec(name);
  if (m) return `layer${m[1]!.slice(1)}`;
  return name === 'W_out' || name === 'b_out' ? 'output' : 'layer0';
}

/**
 * cos(a, b) = <a, b> / (|a| |b|) per parameter, per group and for the whole model. Both must hold the
 * same parameter names and sizes. A zero vector on either side gives NaN for that entry (undefined angle).
 */
export function gradientCosine(gradient: Gradients, reference: Gradients, groupOf: (name: string) => string = defaultGroupOf): GradientCosine {
  const sums = new Map<string, { dot: number; aa: number; bb: number }>();
  const total = { dot: 0, aa: 0, bb: 0 };
  const parameters: Record<string, number> = {};
  for (const [name, b] of reference) {
    const a = gradient.get(name);
    if (!a) throw new InvalidArgumentError('gradient', `has no ${name}, which the reference has`);
    if (a.length !== b.length) throw new InvalidArgumentError(`gradient.${name}`, `holds ${a.length} values, the reference ${b.length}`);
    let dot = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i]! * b[i]!;
      aa += a[i]! * a[i]!;
      bb += b[i]! * b[i]!;
    }
    parameters[name] = dot / Math.sqrt(aa * bb);
    const key = groupOf(name);
    const g = sums.get(key) ?? { dot: 0, aa: 0, bb: 0 };
    g.dot += dot;
    g.aa += aa;
    g.bb += bb;
    sums.set(key, g);
    total.dot += dot;
    total.aa += aa;
    total.bb += bb;
  }
  for (const name of gradient.keys()) if (!reference.has(name)) throw new InvalidArgumentError('gradient', `has ${name}, which the reference lacks`);
  const groups: Record<string, number> = {};
  for (const [key, g] of sums) groups[key] = g.dot / Math.sqrt(g.aa * g.bb);
  return { parameters, groups, model: total.dot / Math.sqrt(total.aa * total.bb) };
}
