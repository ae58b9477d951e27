import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';

/**
 * Validates a rule's options against `known` (typed error naming unknown keys) and returns its `emit`
 * cadence: 'sequence' (default, one gradient per sequence at `end()`) or 'step' (one per step).
 */
export function checkEmitOption(rule: string, options: Partial<Record<string, unknown>>, known: Set<string>): 'step' | 'sequence' {
  rejectUnknownOptions(rule, options, known);
  const emit = options.emit ?? 'sequence';
  if (emit !== 'step' && emit !== 'sequence') throw new InvalidArgumentError(`${rule} option "emit"`, `must be 'step' or 'sequence', got ${String(emit)}`);
  return emit;
}
