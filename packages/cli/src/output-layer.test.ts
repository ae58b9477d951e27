// Rules on the output-layer form of the OTPE paper (the top layer's spikes carry the loss): TBPTT with
// k = T equals BPTT there (checked on the shared ff BPTT vectors), and rules that cannot train it refuse
// it with a typed error instead of failing inside.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGradientVector, runGradientVector } from '@snn/testing';
import { registerBuiltins } from './index';

registerBuiltins();
const ff = resolve(__dirname, '../../../../shared/vectors/ff');
const bpttVectors = existsSync(ff) ? readdirSync(ff).filter((f) => /-bptt-/.test(f)) : [];

describe.skipIf(bpttVectors.length === 0)('output-layer networks', () => {
  for (const file of bpttVectors) {
    it(`tbptt(k = T) == bptt on ${file}, in f32 and f64`, () => {
      const json = JSON.parse(readFileSync(join(ff, file), 'utf8'));
      const vector = parseGradientVector({ ...json, rule: { name: 'tbptt', k: json.sizes.steps } }, file);
      for (const dtype of ['float32', 'float64'] as const) expect(runGradientVector(vector, { dtype }).status).toBe('pass');
    });
  }
  it('e-prop, HYPR and HYPR+TBPTT refuse them with a typed error', () => {
    const json = JSON.parse(readFileSync(join(ff, bpttVectors[0]!), 'utf8'));
    for (const rule of [{ name: 'eprop' }, { name: 'hypr', lambda: 2 }, { name: 'hypr-tbptt', k: 2 }]) {
      const vector = parseGradientVector({ ...json, rule }, 'x');
      expect(() => runGradientVector(vector)).toThrow(new RegExp(`rule ${rule.name} on a network whose top layer is the output layer .* not supported`));
    }
  });
});
