/**
 * @snn/eprop: online e-prop (Bellec et al. 2020) for any @snn cell that provides per-neuron Jacobians.
 * For one recurrent layer the gradient is the exact gradient of the graph in which W_rec y_{t-1} is cut
 * at every step (shared/spec/vectors.md); neuron-internal paths and the readout leak are kept, the
 * latter through a kappa-filtered copy of the eligibility traces (reference/algorithms.md 6.5).
 * Stacked layers: every layer keeps its own eligibility; a lower layer's learning signal is the
 * immediate spatial one, dl_t/dy^l_t through the layers above at the same step (algorithms.md 6.7).
 * Memory is independent of the sequence length T.
 */
import type { Gradients, GradientSink, LearnerStats, LearnerV1, RealArray, RuleDefinition, StepInput } from '@snn/protocol';
import { createGradients, type ComputeOps, type Layer, type Network } from '@snn/core';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';
import { eligibilityStep, parameterEligibilityStep, type EligibilityStepArgs } from '@snn/traces';
import { checkStepInput } from '@snn/core';
import { ForwardStep, LayerStep, presynapticGroups, type PresynapticGroup } from './forward';

export { ForwardStep, LayerStep, presynapticGroups, type PresynapticGroup } from './forward';

export interface EpropOptions {
  /** 'step': hand the gradient of every step to the sink; 'sequence' (default): sum and hand it once at `end()`. */
  emit: 'step' | 'sequence';
  /** Check every step's input for NaN and out-of-range targets. Default true. */
  validateInputs: boolean;
}

const knownOptions = new Set(['emit', 'validateInputs']);

export function checkEmitOption(rule: string, options: Partial<Record<string, unknown>>, known: Set<string>): 'step' | 'sequence' {
  rejectUnknownOptions(rule, options, known);
  const emit = options.emit ?? 'sequence';
  if (emit !== 'step' && emit !== 'sequence') throw new InvalidArgumentError(`${rule} option "emit"`, `must be 'step' or 'sequence', got ${String(emit)}`);
  return emit;
}

/** One presynaptic group's e-prop eligibility state and the `eligibilityStep` arguments bound to it. */
export interface EligibilityGroup {
  readonly group: PresynapticGroup;
  /** `[B, m]` presynaptic values of the current step. */
  readonly pre: RealArray;
  /** `[B, G, H, d, m]` eligibility vectors. */
  readonly eps: RealArray;
  /** `[B, G, H, m]` kappa-filtered traces, or null when kappa = 0. */
  readonly trace: RealArray | null;
  /** `[G, H, m]` gradient accumulator. */
  readonly grad: RealArray;
  /** Arguments of `eligibilityStep` over these buffers; CI and signal are set per step. */
  readonly args: EligibilityStepArgs;
}

/**
 * Allocates the eligibility state of every presynaptic group of `layer` for a batch, with its
 * `eligibilityStep` arguments reading the per-neuron Jacobians `J`, `D`, `C`. `stepGrad` is where
 * `eligibilityStep` accumulates (default: each group's own `grad`). Shared with @snn/hypr-tbptt.
 */
export function eligibilityGroups(
  layer: Layer,
  dims: { batch: number; H: number; G: number; d: number; kappa: number },
  jacobians: { J: RealArray; D: RealArray; C: RealArray },
  allocate: (n: number) => RealArray,
  scratch: Float64Array,
  stepGrad?: RealArray,
): EligibilityGroup[] {
  const { batch: B, H, G, d, kappa } = dims;
  return presynapticGroups(layer).map((group) => {
    const m = group.width;
    const pre = allocate(B * m);
    const eps = allocate(B * G * H * d * m);
    const trace = kappa !== 0 ? allocate(B * G * H * m) : null;
    const grad = allocate(G * H * m);
    const args: EligibilityStepArgs = {
      batch: B, gates: G, neurons: H, stateSize: d, width: m,
      J: jacobians.J, D: jacobians.D, C: jacobians.C, CI: null, pre, eps, kappa, trace, signal: null, grad: stepGrad ?? grad, scratch,
    };
    return { group, pre, eps, trace, grad, args };
  });
}

/** One layer's e-prop state: eligibilities of its presynaptic groups and of its neuron parameters. */
interface LayerState {
  step: LayerStep;
  groups: EligibilityGroup[];
  epsP: RealArray;
  traceP: RealArray | null;
  gradP: RealArray;
}

/**
 * Adds group accumulators `[G, H, m]` (rows k*H + j of the stacked weights) into the named gradients.
 * Shared with @snn/hypr.
 */
