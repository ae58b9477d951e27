/**
 * @snn/tbptt: truncated backpropagation through time. The stream is cut into chunks of k steps;
 * inside a chunk plain BPTT, at each chunk start every carried quantity (cell state, previous output,
 * readout state) is detached. Memory is O(k), not O(T). With `emit: 'chunk'` (default) the chunk's
 * gradient goes to the sink as soon as the chunk ends, so an optimizer updates while the stream runs;
 * with k = 1 that is tBPTT1 (Adam with a small learning rate, algorithms.md section 3).
 */
import type { GradientSink, LearnerStats, LearnerV1, NetworkV1, RuleDefinition, StepInput } from '@snn/protocol';
import { InvalidArgumentError, rejectUnknownOptions } from '@snn/errors';
import { checkStepInput } from '@snn/core';
import { BackpropWindow } from '@snn/engine';

export interface TbpttOptions {
  /** Chunk length in steps (>= 1). The last chunk of a sequence may be shorter. */
  k: number;
  /**
   * 'chunk': hand each chunk's gradient to the sink when the chunk ends (online updates).
   * 'sequence': sum the chunk gradients and hand them over once at the end of the sequence.
   */
  emit?: 'chunk' | 'sequence';
  /** Check every step's input for NaN and bad targets. Default true. */
  validateInputs?: boolean;
}

const knownOptions = new Set(['k', 'emit', 'validateInputs']);

export class TbpttLearner implements LearnerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly rule = 'tbptt';
  readonly cadence: 'chunk' | 'sequence';
  readonly k: number;
  private readonly engine: BackpropWindow;
  private readonly validate: boolean;
  private readonly total: Map<string, Float32Array | Float64Array> | null;
  private stepsSeen = 0;
  private lossTotal = 0;

  constructor(
    readonly network: NetworkV1,
    private readonly sink: GradientSink,
    options: TbpttOptions,
  ) {
    rejectUnknownOptions('tbptt', options, knownOptions);
    const k = options?.k;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
      throw new InvalidArgumentError('tbptt option "k"', `the chunk length must be a positive integer, got ${String(k)}`);
    }
    const emit = options.emit ?? 'chunk';
    if (emit !== 'chunk' && emit !== 'sequence') {
      throw new InvalidArgumentError('tbptt option "emit"', `must be 'chunk' or 'sequence', got ${String(emit)}`);
    }
    this.k = k;
    this.cadence = emit;
    this.validate = options.validateInputs ?? true;
    this.engine = new BackpropWindow(network);
    this.total = emit === 'sequence' ? new Map() : null;
  }

  /** Bytes held by the learner: O(k), independent of the sequence length. */
  get memoryBytes(): number {
    return this.engine.memoryBytes;
  }

  /** Which kernels run the products: 'wasm-simd' (float32 default) or 'reference'. */
  get kernels(): string {
    return this.engine.kernels;
  }

  begin(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new InvalidArgumentError('batch', `must be a positive integer, got ${batch}`);
    this.engine.begin(batch);
    this.stepsSeen = 0;
    this.lossTotal = 0;
    if (this.total) for (const g of this.total.values()) g.fill(0);
  }

  step(input: StepInput): void {
    if (this.validate) checkStepInput(input, this.network, this.stepsSeen + 1);
    this.engine.forward(input);
    this.stepsSeen++;
    if (this.engine.steps === this.k) this.flushChunk();
  }

  end(): void {
    if (this.engine.steps > 0) this.flushChunk();
    if (this.total && this.stepsSeen > 0) {
      this.sink(this.total, { step: this.stepsSeen, loss: this.lossTotal, cadence: 'sequence' });
    }
  }

  private flushChunk(): void {
    const chunkLoss = this.engine.lossSum;
    this.lossTotal += chunkLoss;
    const gradients = this.engine.backward(0);
    if (this.total) {
      for (const [name, g] of gradients) {
        let acc = this.total.get(name);
        if (!acc) {
          acc = g instanceof Float64Array ? new Float64Array(g.length) : new Float32Array(g.length);
          this.total.set(name, acc);
        }
        for (let i = 0; i < g.length; i++) acc[i] = acc[i]! + g[i]!;
      }
    } else {
      // The sink may update the weights here; carryOver() re-reads them for the next chunk.
      this.sink(gradients, { step: this.stepsSeen, loss: chunkLoss, cadence: 'chunk' });
    }
    this.engine.carryOver();
  }

  get stats(): LearnerStats {
    return { steps: this.stepsSeen, loss: this.lossTotal + this.engine.lossSum, evidence: this.engine.evidence };
  }
}

export function createTbptt(network: NetworkV1, sink: GradientSink, options: TbpttOptions): TbpttLearner {
  return new TbpttLearner(network, sink, options);
}

/** Registry entry: `registerRule(tbptt)` from @snn/core makes `'tbptt'` available by name. */
export const tbptt: RuleDefinition<NetworkV1, TbpttOptions> = {
  kind: 'rule',
  specificationVersion: 'v1',
  name: 'tbptt',
  description: 'Truncated BPTT: backprop inside chunks of k steps, carried state detached at chunk starts, memory O(k)',
  requires: { capabilities: ['vjp'], outputLayer: true },
  cadence: 'chunk',
  create: (network, sink, options) => new TbpttLearner(network, sink, options as TbpttOptions),
};
