import type { RealArray } from '@snn/protocol';

/** Sizes a layer rule allocates its traces for. */
export interface LayerRuleDims {
  batch: number;
  /** H, neurons of the layer. */
  neurons: number;
  /** m, inputs of the layer (the layer below's neurons, or the network inputs). */
  inputs: number;
  /** The decay of every trace (the cell's membrane decay alpha). */
  alpha: number;
  allocate(n: number): RealArray;
}

/**
 * What one layer's forward step hands its rule, `[B, ...]` per sequence, valid during `update`:
 * - `pre [B, m]`: the layer's input at step t;
 * - `psi [B, H]`: dz_t/du_t (the cell's C), the surrogate derivative;
 * - `leak [B, H]`: du_t/du_{t-1} with the reset through the neuron's own z_{t-1} (the cell's J);
 * - `gain [B, H]`: du_t/dI_t (the cell's D; 1 for LIF).
 */
export interface LayerStepView {
  pre: RealArray;
  psi: RealArray;
  leak: RealArray;
  gain: RealArray;
}

/**
 * The traces and the per-step contribution of one layer of a feed-forward online rule. The driver
 * calls `begin` per batch, `update` after the layer's forward of every step, and `contribute` in the
 * top-down pass (only at steps whose loss weight is nonzero; `update` runs at every step).
 */
export interface LayerRule {
  readonly name: string;
  /** Start new sequences: every trace zero. */
  begin(): void;
  /** Folds step t's values into the traces (the traces used at step t include pre_t and psi_t). */
  update(view: LayerStepView): void;
  /**
   * With `g [B, H]` the cotangent of the layer's spikes z_t, adds the step's contribution to
   * `gradW [H, m]` and `gradB [H]` (summed over the batch) and writes `q [B, H]`, the factor the driver
   * sends down as `(g * q) W`.
   */
  contribute(g: RealArray, gradW: RealArray, gradB: RealArray, q: RealArray): void;
  /** Bytes of the traces this layer keeps (independent of the sequence length). */
  readonly memoryBytes: number;
}

/** Makes a layer's rule for its sizes. */
export type LayerRuleFactory = (dims: LayerRuleDims) => LayerRule;
