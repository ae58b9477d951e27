import { InvalidArgumentError } from '@snn/errors';
import { fmix32, hashString, splitmix32 } from './bits';
import { portableLog } from './log';

type Real = Float32Array | Float64Array;
type TypedNumbers = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Uint8ClampedArray;

/** A seeded stream of random numbers (xoshiro128**). Not for cryptography. */
export interface Random {
  /** Uniform in [0, 1), a multiple of 2^-32. */
  next(): number;
  /** Uniform 32-bit unsigned integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Normal with the given mean and standard deviation (Marsaglia's polar method). */
  normal(mean?: number, std?: number): number;
  /** 1 with probability p, else 0. */
  bernoulli(p: number): 0 | 1;
  /** Uniform integer in [0, n), unbiased; 1 <= n <= 2^32. */
  int(n: number): number;
  /** Fisher-Yates shuffle in place; returns `array`. */
  shuffle<T extends { length: number; [index: number]: any }>(array: T): T;
  /**
   * An independent stream derived from this one's seed, without advancing this stream.
   * With a label, the same parent and label always give the same child, whatever the parent did
   * before (so "init" and "data" streams do not shift when other code draws more numbers).
   * Without a label, each call gives a new child (numbered 0, 1, 2, ... per parent).
   */
  fork(label?: string): Random;
  /** Fills `out` with uniforms in [lo, hi) (default [0, 1)); returns `out`. */
  fillUniform<T extends Real>(out: T, lo?: number, hi?: number): T;
  /** Fills `out` with normals (default mean 0, std 1); returns `out`. */
  fillNormal<T extends Real>(out: T, mean?: number, std?: number): T;
  /** Fills `out` with 0/1 draws, 1 with probability p; returns `out`. */
  fillBernoulli<T extends TypedNumbers>(out: T, p: number): T;
}

const TWO_POW_32 = 0x100000000;
const INV_TWO_POW_32 = 1 / TWO_POW_32;

function checkFinite(argument: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(argument, `must be a finite number, got ${String(value)}`);
  }
}

function checkRange(lo: number, hi: number): void {
  checkFinite('lo', lo);
  checkFinite('hi', hi);
  if (!(lo <= hi)) throw new InvalidArgumentError('lo, hi', `need lo <= hi, got lo = ${lo}, hi = ${hi}`);
}

function checkNormal(mean: number, std: number): void {
  checkFinite('mean', mean);
  checkFinite('std', std);
  if (std < 0) throw new InvalidArgumentError('std', `must be >= 0, got ${std}`);
}

function checkProbability(p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new InvalidArgumentError('p', `must be a probability in [0, 1], got ${String(p)}`);
  }
}

/** Exported for the reference-vector test only; the package index does not re-export it. */
export class Xoshiro128 implements Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second normal of the last polar-method pair, or NaN when none is waiting. */
  private spare = NaN;
  private forks = 0;

  /** `key` is the initial state; forks derive from it so they ignore how far this stream has run. */
  constructor(private readonly key: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = key;
  }

  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  next(): number {
    return this.nextUint32() * INV_TWO_POW_32;
  }

  uniform(lo: number, hi: number): number {
    checkRange(lo, hi);
    const r = lo + (hi - lo) * this.next();
    // Rounding of lo + (hi - lo) * u can land exactly on hi; keep the interval half-open.
    return r < hi ? r : lo;
  }

  normal(mean = 0, std = 1): number {
    checkNormal(mean, std);
    return mean + std * this.standardNormal();
  }

  bernoulli(p: number): 0 | 1 {
    checkProbability(p);
    return this.next() < p ? 1 : 0;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new InvalidArgumentError('n', `must be an integer in [1, 2^32], got ${String(n)}`);
    }
    // Rejection sampling: accept only below the largest multiple of n that fits in 32 bits,
    // so every residue is equally likely (plain modulo would favour small values).
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  shuffle<T extends { length: number; [index: number]: any }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  fork(label?: string): Random {
    if (label !== undefined && typeof label !== 'string') {
      throw new InvalidArgumentError('label', `must be a string when given, got ${typeof label}`);
    }
    // Labelled and numbered children use different hash domains so fork('0') != fork().
    const tag = label === undefined ? fmix32(Math.imul(this.forks++ + 1, 0x9e3779b9) ^ 0x5bd1e995) : hashString(label);
    const k = this.key;
    const child: [number, number, number, number] = [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) {
      // Every child word depends on the tag and on two parent key words.
      child[i] = fmix32(k[i]! ^ fmix32((tag + Math.imul(i + 1, 0x9e3779b9)) | 0)) ^ fmix32((k[(i + 1) & 3]! + tag) | 0);
    }
    return new Xoshiro128(nonZero(child));
  }

  fillUniform<T extends Real>(out: T, lo = 0, hi = 1): T {
    checkRange(lo, hi);
    const width = hi - lo;
    for (let i = 0; i < out.length; i++) {
      const r = lo + width * this.nextUint32() * INV_TWO_POW_32;
      out[i] = r < hi ? r : lo;
    }
    return out;
  }

  fillNormal<T extends Real>(out: T, mean = 0, std = 1): T {
    checkNormal(mean, std);
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.standardNormal();
    return out;
  }

  fillBernoulli<T extends TypedNumbers>(out: T, p: number): T {
    checkProbability(p);
    for (let i = 0; i < out.length; i++) out[i] = this.nextUint32() * INV_TWO_POW_32 < p ? 1 : 0;
    return out;
  }

  private standardNormal(): number {
    if (this.spare === this.spare) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    // Marsaglia's polar method: needs only log and sqrt (both deterministic here, see log.ts),
    // no sin/cos, and yields two independent normals per accepted pair.
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * portableLog(s)) / s);
    this.spare = v * f;
    return u * f;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** xoshiro's all-zero state is a fixed point; replace it (astronomically unlikely) by a constant. */
function nonZero(state: [number, number, number, number]): [number, number, number, number] {
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 0x9e3779b9 | 0;
  return state;
}

/**
 * A seeded random stream. The same seed gives the same sequence on every platform and engine
 * (integer arithmetic for the bits; see log.ts for normals).
 * @param seed any safe integer (negative allowed); all 53 bits matter.
 */
export function createRandom(seed: number): Random {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError('seed', `must be a safe integer, got ${String(seed)}`);
  }
  // Both 32-bit halves enter splitmix32, so seeds that differ only above bit 31 still differ.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  let state = lo | 0;
  let word: number;
  [word, state] = splitmix32(state);
  state = (state ^ fmix32(hi ^ word)) | 0;
  const key: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    [word, state] = splitmix32(state);
    key[i] = word | 0;
  }
  return new Xoshiro128(nonZero(key));
}
