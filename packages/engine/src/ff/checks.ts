import type { NetworkV1 } from '@snn/protocol';
import { UnsupportedError } from '@snn/errors';

/**
 * The networks the feed-forward online rules are defined for: every layer feed-forward (no W_rec),
 * each a spiking cell with one state variable, one current block, per-neuron Jacobians, a numeric
 * `alpha` (the trace decay), one input bias and no trainable neuron parameters (LIF). Returns alpha
 * per layer.
 */
export function checkFeedForwardNetwork(rule: string, network: NetworkV1): number[] {
  return network.layers.map((layer, l) => {
    const cell = layer.cell;
    const why =
      layer.recurrentWeights !== null
        ? 'is recurrent; these rules are defined for feed-forward layers (give the layer `recurrent: false`)'
        : !cell.spiking
          ? `has the non-spiking cell "${cell.name}"`
          : cell.stateSize !== 1 || cell.gates !== 1
            ? `has the cell "${cell.name}" with ${cell.stateSize} state variables and ${cell.gates} current blocks; these rules need one of each (LIF)`
            : !cell.capabilities.jacobians || !cell.jacobians
              ? `has the cell "${cell.name}", which gives no per-neuron Jacobians`
              : typeof cell.options.alpha !== 'number'
                ? `has the cell "${cell.name}" without a numeric membrane decay "alpha" (the decay of the traces)`
                : layer.neuronParameterList.length > 0
                  ? `has trainable neuron parameters (${layer.neuronParameterList.map((p) => p.name).join(', ')}), which these rules do not train`
                  : layer.biases.length !== 1 || layer.biases[0]!.adds !== 'input'
                    ? `has ${layer.biases.length} biases; these rules need exactly one input bias`
                    : null;
    if (why) throw new UnsupportedError(`${rule} on layer ${l}`, `layer ${l} ${why}`);
    return cell.options.alpha as number;
  });
}
