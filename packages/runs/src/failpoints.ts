/**
 * Fault injection for crash tests: `SNN_FAILPOINTS="checkpoint-before-rename@2,batch-end@7"` makes the
 * process kill itself with SIGKILL the 2nd time it reaches the named point (or the 7th batch end; `trial-end`
 * is passed by `snn compare` after each finished trial). The
 * points sit exactly where a real crash hurts most (half a temporary file written, a complete temporary
 * file not yet renamed, ...), which a kill from outside at a random time would hit only by luck.
 * Without the variable every call is one Map lookup.
 */
const counts = new Map<string, number>();
let armed: Map<string, number> | null | undefined;

function parse(): Map<string, number> | null {
  const spec = process.env.SNN_FAILPOINTS;
  if (!spec) return null;
  const points = new Map<string, number>();
  for (const part of spec.split(',')) {
    const [name, at] = part.trim().split('@');
    if (name) points.set(name, at ? Number(at) : 1);
  }
  return points;
}

/** Names of the points the training loop and the checkpoint writer pass. */
export type FailpointName = 'batch-end' | 'epoch-end' | 'trial-end' | 'checkpoint-mid-write' | 'checkpoint-before-rename' | 'checkpoint-after-rename';

export function failpoint(name: FailpointName): void {
  if (armed === undefined) armed = parse();
  if (!armed) return;
  const at = armed.get(name);
  if (at === undefined) return;
  const n = (counts.get(name) ?? 0) + 1;
  counts.set(name, n);
  if (n === at) process.kill(process.pid, 'SIGKILL');
}
