import { InvalidArgumentError } from '@snn/errors';
import { checkKeys, denseGenerated, generatedSource, lastSteps, sampleRandom, type GeneratedShape } from './generated';
import type { BatchSource, SequenceDataset } from './types';
import { integerSeed, positiveInteger } from './validate';

/** International Morse code of the letters (the 50 NeuroMorse words use letters only). */
export const morseCode: Readonly<Record<string, string>> = {
  a: '.-', b: '-...', c: '-.-.', d: '-..', e: '.', f: '..-.', g: '--.', h: '....', i: '..', j: '.---', k: '-.-', l: '.-..', m: '--',
  n: '-.', o: '---', p: '.--.', q: '--.-', r: '.-.', s: '...', t: '-', u: '..-', v: '...-', w: '.--', x: '-..-', y: '-.--', z: '--..',
};

/** The 50 NeuroMorse keywords; label = index. */
export const morseWords: readonly string[] = (
  'the be to of and a in that have i it for not on with he as you do at this but his by from they we say her she or an will my one all ' +
  'would there their what so up out if about who get which go me'
).split(' ');

/** Symbol spacing inside a character, between characters, and empty steps after a word (datasets.md 5.2). */
export const morseTiming = { symbol: 6, character: 11, trailing: 15 } as const;

/** Clean spike train of a word: integer step times from 0, channel 0 = dot, 1 = dash. */
export function morseSpikes(word: string): { times: number[]; channels: number[] } {
  const times: number[] = [];
  const channels: number[] = [];
  let t = 0;
  [...word.toLowerCase()].forEach((ch, c) => {
    const code = morseCode[ch];
    if (code === undefined) throw new InvalidArgumentError('word', `"${ch}" in "${word}" has no Morse code here (letters a-z only)`);
    if (c > 0) t += morseTiming.character;
    [...code].forEach((s, k) => {
      if (k > 0) t += morseTiming.symbol;
      times.push(t);
      channels.push(s === '.' ? 0 : 1);
    });
  });
  return { times, channels };
}

const levels = { none: 0, low: 1, high: 2 } as const;
type Level = keyof typeof levels | number;

/** Options of the NeuroMorse-style word task (datasets.md 5). */
export interface MorseOptions {
  seed?: number;
  /** Noisy draws per word (N = 50 x samplesPerWord). Default 20 (1 makes sense for Clean only). */
  samplesPerWord?: number;
  /** T; words are zero-padded. Default 132 (longest word 117 + 15 trailing steps). */
  steps?: number;
  /** Spike dropout: 'none' 0, 'low' 0.25/7.5, 'high' 0.5/7.5, or a probability. Default 'none'. */
  dropout?: Level;
  /** Gaussian time jitter: 'none' 0, 'low' 1, 'high' 2 steps, or a std. Default 'none'. */
  jitter?: Level;
  /** Poisson background spikes per step and channel before the last spike: 'none' 0, 'low' 0.05, 'high' 0.1, or a rate. Default 'none'. */
  poisson?: Level;
  /** Steps at the end whose loss counts. Default 15 (after every word's last spike at T = 132). */
  lossSteps?: number;
}

export const morseDefaults = { seed: 0, samplesPerWord: 20, steps: 132, dropout: 'none', jitter: 'none', poisson: 'none', lossSteps: 15 } as const;

function level(name: string, value: Level, table: readonly [number, number, number]): number {
  if (typeof value === 'number' && value >= 0 && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value in levels) return table[levels[value as keyof typeof levels]];
  throw new InvalidArgumentError(name, `must be 'none', 'low', 'high' or a non-negative number, got ${String(value)}`);
}

function resolve(options: MorseOptions) {
  checkKeys(options, Object.keys(morseDefaults));
  const o = { ...morseDefaults, ...options };
  integerSeed('seed', o.seed);
  positiveInteger('samplesPerWord', o.samplesPerWord);
  positiveInteger('steps', o.steps);
  positiveInteger('lossSteps', o.lossSteps);
  const dropout = level('dropout', o.dropout, [0, 0.25 / 7.5, 0.5 / 7.5]);
  if (dropout > 1) throw new InvalidArgumentError('dropout', `must be a probability, got ${dropout}`);
  return { ...o, dropout, jitter: level('jitter', o.jitter, [0, 1, 2]), poisson: level('poisson', o.poisson, [0, 0.05, 0.1]) };
}

const clean = morseWords.map(morseSpikes);

function fill(o: ReturnType<typeof resolve>) {
  return (n: number, out: Float32Array): number => {
    const word = n % 50;
    const { times, channels } = clean[word]!;
    const noisy = o.dropout > 0 || o.jitter > 0 || o.poisson > 0;
    const r = noisy ? sampleRandom(o.seed, 'morse', n) : undefined;
    const last = times[times.length - 1]!;
    for (let e = 0; e < times.length; e++) {
      if (r && o.dropout > 0 && r.next() < o.dropout) continue;
      let t = times[e]!;
      if (r && o.jitter > 0) t = Math.max(0, t + r.normal(0, o.jitter));
      const k = Math.floor(t);
      if (k < o.steps) out[k * 2 + channels[e]!] = 1;
    }
    if (r && o.poisson > 0) {
      for (let c = 0; c < 2; c++) {
        // Exponential inter-arrival times of mean 1 / rate, before the last clean spike time.
        for (let t = -Math.log(1 - r.next()) / o.poisson; t < last; t += -Math.log(1 - r.next()) / o.poisson) {
          const k = Math.floor(t);
          if (k < o.steps) out[k * 2 + c] = 1;
        }
      }
    }
    return word;
  };
}

/** A generated word task with its loss mask. */
export interface MorseDataset extends SequenceDataset {
  readonly lossMask: Float64Array;
}

function shape(o: ReturnType<typeof resolve>): GeneratedShape {
  return { name: 'morse', size: 50 * o.samplesPerWord, steps: o.steps, inputs: 2, classes: 50 };
}

/**
 * NeuroMorse-style word classification: the 50 keywords as Morse spike trains on 2 channels (dot,
 * dash), sequence n = word n % 50, with fresh seeded noise per sequence (dropout, jitter, Poisson
 * background at the NeuroMorse levels). Binary [T, 2] frames: step floor(t), duplicates merged.
 */
export function createMorse(options: MorseOptions = {}): MorseDataset {
  const o = resolve(options);
  return { ...denseGenerated(shape(o), fill(o)), lossMask: lastSteps(o.steps, o.lossSteps) };
}

/** The same task streamed batch by batch. */
export function morseSource(options: MorseOptions = {}): BatchSource & { lossMask: Float64Array } {
  const o = resolve(options);
  return { ...generatedSource(shape(o), fill(o)), lossMask: lastSteps(o.steps, o.lossSteps) };
}
