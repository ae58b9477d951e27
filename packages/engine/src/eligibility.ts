/**
 * Forward-mode eligibility over the cells' Jacobian blocks: per presynaptic group the buffers of
 * `eligibilityStep` (@snn/traces), and the scatter of group accumulators into named gradients.
 */
import type { LayerV1, RealArray } from '@snn/protocol';
import type { EligibilityStepArgs } from '@snn/traces';
import { presynapticGroups, type PresynapticGroup } from './presynaptic';
import type { ReadoutGradient } from './readout-gradient';

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
 * `eligibilityStep` accumulates (default: each group's own `grad`). Used by e-prop and HYPR+TBPTT.
 */
export function eligibilityGroups(
  layer: LayerV1,
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

/**
 * Adds group accumulators `[G, H, m]` (rows k*H + j of the stacked weights) into the named gradients.
 * Used by e-prop, HYPR and HYPR+TBPTT.
 */
export function scatterGroupGradient(layer: LayerV1, group: PresynapticGroup, grad: RealArray, out: Map<string, RealArray>): void {
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
  layers: ReadonlyArray<{ readonly layer: LayerV1; readonly groups: ReadonlyArray<{ readonly group: PresynapticGroup; readonly grad: RealArray }>; readonly gradP: RealArray }>,
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
