import type { Cadence, GradientEvent, Gradients, GradientSink, LearnerStats, LearnerV1, RealArray, StepInput } from '@snn/protocol';
import { allocate, createLearner, type Network } from '@snn/core';
import { DynamicRegulariser } from './dynamic-regulariser';
import { type FpttOptions, parseFpttOptions } from './options';

/**
 * FPTT: the stream is cut into windows of k steps (k = 1: every step); each window's loss gradient,
 * with nothing carried back across the window start, plus the dynamic regulariser's gradient goes to
 * the sink, which updates the weights; then the regulariser moves its running average.
 */
export class FpttLearner implements LearnerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly rule = 'fptt';
  readonly cadence: Cadence;
  readonly regulariser: DynamicRegulariser;
  private readonly window: LearnerV1;
  private readonly out = new Map<string, RealArray>();

  constructor(
    readonly network: Network,
    private readonly sink: GradientSink,
    options?: Partial<FpttOptions>,
  ) {
    const o = parseFpttOptions(options);
    this.cadence = o.k === 1 ? 'step' : 'chunk';
    const params = network.parameters();
    this.regulariser = new DynamicRegulariser(params, o.alpha, o.beta);
    for (const p of params) this.out.set(p.name, allocate(network.dtype, p.data.length));
    // The windowed backward pass: truncated BPTT with window k, emitting after every window.
    this.window = createLearner('tbptt', network, (g, e) => this.onWindow(g, e), { k: o.k, emit: 'chunk', validateInputs: o.validateInputs });
  }

  private onWindow(g: Gradients, e: GradientEvent): void {
    this.regulariser.addGradient(g, this.out);
    // A new event per window: sinks may keep them (the gradient buffers are reused, as every rule's).
    this.sink(this.out, { step: e.step, loss: e.loss, cadence: this.cadence });
    // The sink has applied the update (or accumulated it): move lambda and the running average.
    this.regulariser.update();
  }

  get stats(): LearnerStats {
    return this.window.stats;
  }

  begin(batch: number): void {
    this.window.begin(batch);
  }

  step(input: StepInput): void {
    this.window.step(input);
  }

  end(): void {
    this.window.end();
  }

  /** The running average and lambda of every parameter (they live across batches). */
  exportState(): Record<string, RealArray | number> {
    return this.regulariser.exportState();
  }

  importState(state: Record<string, RealArray | number>): void {
    this.regulariser.importState(state);
  }
}
