import type { GradientEvent, Gradients, GradientSink, NetworkV1, RealArray } from '@snn/protocol';
import { allocate } from './dtype';

/** Zeroed gradient buffers for every parameter of `network`, by name. */
export function createGradients(network: NetworkV1): Map<string, RealArray> {
  return new Map(network.parameters().map((p) => [p.name, allocate(network.dtype, p.data.length)]));
}

export function zeroGradients(gradients: Gradients): void {
  for (const g of gradients.values()) g.fill(0);
}

/**
 * A sink that sums every gradient it receives (weights fixed): what the vectors check, and a way to
 * accumulate over several batches before one update.
 */
export function createAccumulatingSink(network: NetworkV1): GradientSink & {
  readonly total: Map<string, RealArray>;
  readonly events: GradientEvent[];
  reset(): void;
} {
  const total = createGradients(network);
  const events: GradientEvent[] = [];
  const sink = (gradients: Gradients, event: GradientEvent) => {
    for (const [name, g] of gradients) {
      const acc = total.get(name)!;
      for (let i = 0; i < g.length; i++) acc[i] = acc[i]! + g[i]!;
    }
    events.push(event);
  };
  return Object.assign(sink, {
    total,
    events,
    reset() {
      zeroGradients(total);
      events.length = 0;
    },
  });
}
