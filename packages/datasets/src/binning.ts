import { InvalidArgumentError } from '@snn/errors';

/**
 * How events (time in seconds, channel) become a [T, C] frame. Defaults: the recommended @snn
 * convention of datasets.md 1.4 (origin 0, 100 bins of 10 ms, binary, all 700 channels).
 */
export interface BinningOptions {
  /** T, number of time bins. Default 100. */
  bins?: number;
  /** Bin width in seconds. Default 0.01 (10 ms). */
  binWidth?: number;
  /**
   * Which bin an event at (shifted) time t falls into:
   * - 'floor' (default): bin k holds [k w, (k+1) w)
   * - 'digitize': numpy.digitize against edges k w (SpyTorch tutorial): bin floor(t / w) + 1, bin 0 unused
   * - 'ceil': bin k holds ((k-1) w, k w], t = 0 in bin 0 (Yin 2021 / BRF "t <= k dt goes to bin k")
   * Events whose bin is >= bins are dropped.
   */
  rule?: 'floor' | 'digitize' | 'ceil';
  /** Time origin: 0 (default) or the sample's first event (tonic's slicing). */
  origin?: 'zero' | 'first-event';
  /** Clip counts to 1 (default true); false keeps spike counts. */
  binary?: boolean;
  /** Channel downsampling f: channel' = floor(channel f), C' = ceil(C f). Default 1. */
  channelFactor?: number;
  /** Yin 2021 / BRF quirk: channel' = C - channel, channel 0 dropped. Default false. */
  reverseChannels?: boolean;
}

/** Named conventions of the reference code (datasets.md 1.4); spread and override as needed. */
export const binningPresets = {
  /** Recommended default: 100 bins x 10 ms from t = 0, binary. */
  default: { bins: 100, binWidth: 0.01, rule: 'floor', origin: 'zero', binary: true, channelFactor: 1, reverseChannels: false },
  /** Zenke SpyTorch tutorial: 100 edges linspace(0, 1.4 s) + numpy digitize. */
  spytorch: { bins: 100, binWidth: 1.4 / 99, rule: 'digitize', origin: 'zero', binary: true, channelFactor: 1, reverseChannels: false },
  /** Yin 2021 / BRF: 250 bins x 4 ms (first second), reversed channels without unit 0. */
  yin: { bins: 250, binWidth: 0.004, rule: 'ceil', origin: 'zero', binary: true, channelFactor: 1, reverseChannels: true },
  /** SE-adLIF: 4 ms windows from the first event, counts, 140 channels (f = 0.2), 250 steps. */
  seadlif: { bins: 250, binWidth: 0.004, rule: 'floor', origin: 'first-event', binary: false, channelFactor: 0.2, reverseChannels: false },
} as const satisfies Record<string, Required<BinningOptions>>;

export type ResolvedBinning = Required<BinningOptions> & { channels: number; inputs: number };

/** Validates binning options for `channels` raw channels; returns them with defaults and the input count. */
export function resolveBinning(options: BinningOptions & { preset?: keyof typeof binningPresets }, channels: number): ResolvedBinning {
  const preset = options.preset ?? 'default';
  if (!(preset in binningPresets)) throw new InvalidArgumentError('preset', `must be one of ${Object.keys(binningPresets).join(', ')}, got "${String(preset)}"`);
  const r = { ...binningPresets[preset], ...stripUndefined(options) } as Required<BinningOptions> & { preset?: string };
  delete r.preset;
  if (!Number.isInteger(r.bins) || r.bins < 1) throw new InvalidArgumentError('bins', `must be a positive integer, got ${String(r.bins)}`);
  if (!(typeof r.binWidth === 'number' && r.binWidth > 0 && Number.isFinite(r.binWidth))) throw new InvalidArgumentError('binWidth', `must be a positive number of seconds, got ${String(r.binWidth)}`);
  if (!['floor', 'digitize', 'ceil'].includes(r.rule)) throw new InvalidArgumentError('rule', `must be 'floor', 'digitize' or 'ceil', got ${String(r.rule)}`);
  if (!['zero', 'first-event'].includes(r.origin)) throw new InvalidArgumentError('origin', `must be 'zero' or 'first-event', got ${String(r.origin)}`);
  if (typeof r.binary !== 'boolean') throw new InvalidArgumentError('binary', `must be a boolean, got ${String(r.binary)}`);
  if (typeof r.reverseChannels !== 'boolean') throw new InvalidArgumentError('reverseChannels', `must be a boolean, got ${String(r.reverseChannels)}`);
  if (!(typeof r.channelFactor === 'number' && r.channelFactor > 0 && r.channelFactor <= 1)) throw new InvalidArgumentError('channelFactor', `must be in (0, 1], got ${String(r.channelFactor)}`);
  return { ...r, channels, inputs: Math.ceil(channels * r.channelFactor - 1e-9) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Adds events to a zeroed [bins, inputs] frame `out` (row-major, offset `at`).
 * `times` in seconds, `channels` raw channel ids in [0, channels).
 * @returns the number of events that landed in the frame
 */
export function binEvents(times: ArrayLike<number>, channels: ArrayLike<number>, b: ResolvedBinning, out: Float32Array, at = 0): number {
  const n = times.length;
  if (n === 0) return 0;
  const t0 = b.origin === 'first-event' ? minOf(times) : 0;
  const w = b.binWidth;
  let kept = 0;
  for (let e = 0; e < n; e++) {
    const t = (times[e]! - t0) / w;
    // A relative tolerance keeps events exactly on an edge (t = k w in floating point) in bin k.
    const k = b.rule === 'floor' ? Math.floor(t + 1e-9) : b.rule === 'digitize' ? Math.floor(t + 1e-9) + 1 : Math.ceil(t - 1e-9);
    if (!(k >= 0 && k < b.bins)) continue;
    let c = channels[e]!;
    if (b.reverseChannels) {
      if (c === 0) continue;
      c = b.channels - c;
    }
    c = b.channelFactor === 1 ? c : Math.floor(c * b.channelFactor);
    const i = at + k * b.inputs + c;
    if (b.binary) out[i] = 1;
    else out[i]! += 1;
    kept++;
  }
  return kept;
}

function minOf(a: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) if (a[i]! < m) m = a[i]!;
  return m;
}
