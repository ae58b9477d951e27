/**
 * @snn/protocol: the Cell / Learner protocol, types only.
 *
 * Layout conventions shared by every implementation (all arrays row-major, last index fastest):
 * - a layer has H neurons and G current blocks per neuron (1 for spiking cells, 4 for LSTM, 3 for GRU);
 *   currents are `[B, G*H]`, gate k of neuron h at column `k*H + h`;
 * - a cell's state is d planes `[d, B, H]` (plane k holds state variable k for the whole batch), so a
 *   state variable of a whole batch is one contiguous block that loops can stream through;
 * - outputs y (spikes z, or h for LSTM/GRU) are `[B, H]`;
 * - neuron-wise parameters are `[H]` vectors, weights are owned by the layer, not the cell.
 */

export type RealArray = Float32Array | Float64Array;
export type DType = 'float32' | 'float64';

/** What a cell can compute besides its forward step. Rules state what they need from this list. */
export interface CellCapabilities {
  /** `vjp`: the vector-Jacobian product of one step (backprop through time). */
  readonly vjp: boolean;
  /** `jacobians`: the per-neuron blocks J, D, C, C^I, P that forward-mode rules (e-prop, HYPR, RTRL, OSTL) need. */
  readonly jacobians: boolean;
  /** J is diagonal (d = 1 cells, or cells whose state variables do not mix): cheaper eligibility traces. */
  readonly diagonalJacobian: boolean;
}
export type CellCapability = keyof CellCapabilities;

/** A bias vector of the layer, `[G*H]`, added to the input or to the recurrent current. */
export interface BiasSpec {
  readonly name: string;
  /** 'input': added to W_in x; 'recurrent': added to W_rec y (only for cells with `splitsRecurrentCurrent`). */
  readonly adds: 'input' | 'recurrent';
}

/** A trainable neuron-wise parameter `[H]`. */
export interface NeuronParameterSpec {
  readonly name: string;
  readonly description: string;
}

/**
 * Arguments of one forward step. Callers allocate one of these and update its fields each step,
 * so no object is created per step. Planes and offsets: see the module comment.
 */
export interface CellStepArgs {
  batch: number;
  /** `[B, G*H]`: W_in x_t + input biases; when the cell does not split currents, also + W_rec y_{t-1}. */
  inputCurrent: RealArray;
  /** `[B, G*H]`: W_rec y_{t-1} + recurrent biases, only for cells with `splitsRecurrentCurrent`; else unused. */
  recurrentCurrent: RealArray | null;
  /** `[d, B, H]` state s_{t-1} (zeros at t = 1). */
  prevState: RealArray;
  /** `[B, H]` output y_{t-1} (zeros at t = 1). */
  prevOutput: RealArray;
  /** `[d, B, H]` written: s_t. */
  state: RealArray;
  /** `[B, H]` written: y_t. */
  output: RealArray;
  /** `[tapeSize, B, H]` written: whatever the cell's vjp/jacobians want saved from this step. */
  tape: RealArray;
  /** Neuron-wise parameters by name, each `[H]`. */
  params: Readonly<Record<string, RealArray>>;
}

/**
 * Arguments of the VJP of one step: s_t = F(s_{t-1}, y_{t-1}, I_t; p), y_t = G(s_t, I_t; p).
 * `y_{t-1}` here is only the neuron's own use of its previous output (e.g. LIF reset); the W_rec path is
 * the layer's business.
 */
