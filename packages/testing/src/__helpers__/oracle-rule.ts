import type { Gradients, LearnerV1, RealArray, RuleDefinition } from '@snn/protocol';
import { forwardSequence, type Network } from '@snn/core';
import { finiteDifferenceGradients } from '../finite-differences';

export interface OracleFaults {
  /** Scale one parameter's gradient (a wrong gradient path). */
  scale?: { parameter: string; by: number };
  /** Report a loss that is not the forward pass's. */
  wrongLoss?: boolean;
  /** Keep the steps of earlier batches (begin does not reset). */
  noReset?: boolean;
}

/**
 * A rule whose gradient is the finite-difference gradient of the sequence loss: exact on smooth cells,
 * so it serves as a known-good rule in the kit's own tests, and with `faults` as a known-bad one.
 */
export function oracleRule(name: string, faults: OracleFaults = {}): RuleDefinition<Network> {
  return {
    kind: 'rule',
    specificationVersion: 'v1',
    name,
    description: 'finite differences of the loss (test only)',
    requires: { capabilities: [] },
    cadence: 'sequence',
    create(network, sink): LearnerV1 {
      const I = network.inputs;
      let B = 0;
      let xs: number[] = [];
      let masks: number[] = [];
      let targets: Int32Array = new Int32Array(0);
      const stats = { steps: 0, loss: 0, evidence: new Float64Array(0) as RealArray };
      return {
        specificationVersion: 'v1',
        rule: name,
        cadence: 'sequence',
        begin(batch) {
          B = batch;
          if (!faults.noReset) {
            xs = [];
            masks = [];
          }
        },
        step(input) {
          for (let b = 0; b < B; b++) for (let i = 0; i < I; i++) xs.push(input.x[input.offset + b * input.rowStride + i]!);
          masks.push(input.lossWeight);
          targets = input.targets;
        },
        end() {
          const T = Math.floor(xs.length / (B * I));
          const x = new Float64Array(B * T * I);
          const off = xs.length - B * T * I;
          // xs is [T, B, I]; the batch format is [B, T, I].
          for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let i = 0; i < I; i++) x[(b * T + t) * I + i] = xs[off + (t * B + b) * I + i]!;
          const data = { x, batch: B, steps: T, targets, lossMask: masks.slice(masks.length - T) };
          const g = finiteDifferenceGradients(network, data, { epsilon: 1e-6 }) as Map<string, RealArray>;
          if (faults.scale) {
            const v = g.get(faults.scale.parameter)!;
            for (let i = 0; i < v.length; i++) v[i] = v[i]! * faults.scale.by;
          }
          const f = forwardSequence(network, data, { validate: false });
          stats.loss = faults.wrongLoss ? f.loss * 1.1 : f.loss;
          stats.evidence = f.evidence;
          stats.steps = T;
          sink(g as Gradients, { step: T, loss: stats.loss, cadence: 'sequence' });
        },
        stats,
      };
    },
  };
}
