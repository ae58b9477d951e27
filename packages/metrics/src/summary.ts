import { InvalidArgumentError } from '@snn/errors';

/** Mean and sample standard deviation (n - 1; 0 for a single value) of finite numbers. */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  if (values.length === 0) throw new InvalidArgumentError('values', 'needs at least one value');
  for (const v of values) if (!Number.isFinite(v)) throw new InvalidArgumentError('values', `must be finite numbers, got ${v}`);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), n: values.length };
}

/** Fraction of predictions equal to the labels. */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predictions.length !== labels.length) throw new InvalidArgumentError('predictions', `has ${predictions.length} entries, labels ${labels.length}`);
  if (labels.length === 0) throw new InvalidArgumentError('labels', 'is empty');
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct / labels.length;
}

/** "97.0 ± 1.2" (percent) or "0.97 ± 0.01": a mean over seeds as tables print it. */
export function formatMeanStd(s: { mean: number; std: number; n: number }, options: { percent?: boolean; digits?: number } = {}): string {
  const scale = options.percent ? 100 : 1;
  const digits = options.digits ?? (options.percent ? 1 : 3);
  const m = (s.mean * scale).toFixed(digits);
  return s.n > 1 ? `${m} ± ${(s.std * scale).toFixed(digits)}` : m;
}
