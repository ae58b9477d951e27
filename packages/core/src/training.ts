import type { GradientSink, LearnerV1, StepInput } from '@snn/protocol';
import { argmaxRows, type SequenceBatch, validateBatch } from './forward';
import type { Network } from './network';
import type { Optimizer } from './optimizers';
import { createLearner } from './registry';

export interface BatchResult {
  /** The vectors' loss of this batch (mean over sequences, summed over masked steps). */
  loss: number;
  /** Sequences whose loss-weighted readout evidence picks the target class. */
  correct: number;
  batch: number;
}

/**
 * Streams a batch of sequences through `learner` step by step (begin, step x T, end), the way an
 * online system would see them. Gradients go wherever the learner's sink sends them.
 */
export function streamBatch(network: Network, learner: LearnerV1, data: SequenceBatch, options: { validate?: boolean } = {}): BatchResult {
  if (options.validate !== false) validateBatch(network, data);
  const { batch: B, steps: T } = data;
  const I = network.inputs;
  const input: StepInput = { x: data.x, offset: 0, rowStride: T * I, targets: data.targets, lossWeight: 1 };
  learner.begin(B);
  for (let t = 0; t < T; t++) {
    input.offset = t * I;
    input.lossWeight = data.lossMask ? data.lossMask[t]! : 1;
    learner.step(input);
  }
  learner.end();
  const predictions = argmaxRows(learner.stats.evidence, B, network.outputs, new Int32Array(B));
  let correct = 0;
  for (let b = 0; b < B; b++) if (predictions[b] === data.targets[b]) correct++;
  return { loss: learner.stats.loss, correct, batch: B };
}

/** A learner whose gradients go straight into `optimizer` (an update at the rule's cadence). */
export function createTrainingLearner(
  rule: string,
  network: Network,
  optimizer: Optimizer,
  ruleOptions?: Record<string, unknown>,
): LearnerV1 {
  const sink: GradientSink = (gradients) => optimizer.step(gradients);
  return createLearner(rule, network, sink, ruleOptions);
}
