// Trains a recurrent network of user-defined AdQIF neurons with BPTT on Randman.
// `node src/train-aqif.mjs` (add --quick for a 1-epoch smoke run).
import { createAdam, createNetwork, createTrainingLearner, forwardSequence, registerCell, registerRule, streamBatch } from '@snn/core';
import { batches, createRandman, splitDataset } from '@snn/datasets';
import { bptt } from '@snn/bptt';
import { aqif } from './aqif.mjs';

registerCell(aqif);
registerRule(bptt);

const quick = process.argv.includes('--quick');
const data = createRandman({ seed: 1, samplesPerClass: quick ? 20 : 200 });
const [train, test] = splitDataset(data, [0.8, 0.2], 1);
const network = createNetwork(
  { inputs: data.inputs, outputs: data.classes, layers: [{ cell: 'aqif', neurons: 128 }], readout: { kappa: 0.9 } },
  { seed: 1, init: { inputScale: 3, recurrentScale: 0.5 } },
);
const adam = createAdam(network.parameters(), { learningRate: 5e-3, maxNorm: 10 }, () => network.markUpdated());
const learner = createTrainingLearner('bptt', network, adam);
const lossMask = Array.from({ length: data.steps }, (_, t) => (t >= data.steps / 2 ? 1 : 0));

for (let epoch = 1; epoch <= (quick ? 1 : 15); epoch++) {
  const start = Date.now();
  let loss = 0;
  let n = 0;
  for (const batch of batches(train, 32, { shuffle: true, seed: epoch })) {
    const r = streamBatch(network, learner, { x: batch.x, batch: batch.size, steps: data.steps, targets: batch.labels, lossMask });
    loss += r.loss;
    n++;
  }
  let correct = 0;
  let spikes = 0;
  for (const batch of batches(test, 100)) {
    const r = forwardSequence(network, { x: batch.x, batch: batch.size, steps: data.steps, targets: batch.labels, lossMask }, { recordOutputs: true });
    r.predictions.forEach((p, i) => (correct += p === batch.labels[i] ? 1 : 0));
    for (const v of r.outputs[0]) spikes += v;
  }
  const rate = spikes / (test.size * data.steps * 128);
  console.log(
    `epoch ${epoch}: train loss ${(loss / n).toFixed(3)}, test accuracy ${((100 * correct) / test.size).toFixed(1)}%, ` +
      `spike rate ${(100 * rate).toFixed(1)}% (${((Date.now() - start) / 1000).toFixed(1)} s)`,
  );
}
