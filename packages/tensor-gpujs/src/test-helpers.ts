/** Helpers shared by the test files only (not exported from the package). */
import type { RealArray } from '@snn/tensor';

/** Deterministic pseudo-random generator (mulberry32) so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RealArrayConstructor = Float32ArrayConstructor | Float64ArrayConstructor;

export function randomArray(ctor: RealArrayConstructor, length: number, random: () => number, density = 1): RealArray {
  const out = new ctor(length);
  for (let i = 0; i < length; i++) out[i] = random() < density ? random() * 2 - 1 : 0;
  return out;
}

/** Textbook triple loop: C = alpha * op(A) op(B) + beta * C (beta = 0 ignores C). */
export function naiveGemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: ArrayLike<number>, aOffset: number, lda: number, b: ArrayLike<number>, bOffset: number, ldb: number,
  beta: number, c: RealArray, cOffset: number, ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
        const bv = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
        sum += av * bv;
      }
      const idx = cOffset + i * ldc + j;
      c[idx] = alpha * sum + (beta === 0 ? 0 : beta * c[idx]);
    }
  }
}

/** Largest |x - y| relative to (1 + |y|) over the given index set. */
export function maxRelativeError(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let worst = 0;
  if (x.length !== y.length) return Infinity;
  for (let i = 0; i < x.length; i++) {
    const err = Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i]));
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst;
}
