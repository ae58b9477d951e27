/**
 * The one place where a network's weights are mirrored into a kernel workspace. Kernels read the
 * weights (and their transposes) through these views; the mirrors are re-copied only when the
 * network's `revision` moved. One mirror per (ops, network) pair, shared by everything that runs on
 * those ops (a forward step and a backprop window of one learner copy each weight once).
 */
import type { NetworkV1 } from '@snn/protocol';
import { ownLayerWeights, ownReadoutWeights, type ComputeOps, type LayerWeights, type ReadoutWeights } from '@snn/core';

export class WeightMirror {
  /** Per layer: W_in, W_in^T, W_rec, W_rec^T as the kernels see them. */
  readonly layers: LayerWeights[];
  /** W_out and W_out^T as the kernels see them. */
  readonly readout: ReadoutWeights;
  private mirroredRevision: number;

  constructor(
    readonly network: NetworkV1,
    readonly ops: ComputeOps,
  ) {
    network.refreshCaches();
    this.layers = network.layers.map((layer) => {
      const own = ownLayerWeights(layer);
      return {
        inputT: ops.mirror(own.inputT),
        input: ops.mirror(own.input),
        recurrentT: own.recurrentT && ops.mirror(own.recurrentT),
        recurrent: own.recurrent && ops.mirror(own.recurrent),
      };
    });
    const r = ownReadoutWeights(network.readout);
    this.readout = { weights: ops.mirror(r.weights), weightsT: ops.mirror(r.weightsT) };
    this.mirroredRevision = network.revision;
  }

  /** Makes the transposes and the mirrors current (nothing is copied when the weights did not change). */
  refresh(): void {
    const net = this.network;
    if (this.mirroredRevision === net.revision) return;
    net.refreshCaches();
    const ops = this.ops;
    for (const layer of net.layers) {
      const own = ownLayerWeights(layer);
      for (const w of [own.inputT, own.input, own.recurrentT, own.recurrent]) if (w) ops.refreshMirror(w);
    }
    const r = ownReadoutWeights(net.readout);
    ops.refreshMirror(r.weights);
    ops.refreshMirror(r.weightsT);
    this.mirroredRevision = net.revision;
  }
}

const shared = new WeakMap<ComputeOps, WeakMap<NetworkV1, WeightMirror>>();

/** The mirror of `network`'s weights on `ops`, created on first use and shared afterwards. */
export function weightMirror(network: NetworkV1, ops: ComputeOps): WeightMirror {
  let byNetwork = shared.get(ops);
  if (!byNetwork) shared.set(ops, (byNetwork = new WeakMap()));
  let mirror = byNetwork.get(network);
  if (!mirror) byNetwork.set(network, (mirror = new WeightMirror(network, ops)));
  mirror.refresh();
  return mirror;
}