export interface CellVjpArgs extends CellStepArgs {
  /** `[d, B, H]` in: dL/ds_t through s_{t+1} only (not through y_t). */
  gradState: RealArray;
  /** `[B, H]` in: total dL/dy_t. */
  gradOutput: RealArray;
  /** `[d, B, H]` out (overwritten): dL/ds_{t-1} through this step. */
  gradPrevState: RealArray;
  /** `[B, H]` out (ACCUMULATED into): dL/dy_{t-1} through the neuron's own use of it. */
  gradPrevOutput: RealArray;
  /** `[B, G*H]` out (overwritten): dL/dI_t (the input current, and the summed current when not split). */
  gradInputCurrent: RealArray;
  /** `[B, G*H]` out (overwritten) for cells with `splitsRecurrentCurrent`: dL/d(recurrent current). */
  gradRecurrentCurrent: RealArray | null;
  /** Out (ACCUMULATED into, summed over the batch): dL/dp for each neuron parameter, `[H]`. */
  gradParams: Readonly<Record<string, RealArray>>;
}

/**
 * Per-neuron derivative blocks of one step for forward-mode rules, evaluated at the values the forward
 * step used (same inputs as `CellStepArgs`; `state`, `output` and `tape` hold the step's results).
 * Shapes per batch element b and neuron h, stored `[B, H, ...]`:
 * - J  `[B, H, d, d]`: ds_t/ds_{t-1} with W_rec y_{t-1} held fixed, every neuron-internal path kept
 *   (including the neuron's own y_{t-1}, e.g. the LIF reset): J = dF/ds + dF/dy_{t-1} C_{t-1}.
 * - D  `[B, H, d, G]`: ds_t/dI_t (the input current; or the summed current when not split).
 * - Drec `[B, H, d, G]`: ds_t/d(recurrent current), only for cells that split currents.
 * - C  `[B, H, d]`: dy_t/ds_t (for spikes: contains the surrogate psi).
 * - CI `[B, H, G]`: dy_t/dI_t direct (LSTM output gate), zero for spiking cells.
 * - CIrec `[B, H, G]`: dy_t/d(recurrent current) direct, only for cells that split currents.
 * - P  `[B, H, d, nP]`: ds_t/dp with s_{t-1} held fixed, p the neuron parameters in `neuronParameters`
 *   order; like J it includes the neuron's own y_{t-1}: P = dF/dp + dF/dy_{t-1} CP_{t-1}.
 * - CP `[B, H, nP]`: dy_t/dp direct.
 */
export interface CellJacobianArgs extends CellStepArgs {
  J: RealArray;
  D: RealArray;
  Drec: RealArray | null;
  C: RealArray;
  CI: RealArray;
  CIrec: RealArray | null;
  P: RealArray;
  CP: RealArray;
}

/** One layer's neuron dynamics: H neurons sharing scalar constants, with neuron-wise parameters. */
export interface CellV1 {
  readonly specificationVersion: 'v1';
  /** Registry name, e.g. 'lif'. */
  readonly name: string;
  /** H. */
  readonly neurons: number;
  /** d, the number of state variables per neuron. */
  readonly stateSize: number;
  /** Names of the d state variables, e.g. ['membrane'], for plots and checkpoints. */
  readonly stateNames: readonly string[];
  /** G, current blocks per neuron. */
  readonly gates: number;
  /** True when outputs are spikes in {0, 1}: products with them are event-driven. */
  readonly spiking: boolean;
  /** True when the cell needs the recurrent current separately from the input current (GRU). */
  readonly splitsRecurrentCurrent: boolean;
  readonly biases: readonly BiasSpec[];
  readonly neuronParameters: readonly NeuronParameterSpec[];
  /** Values saved per neuron per step for vjp/jacobians. */
  readonly tapeSize: number;
  readonly capabilities: CellCapabilities;
  /** Scalar constants of the cell (alpha, theta, ...) and the surrogate, as given, for checkpoints. */
  readonly options: Readonly<Record<string, unknown>>;

