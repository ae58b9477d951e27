import { createHash } from 'node:crypto';
import { storedConfig, type TrainConfig } from '@snn/runs';

/** JSON with object keys sorted at every depth: the same configuration always gives the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The job id of a trial: a hash of everything that decides its numbers (the stored configuration, seed
 * included; not where it is written). Enqueueing the same trial again, from the same sweep or another
 * one, finds the same job instead of adding a second.
 */
export function trialJobId(config: TrainConfig): string {
  return `trial-${createHash('sha256').update(canonical(storedConfig(config))).digest('hex').slice(0, 32)}`;
}
