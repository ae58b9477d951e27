import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deserializeNetwork, serializeNetwork, type CheckpointDocument, type Network, type Optimizer, type OptimizerState } from '@snn/core';
import type { DType, LearnerV1, RealArray } from '@snn/protocol';
import { CheckpointError, SnnError } from '@snn/errors';
import { writeFileAtomic } from './atomic-write';

/** A typed array as JSON: dtype and little-endian bytes, base64. */
interface EncodedArray {
  dtype: DType;
  data: string;
}

function encode(a: RealArray): EncodedArray {
  return { dtype: a instanceof Float64Array ? 'float64' : 'float32', data: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
}

function decode(e: EncodedArray, where: string, file: string): RealArray {
  if (!e || (e.dtype !== 'float32' && e.dtype !== 'float64') || typeof e.data !== 'string') throw new CheckpointError(file, `${where} is not an encoded array`);
  const bytes = new Uint8Array(Buffer.from(e.data, 'base64'));
  const width = e.dtype === 'float64' ? 8 : 4;
  if (bytes.length % width !== 0) throw new CheckpointError(file, `${where} holds ${bytes.length} bytes, not a whole number of ${e.dtype} values`);
  return e.dtype === 'float64' ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
}

/** Where a run stands: epochs done, batches done in the next epoch, and that epoch's running sums. */
export interface RunPosition {
  /** Epochs completed. */
  epoch: number;
  /** Batches completed of epoch `epoch + 1` (0 at an epoch boundary). */
  batch: number;
  /** Running sums of that partial epoch (loss times batch size, correct predictions, sequences seen). */
  lossSum: number;
  correct: number;
  seen: number;
}

/** Everything beyond the weights that a run needs to continue exactly. */
export interface TrainingState<Config = Record<string, unknown>, Metrics = Record<string, unknown>> {
  format: 'snn-training-state';
  version: 1;
  /** The run's configuration (what decides its numbers; not where it is written). */
  config: Config;
  position: RunPosition;
  optimizer: OptimizerState;
  /** State a learner keeps between batches (`LearnerV1.exportState`), if any. */
  learner?: Record<string, RealArray | number>;
  /**
   * Random generators: the data order of epoch e is drawn from a generator seeded with `dataOrderSeed(e)`
   * (see the trainer), so its state is fully given by the epoch and the batches already taken; the
   * initialisation's generator is spent once the weights exist.
   */
  random: { dataOrder: { seed: number; startBatch: number } };
  /** Per-epoch metrics so far, without wall-clock fields (those stay in metrics.jsonl). */
  metrics: Metrics[];
  /** The best epoch so far (its weights are in best.json). */
  best?: { epoch: number; test_accuracy: number };
}

interface StoredTrainingState extends Omit<TrainingState, 'optimizer' | 'learner'> {
  optimizer: { name: string; step: number; slots: Record<string, EncodedArray[]> };
  learner?: Record<string, EncodedArray | number>;
}

/** A checkpoint file: an @snn/core checkpoint (weights, spec) plus the training state, and a checksum. */
export interface TrainingCheckpointDocument extends CheckpointDocument {
  training: StoredTrainingState;
  checksum: string;
}

const CHECKSUM_KEY = ',"checksum":"sha256:';

/**
 * The file text: the JSON of the document with a last field `checksum`, the SHA-256 of everything before
 * it (plus the closing brace). A truncated file fails to parse; a changed one fails the checksum.
 */
function withChecksum(body: string): string {
  const hash = createHash('sha256').update(body).digest('hex');
  return `${body.slice(0, -1)}${CHECKSUM_KEY}${hash}"}`;
}

function verifyChecksum(text: string, file: string): void {
  const at = text.lastIndexOf(CHECKSUM_KEY);
  if (at < 0) throw new CheckpointError(file, 'has no checksum: it was not written by snn train (or was edited); refusing to resume from it');
  const body = text.slice(0, at) + '}';
  const stored = text.slice(at + CHECKSUM_KEY.length, text.length - 2);
  const actual = createHash('sha256').update(body).digest('hex');
  if (stored !== actual) throw new CheckpointError(file, `is corrupt: its checksum is sha256:${stored}, its content hashes to sha256:${actual}`);
}

/** Serialises network, optimizer, learner and position into checkpoint text (deterministic: no clocks). */
export function encodeTrainingCheckpoint(network: Network, optimizer: Optimizer, learner: LearnerV1 | undefined, state: Omit<TrainingState, 'format' | 'version' | 'optimizer' | 'learner'>): string {
  const optimizerState = optimizer.exportState();
  const slots: Record<string, EncodedArray[]> = {};
  for (const [name, buffers] of Object.entries(optimizerState.slots)) slots[name] = buffers.map(encode);
  const learnerState = learner?.exportState?.();
  const training: StoredTrainingState = {
    format: 'snn-training-state',
    version: 1,
    config: state.config,
    position: state.position,
    optimizer: { name: optimizerState.name, step: optimizerState.step, slots },
    ...(learnerState ? { learner: Object.fromEntries(Object.entries(learnerState).map(([k, v]) => [k, typeof v === 'number' ? v : encode(v)])) } : {}),
    random: state.random,
    metrics: state.metrics,
    ...(state.best ? { best: state.best } : {}),
  };
  const doc = { ...serializeNetwork(network), training };
  return withChecksum(JSON.stringify(doc));
}

export function writeTrainingCheckpoint(path: string, text: string): void {
  try {
    writeFileAtomic(path, text, { checkpoint: true });
  } catch (e) {
    throw new CheckpointError(path, `cannot be written: ${(e as Error).message}`);
  }
}

/** A checkpoint read back: the network, and the training state when the file has one. */
export interface LoadedTrainingCheckpoint {
  network: Network;
  /** Absent for a weights-only checkpoint (e.g. one written by an importer): training starts at epoch 0. */
  state?: TrainingState;
}

/**
 * Reads and checks a checkpoint: complete JSON, matching checksum, a network that can be built, an
 * optimizer state of the right sizes. Every problem is a CheckpointError naming the file and what is wrong.
 */
export function readTrainingCheckpoint(file: string): LoadedTrainingCheckpoint {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CheckpointError(file, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: TrainingCheckpointDocument;
  try {
    doc = JSON.parse(text) as TrainingCheckpointDocument;
  } catch (e) {
    throw new CheckpointError(file, `is truncated or not JSON (${(e as Error).message}); the run's other files were left untouched`);
  }
  if (doc && typeof doc === 'object' && 'training' in doc) verifyChecksum(text, file);
  let network: Network;
  try {
    network = deserializeNetwork(doc, file);
  } catch (e) {
    if (SnnError.isInstance(e) && !CheckpointError.isInstance(e)) throw new CheckpointError(file, e.message);
    throw e;
  }
  const stored = doc.training;
  if (stored === undefined) return { network };
  if (stored.format !== 'snn-training-state' || stored.version !== 1) throw new CheckpointError(file, 'its training state is not snn-training-state version 1');
  const sizes = new Map(network.parameters().map((p) => [p.name, p.data.length]));
  const slots: Record<string, RealArray[]> = {};
  for (const [name, buffers] of Object.entries(stored.optimizer?.slots ?? {})) {
    if (!sizes.has(name)) throw new CheckpointError(file, `optimizer state names parameter ${name}, which the network does not have`);
    slots[name] = buffers.map((b, i) => {
      const a = decode(b, `optimizer.slots.${name}[${i}]`, file);
      if (a.length !== sizes.get(name)) throw new CheckpointError(file, `optimizer.slots.${name}[${i}] holds ${a.length} values, the parameter has ${sizes.get(name)}`);
      return a;
    });
  }
  const learner = stored.learner ? Object.fromEntries(Object.entries(stored.learner).map(([k, v]) => [k, typeof v === 'number' ? v : decode(v, `learner.${k}`, file)])) : undefined;
  const p = stored.position;
  if (!p || ![p.epoch, p.batch, p.seen, p.correct].every((v) => Number.isInteger(v) && v >= 0) || !Number.isFinite(p.lossSum)) {
    throw new CheckpointError(file, 'its position (epoch, batch, running sums) is missing or not whole numbers');
  }
  const state: TrainingState = {
    format: 'snn-training-state',
    version: 1,
    config: stored.config,
    position: p,
    optimizer: { name: stored.optimizer.name, step: stored.optimizer.step, slots },
    ...(learner ? { learner } : {}),
    random: stored.random,
    metrics: stored.metrics ?? [],
    ...(stored.best ? { best: stored.best } : {}),
  };
  return { network, state };
}