export function scatterGroupGradient(layer: Layer, group: PresynapticGroup, grad: RealArray, out: Map<string, RealArray>): void {
  const GH = layer.gates * layer.neurons;
  const m = group.width;
  const I = layer.inputs;
  const H = layer.neurons;
  const gIn = out.get(layer.inputWeights.name)!;
  const gRec = layer.recurrentWeights ? out.get(layer.recurrentWeights.name)! : null;
  for (let r = 0; r < GH; r++) {
    const base = r * m;
    if (group.xColumn >= 0) for (let i = 0; i < I; i++) gIn[r * I + i] = gIn[r * I + i]! + grad[base + group.xColumn + i]!;
    if (group.yColumn >= 0 && gRec) for (let i = 0; i < H; i++) gRec[r * H + i] = gRec[r * H + i]! + grad[base + group.yColumn + i]!;
    if (group.biasColumn >= 0) {
      for (const name of group.biasNames) {
        const g = out.get(name)!;
        g[r] = g[r]! + grad[base + group.biasColumn]!;
      }
    }
  }
}

/**
 * Gathers a forward learner's accumulators into the named gradients `out` (zeroed first) and zeroes
 * the accumulators: per layer its presynaptic groups (`grad [G*H, m]`) and neuron parameters
 * (`gradP [nP, H]`), then the readout. Shared by e-prop and HYPR, whose accumulators have the same layout.
 */
export function gatherGradients(
  layers: ReadonlyArray<{ readonly layer: Layer; readonly groups: ReadonlyArray<{ readonly group: PresynapticGroup; readonly grad: RealArray }>; readonly gradP: RealArray }>,
  readout: ReadoutGradient,
  out: Map<string, RealArray>,
): void {
  for (const g of out.values()) g.fill(0);
  for (const { layer, groups, gradP } of layers) {
    for (const g of groups) {
      scatterGroupGradient(layer, g.group, g.grad, out);
      g.grad.fill(0);
    }
    const H = layer.neurons;
    layer.neuronParameterList.forEach((p, q) => {
      const g = out.get(p.name)!;
      for (let j = 0; j < H; j++) g[j] = g[j]! + gradP[q * H + j]!;
    });
    gradP.fill(0);
  }
  readout.addTo(out);
  readout.zero();
}

/**
 * Exact readout gradients: W_out += gradO^T ybar, b_out += sum_b gradO * cbar with the kappa-filtered
 * output ybar_t = kappa ybar_{t-1} + y_t and cbar_t = kappa cbar_{t-1} + 1.
 */
export class ReadoutGradient {
  ybar!: RealArray;
  cbar = 0;
  gradW!: RealArray;
  gradB!: RealArray;
  constructor(
    private readonly fwd: ForwardStep,
  ) {}
  allocate(): void {
    const { batch: B, O } = this.fwd;
    const H = this.fwd.top.H;
    this.ybar = this.fwd.ops.allocate(B * H);
    this.gradW = this.fwd.ops.allocate(O * H);
    this.gradB = this.fwd.ops.allocate(O);
  }
  reset(): void {
    this.ybar.fill(0);
    this.cbar = 0;
  }
  /** After `fwd.forward`: update ybar with this step's output and add this step's readout gradient. */
  step(): void {
    const f = this.fwd;
    const { batch: B, O, kappa } = f;
    const H = f.top.H;
    const y = f.top.output;
    const ybar = this.ybar;
    if (kappa === 0) ybar.set(y.subarray(0, B * H));
    else for (let i = 0; i < B * H; i++) ybar[i] = kappa * ybar[i]! + y[i]!;
    this.cbar = kappa * this.cbar + 1;
    if (!f.lastHadLoss) return;
    const gO = f.gradO;
    f.ops.gemm(true, false, O, H, B, 1, gO, 0, O, ybar, 0, H, 1, this.gradW, 0, H);
    for (let b = 0; b < B; b++) for (let k = 0; k < O; k++) this.gradB[k] = this.gradB[k]! + this.cbar * gO[b * O + k]!;
  }
  addTo(out: Map<string, RealArray>): void {
    const gW = out.get('W_out')!;
    const gB = out.get('b_out')!;
    for (let i = 0; i < gW.length; i++) gW[i] = gW[i]! + this.gradW[i]!;
    for (let i = 0; i < gB.length; i++) gB[i] = gB[i]! + this.gradB[i]!;
  }
  zero(): void {
    this.gradW.fill(0);
    this.gradB.fill(0);
  }
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
    readonly network: Network,
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

  /** Which kernels run the products: 'wasm-simd' (float32 default) or 'typed-array'. */
  get kernels(): string {
    return this.forwardStep.ops.name;
  }
}

export function createEprop(network: Network, sink: GradientSink, options?: Partial<EpropOptions>): EpropLearner {
  return new EpropLearner(network, sink, options);
}

/** Registry entry: `registerRule(eprop)` from @snn/core makes `'eprop'` available by name. */
export const eprop: RuleDefinition<Network, EpropOptions> = {
  kind: 'rule',
  specificationVersion: 'v1',
  name: 'eprop',
  description: 'e-prop: online eligibility traces x immediate learning signal; W_rec y_{t-1} cut, readout leak exact; stacked layers get the immediate spatial signal; memory independent of T',
  requires: { capabilities: ['jacobians'] },
  cadence: 'sequence',
  create: (network, sink, options) => new EpropLearner(network, sink, options),
};
