import { describe, expectTypeOf, it } from 'vitest';
import type { CellCapability, CellDefinition, CellStepArgs, CellV1, LearnerV1, RuleDefinition, StepInput } from './index';

class Minimal implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'minimal';
  readonly stateSize = 1;
  readonly stateNames = ['s'];
  readonly gates = 1;
  readonly spiking = false;
  readonly splitsRecurrentCurrent = false;
  readonly biases = [{ name: 'b', adds: 'input' as const }];
  readonly neuronParameters = [];
  readonly tapeSize = 0;
  readonly capabilities = { vjp: false, jacobians: false, diagonalJacobian: true };
  readonly options = {};
  constructor(readonly neurons: number) {}
  step(_args: CellStepArgs): void {}
}

describe('protocol types', () => {
  it('a class with only a forward step is a cell', () => {
    expectTypeOf(new Minimal(3)).toMatchTypeOf<CellV1>();
    expectTypeOf<CellV1['vjp']>().toEqualTypeOf<CellV1['vjp']>();
  });
  it('capabilities are exactly the three names rules can ask for', () => {
    expectTypeOf<CellCapability>().toEqualTypeOf<'vjp' | 'jacobians' | 'diagonalJacobian'>();
  });
  it('a cell definition must say it is a cell, and a rule definition that it is a rule', () => {
    const cell: CellDefinition = {
      kind: 'cell',
      specificationVersion: 'v1',
      name: 'minimal',
      description: '',
      capabilities: { vjp: false, jacobians: false, diagonalJacobian: true },
      create: (n) => new Minimal(n),
    };
    expectTypeOf(cell.create).returns.toMatchTypeOf<CellV1>();
    // @ts-expect-error a rule definition is not a cell definition
    const wrong: CellDefinition = { ...cell, kind: 'rule' };
    void wrong;
    expectTypeOf<RuleDefinition['create']>().returns.toEqualTypeOf<LearnerV1>();
  });
  it('a step input carries a strided view of the batch', () => {
    expectTypeOf<StepInput>().toHaveProperty('rowStride').toEqualTypeOf<number>();
    expectTypeOf<StepInput['targets']>().toEqualTypeOf<Int32Array>();
  });
});
