// Trains an LIF recurrent SNN with BPTT on Randman, from code rather than the CLI.
// `node src/train-lif.mjs` (add --quick for a 1-epoch smoke run).
import { createAdam, createNetwork, createTrainingLearner, forwardSequence, registerCell, registerRule, streamBatch } from '@snn/core';
import { batches, createRandman, splitDataset } from '@snn/datasets';
import { lif } from '@snn/lif';
import { bptt } from '@snn/bptt';

registerCell(lif);
registerRule(bptt);

const quick = process.argv.includes('--quick');
const data = createRandman({ seed: 1, samplesPerClass: quick ? 20 : 200 });
const [train, test] = splitDataset(data, [0.8, 0.2], 1);
const network = createNetwork(
  { inputs: data.inputs, outputs: data.classes, layers: [{ cell: 'lif', neurons: 128 }], readout: { kappa: 0.9 } },
  { seed: 1, init: { inputScale: 3, recurrentScale: 0.5 } },
);
const adam = createAdam(network.parameters(), { learningRate: 2e-3, maxNorm: 10 }, () => network.markUpdated());
const learner = createTrainingLearner('bptt', network, adam);
const lossMask = Array.from({ length: data.steps }, (_, t) => (t >= data.steps / 2 ? 1 : 0));

for (let epoch = 1; epoch <= (quick ? 1 : 10); epoch++) {
  for (const batch of batches(train, 32, { shuffle: true, seed: epoch })) {
    streamBatch(network, learner, { x: batch.x, batch: batch.size, steps: data.steps, targets: batch.labels, lossMask });
  }
  let correct = 0;
  for (const batch of batches(test, 100)) {
    const r = forwardSequence(network, { x: batch.x, batch: batch.size, steps: data.steps, targets: batch.labels, lossMask });
    r.predictions.forEach((p, i) => (correct += p === batch.labels[i] ? 1 : 0));
  }
  console.log(`epoch ${epoch}: test accuracy ${((100 * correct) / test.size).toFixed(1)}%`);
}
