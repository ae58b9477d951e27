import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '@snn/errors';
import { readFileSync, writeFileSync } from './files.browser';

describe('browser build stand-in for node:fs', () => {
  it('refuses checkpoint files with a typed error that names the portable alternative', () => {
    expect(() => readFileSync('x.json', 'utf8')).toThrow(UnsupportedError);
    expect(() => writeFileSync('x.json', '{}')).toThrow(/serializeNetwork/);
  });
});
