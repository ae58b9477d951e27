import { describe, expect, it } from 'vitest';
import { registerRule } from '@snn/core';
import { ConformanceFailure, planRuleConformance, shapes, type ConformancePlan } from './index';
import { oracleRule } from './__helpers__/oracle-rule';

const runAll = (plan: ConformancePlan) => {
  const failures: string[] = [];
  let ran = 0;
  for (const g of plan.groups) {
    for (const c of g.cases) {
      if (c.skip) continue;
      ran++;
      try {
        c.run();
      } catch (e) {
        if (!(e instanceof ConformanceFailure)) throw e;
        failures.push(`${g.name} / ${c.name}: ${e.message}`);
      }
    }
  }
  return { ran, failures };
};

// The kit on itself: a known-good rule passes, every kind of known-bad rule fails.
describe('the conformance kit', () => {
  registerRule(oracleRule('oracle'), { override: true });
  const plan = (name: string, faults: Parameters<typeof oracleRule>[1]) =>
    planRuleConformance(oracleRule(name, faults), {
      discover: false,
      vectors: false,
      exact: { shapes: [shapes.recurrent()] },
      shapes: [shapes.recurrent()],
      identities: [{ name: 'equals the oracle', reference: 'oracle' }],
    });

  it('passes an exact rule on the smooth cell', async () => {
    const r = runAll(await plan('good', {}));
    expect(r.failures).toEqual([]);
    expect(r.ran).toBe(3);
  });
  it('fails a rule with a wrong gradient path (identity and finite differences both catch it)', async () => {
    const r = runAll(await plan('broken', { scale: { parameter: 'W_rec', by: 1.001 } }));
    expect(r.failures.length).toBe(2);
    expect(r.failures.join('\n')).toMatch(/equals the oracle.*W_rec: relative error/);
    expect(r.failures.join('\n')).toMatch(/finite differences.*W_rec/);
  });
  it('fails a rule that reports a loss other than the forward pass', async () => {
    const r = runAll(await plan('lossy', { wrongLoss: true }));
    expect(r.failures.join('\n')).toMatch(/learner contract.*stats.loss/);
  });
  it('fails a learner whose begin() keeps the previous batch', async () => {
    const r = runAll(await plan('sticky', { noReset: true }));
    expect(r.failures.join('\n')).toMatch(/begin must reset/);
  });
  it('fails an identity whose reference gradient is zero (a comparison that checks nothing)', async () => {
    const p = await planRuleConformance(oracleRule('good2'), {
      discover: false,
      vectors: false,
      shapes: [],
      identities: [{ name: 'on the readout bias only, zeroed', reference: 'oracle', parameters: (n) => n === 'b_out', prepare: (n) => n.parameter('W_out').data.fill(0) }],
    });
    // b_out's gradient is not zero: this one must pass; the check below uses an empty selection.
    expect(runAll(p).failures).toEqual([]);
    const q = await planRuleConformance(oracleRule('good3'), { discover: false, vectors: false, shapes: [], identities: [{ name: 'nothing selected', reference: 'oracle', parameters: () => false }] });
    expect(runAll(q).failures.join('\n')).toMatch(/no parameter was compared/);
  });
  it('skips pairings the rule refuses, with the reason', async () => {
    const p = await planRuleConformance(oracleRule('good4'), { discover: false, vectors: false, shapes: [shapes.outputLayer()] });
    const c = p.groups.find((g) => g.name.startsWith('cell smooth-test'))!.cases[0]!;
    expect(c.skip).toMatch(/spik/);
  });
});

