/**
 * @snn/eprop: online e-prop (Bellec et al. 2020) for any @snn cell that provides per-neuron Jacobians.
 * For one recurrent layer the gradient is the exact gradient of the graph in which W_rec y_{t-1} is cut
 * at every step (shared/spec/vectors.md); neuron-internal paths and the readout leak are kept, the
 * latter through a kappa-filtered copy of the eligibility traces (reference/algorithms.md 6.5).
 * Stacked layers: every layer keeps its own eligibility; a lower layer's learning signal is the
 * immediate spatial one, dl_t/dy^l_t through the layers above at the same step (algorithms.md 6.7).
 * Memory is independent of the sequence length T.
 */
import type { Gradients, GradientSink, LearnerStats, LearnerV1, NetworkV1, RealArray, RuleDefinition, StepInput } from '@snn/protocol';
import { checkStepInput, createGradients, type ComputeOps } from '@snn/core';
import { InvalidArgumentError } from '@snn/errors';
import { eligibilityStep, parameterEligibilityStep } from '@snn/traces';
import { checkEmitOption, eligibilityGroups, ForwardStep, gatherGradients, ReadoutGradient, type EligibilityGroup, type LayerStep } from '@snn/engine';

export interface EpropOptions {
  /** 'step': hand the gradient of every step to the sink; 'sequence' (default): sum and hand it once at `end()`. */
  emit: 'step' | 'sequence';
  /** Check every step's input for NaN and out-of-range targets. Default true. */
  validateInputs: boolean;
}

const knownOptions = new Set(['emit', 'validateInputs']);

/** One layer's e-prop state: eligibilities of its presynaptic groups and of its neuron parameters. */
interface LayerState {
  step: LayerStep;
  groups: EligibilityGroup[];
  epsP: RealArray;
  traceP: RealArray | null;
  gradP: RealArray;
}

export class EpropLearner implements LearnerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly rule = 'eprop';
  readonly cadence: 'step' | 'sequence';
  readonly forwardStep: ForwardStep;
  private readonly validate: boolean;
  private readonly gradients: Map<string, RealArray>;
  private layers: LayerState[] = [];
  private scratch: Float64Array;
  private readonly readout: ReadoutGradient;
  private pendingLoss = 0;

  constructor(
    readonly network: NetworkV1,
    private readonly sink: GradientSink,
    options: Partial<EpropOptions> = {},
    ops?: ComputeOps,
  ) {
    this.cadence = checkEmitOption('eprop', options, knownOptions);
    this.validate = options.validateInputs ?? true;
    this.forwardStep = new ForwardStep(network, ops);
    this.gradients = createGradients(network);
    this.readout = new ReadoutGradient(this.forwardStep);
    const size = Math.max(4, ...this.forwardStep.layers.map((l) => Math.max(2 * l.d, l.d * l.nP)));
    this.scratch = new Float64Array(size);
  }

  /** Bytes of every buffer the learner holds (eligibilities, traces, step buffers, accumulators). */
  get memoryBytes(): number {
    let s = this.forwardStep.bytes;
    for (const l of this.layers) {
      s += l.epsP.byteLength + (l.traceP?.byteLength ?? 0) + l.gradP.byteLength;
      for (const g of l.groups) s += g.pre.byteLength + g.eps.byteLength + (g.trace?.byteLength ?? 0) + g.grad.byteLength;
    }
    s += this.readout.ybar.byteLength + this.readout.gradW.byteLength + this.readout.gradB.byteLength;
    for (const g of this.gradients.values()) s += g.byteLength;
    return s;
  }

  begin(batch: number): void {
    const f = this.forwardStep;
    const changed = batch !== f.batch;
    f.begin(batch);
    const B = batch;
    const a = (n: number) => f.ops.allocate(n);
    if (changed) {
      this.layers = f.layers.map((step) => {
        const { H, G, d, nP, kappa } = step;
        const groups = eligibilityGroups(step.layer, { batch: B, H, G, d, kappa }, step, a, this.scratch);
        return { step, groups, epsP: a(B * H * d * nP), traceP: kappa !== 0 ? a(B * H * nP) : null, gradP: a(nP * H) };
      });
      this.readout.allocate();
    }
    for (const l of this.layers) {
      for (const g of l.groups) {
        g.eps.fill(0);
        g.trace?.fill(0);
        g.grad.fill(0);
      }
      l.epsP.fill(0);
      l.traceP?.fill(0);
      l.gradP.fill(0);
    }
    this.readout.reset();
    this.readout.zero();
    this.pendingLoss = 0;
  }

  step(input: StepInput): void {
    const f = this.forwardStep;
    if (f.batch === 0) throw new InvalidArgumentError('eprop', 'call begin(batch) before step()');
    if (input.targets.length !== f.batch) throw new InvalidArgumentError('targets', `has ${input.targets.length} entries, the batch is ${f.batch}`);
    if (this.validate) checkStepInput(input, this.network, f.steps + 1);
    f.forward(input);
    for (const l of this.layers) {
      const ls = l.step;
      const signal = f.lastHadLoss ? ls.signal : null;
      for (const g of l.groups) {
        ls.fillPresynaptic(g.group, g.pre);
        const a = g.args;
        const rec = g.group.kind === 'recurrent';
        a.J = ls.J;
        a.D = rec ? ls.Drec! : ls.D;
        a.C = ls.C;
        a.CI = rec ? ls.CIrec : ls.CI;
        a.signal = signal;
        eligibilityStep(a);
      }
      parameterEligibilityStep(f.batch, ls.H, ls.d, ls.nP, ls.J, ls.P, ls.C, ls.CP, l.epsP, ls.kappa, l.traceP, signal, l.gradP, this.scratch);
    }
    this.readout.step();
    this.pendingLoss += f.lastLoss;
    f.advance();
    if (this.cadence === 'step') this.flush('step');
  }

  end(): void {
    if (this.cadence === 'sequence' && this.forwardStep.steps > 0) this.flush('sequence');
  }

  private flush(cadence: 'step' | 'sequence'): void {
    const out = this.gradients;
    gatherGradients(this.layers.map((l) => ({ layer: l.step.layer, groups: l.groups, gradP: l.gradP })), this.readout, out);
    const loss = this.pendingLoss;
    this.pendingLoss = 0;
    this.sink(out as Gradients, { step: this.forwardStep.steps, loss, cadence });
  }

  get stats(): LearnerStats {
    const f = this.forwardStep;
    return { steps: f.steps, loss: f.lossSum, evidence: f.evidence };
  }

  /** Which kernels run the products: 'wasm-simd' (float32 default) or 'reference'. */
  get kernels(): string {
    return this.forwardStep.ops.name;
  }
}

export function createEprop(network: NetworkV1, sink: GradientSink, options?: Partial<EpropOptions>): EpropLearner {
  return new EpropLearner(network, sink, options);
}

/** Registry entry: `registerRule(eprop)` from @snn/core makes `'eprop'` available by name. */
export const eprop: RuleDefinition<NetworkV1, EpropOptions> = {
  kind: 'rule',
  specificationVersion: 'v1',
  name: 'eprop',
  description: 'e-prop: online eligibility traces x immediate learning signal; W_rec y_{t-1} cut, readout leak exact; stacked layers get the immediate spatial signal; memory independent of T',
  requires: { capabilities: ['jacobians'] },
  cadence: 'sequence',
  create: (network, sink, options) => new EpropLearner(network, sink, options),
};
