/**
 * Presynaptic groups: how the columns that feed one layer's currents are laid out for forward-mode
 * eligibility (e-prop, HYPR). One group per current derivative the cell reports.
 */
import type { Layer } from '@snn/core';

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

export function presynapticGroups(layer: Layer): PresynapticGroup[] {
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
