import { createAccumulatingSink, createLearner, createNetwork, registerCell, registerRule, streamBatch } from '@snn/core';
import { lif } from '@snn/lif';
import { otpeRules } from '@snn/otpe';

registerCell(lif);
for (const rule of otpeRules) registerRule(rule);
const cellOptions = { alpha: 0.9525741268224334, theta: 1, surrogate: { name: 'fast-sigmoid', slope: 25 } };
// The paper's network: feed-forward LIF layers; the top layer (3 neurons) is the output layer.
const network = createNetwork(
  {
    inputs: 4,
    outputs: 3,
    layers: [16, 16, 3].map((neurons) => ({ cell: 'lif', neurons, recurrent: false, cellOptions })),
    output: { kind: 'spikes' }, // F- variants: { kind: 'leaky-sum', kappa: 0.9525741268224334 }
  },
  { dtype: 'float32', init: { inputScale: 3 } },
);
const sink = createAccumulatingSink(network);
const learner = createLearner('otpe', network, sink); // or 'approx-otpe'; emit: 'step' for online updates
const x = new Float32Array(2 * 30 * 4).map((_, i) => (i % 3 === 0 ? 1 : 0));
streamBatch(network, learner, { x, batch: 2, steps: 30, targets: new Int32Array([0, 2]) });
console.log([...sink.total.keys()], 'trace bytes', learner.memoryBytes);
