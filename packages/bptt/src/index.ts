/**
 * @snn/bptt: backpropagation through time. Exact gradients of the whole sequence, one update per
 * sequence; memory grows with T (it stores every step), which is what the online rules avoid.
 */
import type { GradientSink, LearnerStats, LearnerV1, NetworkV1, RuleDefinition, StepInput } from '@snn/protocol';
import { checkStepInput } from '@snn/core';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';
import { BackpropWindow } from '@snn/engine';

export interface BpttOptions {
  /** Check every step's input for NaN/Inf (a typed error names the step). Default true. */
  validateInputs?: boolean;
}

const knownOptions = new Set(['validateInputs']);

export class BpttLearner implements LearnerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly rule = 'bptt';
  readonly cadence = 'sequence' as const;
  private readonly engine: BackpropWindow;
  private readonly validate: boolean;

  constructor(
    readonly network: NetworkV1,
    private readonly sink: GradientSink,
    options: BpttOptions = {},
  ) {
    rejectUnknownOptions('bptt', options, knownOptions);
    this.engine = new BackpropWindow(network);
    this.validate = options.validateInputs ?? true;
  }

  begin(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new InvalidArgumentError('batch', `must be a positive integer, got ${batch}`);
    this.engine.begin(batch);
  }

  step(input: StepInput): void {
    if (this.validate) checkStepInput(input, this.engine.network, this.engine.steps + 1);
    this.engine.forward(input);
  }

  end(): void {
    if (this.engine.steps === 0) return;
    const gradients = this.engine.backward(0);
    this.sink(gradients, { step: this.engine.steps, loss: this.engine.lossSum, cadence: 'sequence' });
  }

  /** Bytes held by the learner: grows linearly with the steps of a sequence. */
  get memoryBytes(): number {
    return this.engine.memoryBytes;
  }

  /** Which kernels run the products: 'wasm-simd' (float32 default) or 'reference'. */
  get kernels(): string {
    return this.engine.kernels;
  }

  get stats(): LearnerStats {
    return { steps: this.engine.steps, loss: this.engine.lossSum, evidence: this.engine.evidence };
  }
}


export function createBptt(network: NetworkV1, sink: GradientSink, options?: BpttOptions): BpttLearner {
  return new BpttLearner(network, sink, options);
}

/** Registry entry: `registerRule(bptt)` from @snn/core makes `'bptt'` available by name. */
export const bptt: RuleDefinition<NetworkV1, BpttOptions> = {
  kind: 'rule',
  specificationVersion: 'v1',
  name: 'bptt',
  description: 'Backpropagation through time: exact gradient, one update per sequence, memory O(T)',
  requires: { capabilities: ['vjp'], outputLayer: true },
  cadence: 'sequence',
  create: (network, sink, options) => new BpttLearner(network, sink, options),
};

/** Moved to @snn/core; re-exported for existing imports. */
export { checkStepInput } from '@snn/core';
