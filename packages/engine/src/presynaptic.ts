import type { LayerV1, RealArray } from '@snn/protocol';
/**
 * Presynaptic groups: how the columns that feed one layer's currents are laid out for forward-mode
 * eligibility (e-prop, HYPR). One group per current derivative the cell reports.
 */

/**
 * How the presynaptic values of one layer are grouped: a group shares one current derivative
 * (D for the input current, Drec for the split recurrent current of GRU-like cells). Columns of a
 * group: [x (I)] [y_{t-1} (H) when W_rec feeds this current] [1 when a bias feeds it].
 */
export interface PresynapticGroup {
  /** 'input' uses D/CI, 'recurrent' uses Drec/CIrec. */
  readonly kind: 'input' | 'recurrent';
  readonly width: number;
  /** Column of x[0], or -1. */
  readonly xColumn: number;
  /** Column of y_{t-1}[0], or -1. */
  readonly yColumn: number;
  /** Column of the constant 1 (biases), or -1. */
  readonly biasColumn: number;
  /** Names of the biases whose gradient is the bias column. */
  readonly biasNames: readonly string[];
}

export function presynapticGroups(layer: LayerV1): PresynapticGroup[] {
  const split = layer.cell.splitsRecurrentCurrent;
  const I = layer.inputs;
  const H = layer.neurons;
  const recurrent = layer.recurrentWeights !== null;
  const inputBiases = layer.biases.filter((b) => !split || b.adds === 'input').map((b) => b.parameter.name);
  const recBiases = split ? layer.biases.filter((b) => b.adds === 'recurrent').map((b) => b.parameter.name) : [];
  const groups: PresynapticGroup[] = [];
  {
    let w = I;
    const yColumn = !split && recurrent ? w : -1;
    if (yColumn >= 0) w += H;
    const biasColumn = inputBiases.length ? w++ : -1;
    groups.push({ kind: 'input', width: w, xColumn: 0, yColumn, biasColumn, biasNames: inputBiases });
  }
  if (split && (recurrent || recBiases.length)) {
    let w = 0;
    const yColumn = recurrent ? w : -1;
    if (recurrent) w += H;
    const biasColumn = recBiases.length ? w++ : -1;
    groups.push({ kind: 'recurrent', width: w, xColumn: -1, yColumn, biasColumn, biasNames: recBiases });
  }
  return groups;
}

/**
 * Writes one step's presynaptic values of `group` into `pre` (`[B, width]`): the layer input x
 * (`[B, I]`), the previous output y_{t-1} (`[B, H]`) and the constant 1, at the group's columns.
 * The one presynaptic fill every forward-mode rule uses.
 */
export function fillPresynaptic(group: PresynapticGroup, batch: number, inputs: number, neurons: number, x: RealArray, yPrev: RealArray, pre: RealArray): void {
  const m = group.width;
  const I = inputs;
  const H = neurons;
  for (let b = 0; b < batch; b++) {
    const base = b * m;
    if (group.xColumn >= 0) for (let i = 0; i < I; i++) pre[base + group.xColumn + i] = x[b * I + i]!;
    if (group.yColumn >= 0) for (let i = 0; i < H; i++) pre[base + group.yColumn + i] = yPrev[b * H + i]!;
    if (group.biasColumn >= 0) pre[base + group.biasColumn] = 1;
  }
}
