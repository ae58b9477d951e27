import { forwardSequence, type Network, type SequenceBatch } from '@snn/core';

/** Activity of one layer over a batch. */
export interface LayerActivity {
  /** Spikes per neuron per time step (for non-spiking cells: mean |h|). */
  rate: number;
  /** Synaptic operations: spikes times the synapses each one drives (next layer's inputs and, if recurrent, its own), per sequence. */
  sops: number;
}

/**
 * Firing rates and synaptic operations (SOPs) per layer for a batch, from one forward pass. SOPs are what
 * event-driven hardware (and our event-driven kernels) pay: dense frameworks pay for every synapse.
 */
export function spikeStatistics(network: Network, batch: SequenceBatch): { layers: LayerActivity[]; sopsPerSequence: number } {
  const r = forwardSequence(network, batch, { recordOutputs: true });
  const layers: LayerActivity[] = network.layers.map((layer, l) => {
    const out = r.outputs![l]!;
    const H = layer.cell.neurons;
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += Math.abs(out[i]!);
    const fanOut = (l + 1 < network.layers.length ? network.layers[l + 1]!.cell.neurons : network.outputs) + (layer.recurrentWeights ? H : 0);
    return { rate: sum / out.length, sops: (sum / batch.batch) * fanOut };
  });
  return { layers, sopsPerSequence: layers.reduce((a, l) => a + l.sops, 0) };
}
