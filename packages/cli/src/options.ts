// Parsers of command-line values: each turns a bad value into an error that names the option.
import { InvalidArgumentError as CommanderArgumentError } from 'commander';
import { parseDType } from '@snn/core';
import { InvalidArgumentError } from '@snn/errors';

export const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CommanderArgumentError(`${name} must be a positive integer, got "${value}"`);
  return n;
};
/** A comma-separated list of positive integers (checked inside an action, so a typed error that prints). */
export const positiveIntList = (name: string, value: unknown): number[] =>
  String(value).split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(name, `must be a comma-separated list of positive integers, got "${String(value)}"`);
    return n;
  });
export const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new CommanderArgumentError(`${name} must be a positive number, got "${value}"`);
  return n;
};
export const nonNegativeNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n >= 0) || !Number.isFinite(n)) throw new CommanderArgumentError(`${name} must be a number >= 0, got "${value}"`);
  return n;
};
/** BRF integrates dt * I with dt = 0.01: at the LIF scales its neurons never reach threshold. */
export const brfInitScales = { inputScale: 100, recurrentScale: 50 };
export const fraction = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new CommanderArgumentError(`${name} must be in [0, 1], got "${value}"`);
  return n;
};
export const jsonObject = (name: string) => (value: string) => {
  try {
    const v = JSON.parse(value) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new CommanderArgumentError(`${name} must be a JSON object, e.g. '{"alpha":0.95}', got "${value}"`);
  }
};
export const dtypeOption = (value: string) => {
  try {
    return parseDType(value);
  } catch (e) {
    throw new CommanderArgumentError((e as Error).message);
  }
};