  step(args: CellStepArgs): void;
  vjp?(args: CellVjpArgs): void;
  jacobians?(args: CellJacobianArgs): void;
  /**
   * Projects the trainable neuron parameters back into their valid range after an update (the
   * reference codes clamp e.g. SE-adLIF's time constants after every optimizer step). Called by the
   * network whenever weights were updated; cells without constraints leave it out.
   */
  constrainNeuronParameters?(params: Readonly<Record<string, RealArray>>): void;
  /** Initial values of the neuron parameters, `[H]` each, drawn from `random` (a function giving U[0,1)). */
  initNeuronParameters?(dtype: DType, random: () => number): Record<string, RealArray>;
}

/** A registry entry that makes cells. Plugins export one of these. */
export interface CellDefinition<Options = Record<string, unknown>> {
  readonly kind: 'cell';
  readonly specificationVersion: 'v1';
  readonly name: string;
  readonly description: string;
  readonly capabilities: CellCapabilities;
  /** Options for the cell constants and surrogate; unknown keys must be rejected. */
  create(neurons: number, options?: Partial<Options>): CellV1;
}

/** When a learner hands gradients out. */
export type Cadence = 'step' | 'chunk' | 'sequence';

/** A parameter of a network: name (vectors.md naming, e.g. 'W_in', 'l1.W_rec'), shape and values. */
export interface Parameter {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: RealArray;
}

/** A bias of a layer and the current it adds to (`'recurrent'` only for cells that split currents). */
export interface LayerBiasV1 {
  readonly adds: 'input' | 'recurrent';
  readonly parameter: Parameter;
}

/**
 * One layer of a network as a rule sees it. Weights are stacked per gate, rows post-synaptic:
 * `inputWeights [G*H, I]`, `recurrentWeights [G*H, H]`. The transposes are kernel views kept by the
 * network: valid after `NetworkV1.refreshCaches()`, never written by rules.
 */
export interface LayerV1 {
  /** Position in the stack, 0 = bottom. */
  readonly index: number;
  readonly cell: CellV1;
  /** Inputs of the layer: the network inputs (layer 0) or the neurons of the layer below. */
  readonly inputs: number;
  readonly neurons: number;
  readonly gates: number;
  readonly inputWeights: Parameter;
  readonly recurrentWeights: Parameter | null;
  readonly biases: ReadonlyArray<LayerBiasV1>;
  /** Neuron-wise parameters `[H]` by the cell's short name (views of `neuronParameterList`' data). */
  readonly neuronParams: Readonly<Record<string, RealArray>>;
  readonly neuronParameterList: readonly Parameter[];
  /** W_in transposed `[I, G*H]`. */
  readonly inputWeightsT: RealArray;
  /** W_rec transposed `[H, G*H]`. */
  readonly recurrentWeightsT: RealArray | null;
  /** Every trainable parameter of the layer. */
  parameters(): Parameter[];
}

/**
 * The readout o_t = kappa o_{t-1} + W_out y_t + b_out over the top layer. In the output-layer form
 * (`NetworkV1.outputKind !== 'readout'`) W_out is the fixed identity, b_out zero, `trainable` false.
 */
export interface ReadoutV1 {
  readonly inputs: number;
  readonly outputs: number;
  readonly kappa: number;
  readonly trainable: boolean;
  /** W_out `[O, H]`. */
  readonly weights: Parameter;
  /** b_out `[O]`. */
  readonly bias: Parameter;
  /** W_out transposed `[H, O]`, valid after `NetworkV1.refreshCaches()`. */
  readonly weightsT: RealArray;
}

/**
 * What a learning rule may read and use of a network: its layers and cells, parameters by name, the
 * weight views and their transposes, the update revision and the output form. Rules and the engine
 * are typed against this, so any network implementation that satisfies it can be trained.
 */
