import type { Cadence, GradientSink, LearnerStats, LearnerV1, RealArray, StepInput } from '@snn/protocol';
import { allocate, checkStepInput, type Network } from '@snn/core';
import { BackpropWindow } from '@snn/engine';
import { InvalidArgumentError } from '@snn/errors';
import { DynamicRegulariser } from './dynamic-regulariser';
import { type FpttOptions, parseFpttOptions } from './options';

/**
 * FPTT: the stream is cut into windows of k steps (k = 1: every step); each window's loss gradient,
 * with nothing carried back across the window start (@snn/engine's BackpropWindow, cut at its start),
 * plus the dynamic regulariser's gradient goes to the sink, which updates the weights; then the
 * regulariser moves its running average.
 */
export class FpttLearner implements LearnerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly rule = 'fptt';
  readonly cadence: Cadence;
  readonly k: number;
  readonly regulariser: DynamicRegulariser;
  private readonly window: BackpropWindow;
  private readonly out = new Map<string, RealArray>();
  private readonly validate: boolean;
  private stepsSeen = 0;
  private lossTotal = 0;

  constructor(
    readonly network: Network,
    private readonly sink: GradientSink,
    options?: Partial<FpttOptions>,
  ) {
    const o = parseFpttOptions(options);
    this.k = o.k;
    this.validate = o.validateInputs;
    this.cadence = o.k === 1 ? 'step' : 'chunk';
    const params = network.parameters();
    this.regulariser = new DynamicRegulariser(params, o.alpha, o.beta);
    for (const p of params) this.out.set(p.name, allocate(network.dtype, p.data.length));
    this.window = new BackpropWindow(network);
  }

  begin(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new InvalidArgumentError('batch', `must be a positive integer, got ${batch}`);
    this.window.begin(batch);
    this.stepsSeen = 0;
    this.lossTotal = 0;
  }

  step(input: StepInput): void {
    if (this.validate) checkStepInput(input, this.network, this.stepsSeen + 1);
    this.window.forward(input);
    this.stepsSeen++;
    if (this.window.steps === this.k) this.flushWindow();
  }

  end(): void {
    if (this.window.steps > 0) this.flushWindow();
  }

  private flushWindow(): void {
    const loss = this.window.lossSum;
    this.lossTotal += loss;
    this.regulariser.addGradient(this.window.backward(0), this.out);
    // A new event per window: sinks may keep them (the gradient buffers are reused, as every rule's).
    this.sink(this.out, { step: this.stepsSeen, loss, cadence: this.cadence });
    // The sink has applied the update (or accumulated it): move lambda and the running average, and
    // start the next window from the last state, detached, with the new weights.
    this.regulariser.update();
    this.window.carryOver();
  }

  get stats(): LearnerStats {
    return { steps: this.stepsSeen, loss: this.lossTotal + this.window.lossSum, evidence: this.window.evidence };
  }

  /** The running average and lambda of every parameter (they live across batches). */
  exportState(): Record<string, RealArray | number> {
    return this.regulariser.exportState();
  }

  importState(state: Record<string, RealArray | number>): void {
    this.regulariser.importState(state);
  }
}
