/**
 * Typed errors for every @snn package. Each error says what was wrong, where, and how to fix it,
 * and carries typed fields so callers can react without parsing messages.
 *
 * `instanceof` breaks when two copies of this package are installed, so every class also has a
 * static `isInstance` that checks a marker stored under a global symbol.
 */

const marker = Symbol.for('@snn/errors');

/** Machine-readable error codes, one per class. */
export type SnnErrorCode =
  | 'SHAPE'
  | 'NON_FINITE'
  | 'UNKNOWN_NAME'
  | 'CAPABILITY'
  | 'INVALID_ARGUMENT'
  | 'FORMAT'
  | 'CHECKPOINT'
  | 'UNSUPPORTED'
  | 'MEMORY_LIMIT';

export class SnnError extends Error {
  readonly code: SnnErrorCode;
  readonly [marker] = true;

  constructor(code: SnnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  static isInstance(value: unknown): value is SnnError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

function hasCode(value: unknown, code: SnnErrorCode): boolean {
  return SnnError.isInstance(value) && value.code === code;
}

const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** An array had the wrong shape. `expected` may use -1 for "any size". */
export class ShapeError extends SnnError {
  constructor(
    readonly argument: string,
    readonly expected: readonly number[],
    readonly actual: readonly number[],
    hint?: string,
  ) {
    super(
      'SHAPE',
      `${argument} has shape ${formatShape(actual)} but ${formatShape(expected).replace(/-1/g, '*')} was expected` +
        (hint ? `: ${hint}` : ''),
    );
  }
  static override isInstance(value: unknown): value is ShapeError {
    return hasCode(value, 'SHAPE');
  }
}

/** A NaN or infinity where finite numbers are required. */
export class NonFiniteError extends SnnError {
  constructor(
    readonly tensor: string,
    readonly index: number,
    readonly value: number,
    readonly step?: number,
  ) {
    super(
      'NON_FINITE',
      `${tensor} holds ${value} at flat index ${index}` +
        (step !== undefined ? ` (time step ${step})` : '') +
        ': inputs and parameters must be finite numbers; check the data loader, or lower the learning rate if training diverged',
    );
  }
  static override isInstance(value: unknown): value is NonFiniteError {
    return hasCode(value, 'NON_FINITE');
  }
}

/** A name (cell, rule, surrogate, backend, dataset, ...) that nothing registered. */
export class UnknownNameError extends SnnError {
  constructor(
    readonly kind: string,
    readonly requested: string,
    readonly available: readonly string[],
  ) {
    super(
      'UNKNOWN_NAME',
      `unknown ${kind} "${requested}"; available: ${available.length ? available.join(', ') : '(none registered)'}`,
    );
  }
  static override isInstance(value: unknown): value is UnknownNameError {
    return hasCode(value, 'UNKNOWN_NAME');
  }
}

/** A rule was paired with a cell that does not provide what the rule needs. */
export class CapabilityError extends SnnError {
  constructor(
    readonly rule: string,
    readonly cell: string,
    readonly missing: readonly string[],
  ) {
    super(
      'CAPABILITY',
      `rule "${rule}" needs ${missing.join(', ')} from its cell, which cell "${cell}" does not provide`,
    );
  }
  static override isInstance(value: unknown): value is CapabilityError {
    return hasCode(value, 'CAPABILITY');
  }
}

/** A computation would need more memory than the limit it was given. */
export class MemoryLimitError extends SnnError {
  constructor(
    readonly what: string,
    readonly requiredBytes: number,
    readonly limitBytes: number,
    readonly hint: string,
  ) {
    super('MEMORY_LIMIT', `${what} would need ${requiredBytes} bytes (${(requiredBytes / 2 ** 20).toFixed(1)} MiB), over the limit of ${limitBytes} bytes (${(limitBytes / 2 ** 20).toFixed(1)} MiB); ${hint}`);
  }
  static override isInstance(value: unknown): value is MemoryLimitError {
    return hasCode(value, 'MEMORY_LIMIT');
  }
}

/** An option or argument outside its valid range. */
export class InvalidArgumentError extends SnnError {
  constructor(
    readonly argument: string,
    readonly problem: string,
  ) {
    super('INVALID_ARGUMENT', `${argument}: ${problem}`);
  }
  static override isInstance(value: unknown): value is InvalidArgumentError {
    return hasCode(value, 'INVALID_ARGUMENT');
  }
}

/** A file or document that does not follow its format. */
export class FormatError extends SnnError {
  constructor(
    readonly source: string,
    readonly location: string,
    readonly problem: string,
  ) {
    super('FORMAT', `${source}${location ? ` (${location})` : ''}: ${problem}`);
  }
  static override isInstance(value: unknown): value is FormatError {
    return hasCode(value, 'FORMAT');
  }
}

/** A checkpoint that cannot be written or does not fit the network it is loaded into. */
export class CheckpointError extends SnnError {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super('CHECKPOINT', `checkpoint ${path}: ${problem}`);
  }
  static override isInstance(value: unknown): value is CheckpointError {
    return hasCode(value, 'CHECKPOINT');
  }
}

/** A valid request that this version does not implement yet (a cell or rule not shipped, ...). */
export class UnsupportedError extends SnnError {
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super('UNSUPPORTED', `${what} is not supported: ${reason}`);
  }
  static override isInstance(value: unknown): value is UnsupportedError {
    return hasCode(value, 'UNSUPPORTED');
  }
}

/** Throws NonFiniteError at the first NaN or infinity of `values`. Use at package boundaries. */
export function assertFinite(name: string, values: ArrayLike<number>, step?: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new NonFiniteError(name, i, v, step);
  }
}

/** Throws ShapeError unless `actual` equals `expected` (-1 in `expected` matches any size). */
export function assertShape(argument: string, actual: readonly number[], expected: readonly number[], hint?: string): void {
  const ok = actual.length === expected.length && expected.every((e, i) => e === -1 || e === actual[i]);
  if (!ok) throw new ShapeError(argument, expected, actual, hint);
}

/**
 * Throws InvalidArgumentError for the first key of `options` not in `known`, naming it and listing
 * the valid ones: `lif option "tau": unknown option; valid options: alpha, theta, surrogate`.
 */
export function rejectUnknownOptions(owner: string, options: object | null | undefined, known: Iterable<string>): void {
  if (!options) return;
  const valid = known instanceof Set ? (known as Set<string>) : new Set(known);
  for (const key of Object.keys(options)) {
    if (!valid.has(key)) {
      throw new InvalidArgumentError(`${owner} option "${key}"`, `unknown option; valid options: ${[...valid].join(', ')}`);
    }
  }
}
