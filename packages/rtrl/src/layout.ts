import type { LayerV1, NetworkV1 } from '@snn/protocol';

/** Where a layer's parameters sit in the flat parameter axis of the influence tensor. */
export interface LayerColumns {
  inputWeights: number;
  recurrentWeights: number;
  /** One column offset per bias, in the layer's bias order. */
  biases: number[];
  /** One column offset per neuron parameter, in the cell's order. */
  neuronParams: number[];
}

/** The flat parameter axis: every layer parameter of the network (the readout is handled apart). */
export interface ParameterLayout {
  columns: LayerColumns[];
  /** Total number of layer parameters, the influence tensor's second axis. */
  size: number;
}

export function parameterLayout(network: NetworkV1): ParameterLayout {
  let offset = 0;
  const take = (n: number) => {
    const o = offset;
    offset += n;
    return o;
  };
  const columns = network.layers.map((layer: LayerV1) => ({
    inputWeights: take(layer.inputWeights.data.length),
    recurrentWeights: layer.recurrentWeights ? take(layer.recurrentWeights.data.length) : -1,
    biases: layer.biases.map((b) => take(b.parameter.data.length)),
    neuronParams: layer.neuronParameterList.map((p) => take(p.data.length)),
  }));
  return { columns, size: offset };
}

/**
 * Bytes the exact influence needs for a batch: per sequence and layer, d s / d theta (`[d H, P]`,
 * twice: previous and current), d y / d theta (`[H, P]`, twice), the current derivatives
 * (`[G H, P]`, twice for cells that split currents), and the readout-filtered top influence `[H, P]`.
 */
export function influenceBytes(network: NetworkV1, batch: number): number {
  const P = parameterLayout(network).size;
  const bytesPer = network.dtype === 'float64' ? 8 : 4;
  let values = 0;
  for (const layer of network.layers) {
    const H = layer.neurons;
    const d = layer.cell.stateSize;
    const GH = layer.gates * H;
    values += (2 * d * H + 2 * H + (layer.cell.splitsRecurrentCurrent ? 2 : 1) * GH) * P;
  }
  values += network.layers[network.layers.length - 1]!.neurons * P;
  return values * batch * bytesPer;
}