export interface NetworkV1 {
  readonly dtype: DType;
  readonly inputs: number;
  readonly outputs: number;
  readonly layers: readonly LayerV1[];
  readonly readout: ReadoutV1;
  /** 'readout' (leaky-integrator readout), or the kind of the output-layer form. */
  readonly outputKind: 'readout' | 'spikes' | 'leaky-sum';
  /** Increases whenever weights change: kernels re-copy their weight mirrors when it moved. */
  readonly revision: number;
  /** Every trainable parameter, bottom layer first, readout last (none in the output-layer form). */
  parameters(): Parameter[];
  /** The parameter `name` (a typed error lists the valid names). */
  parameter(name: string): Parameter;
  /** Makes the transposed weight views current (cheap when nothing changed since the last call). */
  refreshCaches(): void;
  /** Call after changing weights in place: constrains neuron parameters and moves `revision`. */
  markUpdated(): void;
}

/** Gradients by parameter name, same shapes as the parameters. */
export type Gradients = ReadonlyMap<string, RealArray>;

export interface GradientEvent {
  /** Time steps consumed since the sequences began. */
  readonly step: number;
  /** Sum of the masked losses that these gradients belong to (per the vectors' loss, averaged over the batch). */
  readonly loss: number;
  readonly cadence: Cadence;
}

/** Called by a learner whenever it has gradients (at its cadence); apply an update or accumulate. */
export type GradientSink = (gradients: Gradients, event: GradientEvent) => void;

/**
 * One time step of a batch of streams. Callers reuse one object; `x` may be a slice of a larger
 * `[B, T, I]` array: row b of this step starts at `offset + b * rowStride`.
 */
export interface StepInput {
  x: RealArray;
  offset: number;
  rowStride: number;
  /** Class index per sequence `[B]`. */
  targets: Int32Array;
  /** Weight of this step's loss (0 = no loss at this step). */
  lossWeight: number;
}

/** Running statistics a learner keeps for the current sequences. */
export interface LearnerStats {
  /** Steps consumed. */
  readonly steps: number;
  /** Masked loss summed over steps (averaged over the batch). */
  readonly loss: number;
  /** `[B, O]`: the loss-weighted sum of readout outputs so far, argmax is the predicted class. */
  readonly evidence: RealArray;
}

/**
 * A learning rule bound to a network. It consumes a stream step by step, keeps only the memory its
 * rule needs, and hands gradients to `sink` at its cadence (per step, per chunk of k, per sequence).
 */
export interface LearnerV1 {
  readonly specificationVersion: 'v1';
  /** Rule name, e.g. 'bptt'. */
  readonly rule: string;
  readonly cadence: Cadence;
  /** Start new sequences (all states zero) for a batch of B streams. */
  begin(batch: number): void;
  /** Consume one time step. */
  step(input: StepInput): void;
  /** The sequences ended: flush any pending gradient to the sink. */
  end(): void;
  readonly stats: LearnerStats;
  /**
   * Learners that keep state from one batch to the next (a running average of the weights, a schedule)
   * return it here, so that a checkpoint taken between batches can continue exactly. Optional: a learner
   * whose `begin` starts from nothing has no such state.
   */
  exportState?(): Record<string, RealArray | number>;
  /** Restores `exportState` output (between batches, before the next `begin`). */
  importState?(state: Record<string, RealArray | number>): void;
}

/** What a rule asks of the cells it trains. */
export interface RuleRequirements {
  readonly capabilities: readonly CellCapability[];
  /** Rules for single recurrent layers only (e.g. e-prop as specified) set this to 1. */
  readonly maxLayers?: number;
  /**
   * True for rules that train the output-layer form (a spiking top layer carries the loss, no trained
   * readout: `NetworkSpec.output` in @snn/core). Other rules are refused such networks with a typed error.
   */
  readonly outputLayer?: boolean;
}

/** A registry entry that makes learners. Plugins export one of these. */
export interface RuleDefinition<Network = NetworkV1, Options = Record<string, unknown>> {
  readonly kind: 'rule';
  readonly specificationVersion: 'v1';
  readonly name: string;
  readonly description: string;
  readonly requires: RuleRequirements;
  readonly cadence: Cadence;
  create(network: Network, sink: GradientSink, options?: Partial<Options>): LearnerV1;
}
