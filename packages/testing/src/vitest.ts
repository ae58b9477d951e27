/**
 * @snn/testing/vitest: the conformance kit as vitest suites. One call in a cell or rule package's test
 * file runs every compatible pairing with the workspace's other parts:
 *
 *   await describeRuleConformance(tbptt, { identities: [{ name: 'k = T equals BPTT', reference: 'bptt', options: ({ steps }) => ({ k: steps }) }] });
 *   await describeCellConformance(lif, { variants: [{ name: 'reset zero', options: { reset: 'zero' } }] });
 */
import type { CellDefinition } from '@snn/protocol';
import { describe, it } from 'vitest';
import { planCellConformance, type CellConformanceOptions } from './conformance/cell';
import type { ConformancePlan } from './conformance/rule';
import { planRuleConformance, type RuleConformanceOptions } from './conformance/rule';
import type { AnyRule } from './conformance/registry';

function describePlan(plan: ConformancePlan): void {
  describe(plan.title, () => {
    if (plan.problems.length) {
      it('loads every workspace part', () => {
        throw new Error(plan.problems.join('\n'));
      });
    }
    for (const group of plan.groups) {
      describe(group.name, () => {
        if (group.cases.length === 0) it.skip('(nothing to check)', () => {});
        for (const c of group.cases) {
          if (c.skip) it.skip(`${c.name}: ${c.skip}`, () => {});
          else it(c.name, () => c.run());
        }
      });
    }
  });
}

/** Registers the conformance suite of a rule (await it at the top level of the test file). */
export async function describeRuleConformance(rule: AnyRule, options: RuleConformanceOptions = {}): Promise<ConformancePlan> {
  const plan = await planRuleConformance(rule, options);
  describePlan(plan);
  return plan;
}

/** Registers the conformance suite of a cell (await it at the top level of the test file). */
export async function describeCellConformance(cell: CellDefinition<any>, options: CellConformanceOptions = {}): Promise<ConformancePlan> {
  const plan = await planCellConformance(cell, options);
  describePlan(plan);
  return plan;
}

export type { CellConformanceOptions, RuleConformanceOptions };
