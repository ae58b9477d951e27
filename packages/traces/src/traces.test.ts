import { describe, expect, it } from 'vitest';
import {
  affineScan,
  applyBlocks,
  blockDiagonalStep,
  collectEvents,
  composeAffine,
  decayAndAddEvents,
  eligibilityStep,
  leakyTrace,
  parameterEligibilityStep,
} from './index';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}
const rand = (n: number, r: () => number) => Float64Array.from({ length: n }, r);

function naiveStep(n: number, d: number, A: ArrayLike<number>, e: number[], b: ArrayLike<number>): number[] {
  const out = new Array(n * d).fill(0);
  for (let j = 0; j < n; j++) for (let r = 0; r < d; r++) {
    let s = b[j * d + r]!;
    for (let c = 0; c < d; c++) s += A[j * d * d + r * d + c]! * e[j * d + c]!;
    out[j * d + r] = s;
  }
  return out;
}

describe('block-diagonal recurrences', () => {
  it.each([1, 2, 3, 4])('sequential step and associative scan agree with a naive loop, d = %i', (d) => {
    const r = rng(d);
    const n = 5;
    const L = 11;
    const A = rand(L * n * d * d, r);
    const b = rand(L * n * d, r);
    const e0 = rand(n * d, r);
    // naive
    const naive: number[][] = [];
    let e = Array.from(e0);
    for (let t = 0; t < L; t++) {
      e = naiveStep(n, d, A.subarray(t * n * d * d), e, b.subarray(t * n * d));
      naive.push(e);
    }
    // sequential kernel
    const seq = Float64Array.from(e0);
    for (let t = 0; t < L; t++) blockDiagonalStep(n, d, A.subarray(t * n * d * d), seq, b.subarray(t * n * d));
    naive[L - 1]!.forEach((v, i) => expect(seq[i]).toBeCloseTo(v, 12));
    // scan: prefixes applied to e0
    const As = Float64Array.from(A);
    const bs = Float64Array.from(b);
    affineScan(L, n, d, As, bs);
    for (let t = 0; t < L; t++) {
      const out = Float64Array.from(bs.subarray(t * n * d, (t + 1) * n * d));
      applyBlocks(n, d, As.subarray(t * n * d * d), e0, out);
      naive[t]!.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 12));
    }
  });
  it('composeAffine is (A2 A1, A2 b1 + b2)', () => {
    const A1 = Float64Array.from([1, 2, 3, 4]);
    const A2 = Float64Array.from([0, 1, 1, 0]);
    const b1 = Float64Array.from([1, 1]);
    const b2 = Float64Array.from([5, 6]);
    const A = new Float64Array(4);
    const b = new Float64Array(2);
    composeAffine(1, 2, A2, 0, b2, 0, A1, 0, b1, 0, A, 0, b, 0);
    expect(Array.from(A)).toEqual([3, 4, 1, 2]);
    expect(Array.from(b)).toEqual([5 + 1, 6 + 1]);
  });
  it.each([1, 2, 3, 4, 5])('composeAffine equals the plain block products for d = %i, several blocks, offsets', (d) => {
    const n = 3;
    const r = (i: number) => Math.sin(1.3 * i + d);
    const len = 2 + n * d * d;
    const A1 = Float64Array.from({ length: len }, (_, i) => r(i));
    const A2 = Float64Array.from({ length: len }, (_, i) => r(i + 100));
    const b1 = Float64Array.from({ length: 1 + n * d }, (_, i) => r(i + 200));
    const b2 = Float64Array.from({ length: 3 + n * d }, (_, i) => r(i + 300));
    const A = new Float64Array(1 + n * d * d);
    const b = new Float64Array(n * d);
    composeAffine(n, d, A2, 2, b2, 3, A1, 2, b1, 1, A, 1, b, 0);
    for (let j = 0; j < n; j++) {
      for (let row = 0; row < d; row++) {
        let sb = b2[3 + j * d + row]!;
        for (let k = 0; k < d; k++) sb += A2[2 + j * d * d + row * d + k]! * b1[1 + j * d + k]!;
        expect(b[j * d + row]).toBeCloseTo(sb, 12);
        for (let c = 0; c < d; c++) {
          let sa = 0;
          for (let k = 0; k < d; k++) sa += A2[2 + j * d * d + row * d + k]! * A1[2 + j * d * d + k * d + c]!;
          expect(A[1 + j * d * d + row * d + c]).toBeCloseTo(sa, 12);
        }
      }
    }
  });
  it('leaky trace', () => {
    const t = Float32Array.from([1, 2]);
    leakyTrace(t, 0.5, Float32Array.from([1, 0]));
    expect(Array.from(t)).toEqual([1.5, 1]);
    leakyTrace(t, 0.5, null);
    expect(Array.from(t)).toEqual([0.75, 0.5]);
  });
});

describe('per-synapse eligibility', () => {
  it.each([
    [1, 1, 0],
    [1, 1, 0.8],
    [2, 1, 0.5],
    [3, 2, 0.9],
    [1, 4, 0.3],
    [4, 3, 0],
  ])('d = %i, G = %i, kappa = %f matches naive loops over several steps', (d, G, kappa) => {
    const r = rng(7 + d + G);
    const B = 2;
    const H = 3;
    const m = 5;
    const eps = new Float64Array(B * G * H * d * m);
    const trace = kappa ? new Float64Array(B * G * H * m) : null;
    const grad = new Float64Array(G * H * m);
    const nEps = new Float64Array(eps.length);
    const nTrace = new Float64Array(B * G * H * m);
    const nGrad = new Float64Array(grad.length);
    for (let t = 0; t < 4; t++) {
      const J = rand(B * H * d * d, r);
      const D = rand(B * H * d * G, r);
      const C = rand(B * H * d, r);
      const CI = rand(B * H * G, r);
      const pre = Float64Array.from({ length: B * m }, () => (r() > 0 ? 1 : 0));
      const signal = t === 2 ? null : rand(B * H, r);
      eligibilityStep({ batch: B, gates: G, neurons: H, stateSize: d, width: m, J, D, C, CI, pre, eps, kappa, trace, signal, grad, scratch: new Float64Array(2 * d) });
      for (let b = 0; b < B; b++) for (let k = 0; k < G; k++) for (let j = 0; j < H; j++) for (let i = 0; i < m; i++) {
        const n = b * H + j;
        const row = (b * G + k) * H + j;
        const old = Array.from({ length: d }, (_, c) => nEps[(row * d + c) * m + i]!);
        let e = CI[n * G + k]! * pre[b * m + i]!;
        for (let c = 0; c < d; c++) {
          let v = D[(n * d + c) * G + k]! * pre[b * m + i]!;
          for (let c2 = 0; c2 < d; c2++) v += J[(n * d + c) * d + c2]! * old[c2]!;
          nEps[(row * d + c) * m + i] = v;
          e += C[n * d + c]! * v;
        }
        nTrace[row * m + i] = kappa * nTrace[row * m + i]! + e;
        if (signal) nGrad[(k * H + j) * m + i] = nGrad[(k * H + j) * m + i]! + signal[n]! * nTrace[row * m + i]!;
      }
    }
    nEps.forEach((v, i) => expect(eps[i]).toBeCloseTo(v, 12));
    if (trace) nTrace.forEach((v, i) => expect(trace[i]).toBeCloseTo(v, 12));
    nGrad.forEach((v, i) => expect(grad[i]).toBeCloseTo(v, 12));
  });
  it('neuron-parameter eligibility matches a naive loop', () => {
    const r = rng(3);
    const B = 2, H = 3, d = 2, nP = 2, kappa = 0.6;
    const epsP = new Float64Array(B * H * d * nP);
    const trace = new Float64Array(B * H * nP);
    const grad = new Float64Array(nP * H);
    const nEps = new Float64Array(epsP.length);
    const nTr = new Float64Array(trace.length);
    const nGrad = new Float64Array(grad.length);
    for (let t = 0; t < 3; t++) {
      const J = rand(B * H * d * d, r), P = rand(B * H * d * nP, r), C = rand(B * H * d, r), CP = rand(B * H * nP, r), L = rand(B * H, r);
      parameterEligibilityStep(B, H, d, nP, J, P, C, CP, epsP, kappa, trace, L, grad, new Float64Array(d * nP));
      for (let n = 0; n < B * H; n++) for (let q = 0; q < nP; q++) {
        const old = Array.from({ length: d }, (_, c) => nEps[(n * d + c) * nP + q]!);
        let e = CP[n * nP + q]!;
        for (let c = 0; c < d; c++) {
          let v = P[(n * d + c) * nP + q]!;
          for (let c2 = 0; c2 < d; c2++) v += J[(n * d + c) * d + c2]! * old[c2]!;
          nEps[(n * d + c) * nP + q] = v;
          e += C[n * d + c]! * v;
        }
        nTr[n * nP + q] = kappa * nTr[n * nP + q]! + e;
        nGrad[q * H + (n % H)] = nGrad[q * H + (n % H)]! + L[n]! * nTr[n * nP + q]!;
      }
    }
    nGrad.forEach((v, i) => expect(grad[i]).toBeCloseTo(v, 12));
  });
  it('event-driven decay-and-add equals the dense update for spikes', () => {
    const r = rng(9);
    const B = 2, H = 3, m = 6;
    const pre = Float64Array.from({ length: B * m }, () => (r() > 0.2 ? 1 : 0));
    const J = rand(B * H, r), D = rand(B * H, r);
    const eps = rand(B * H * m, r);
    const dense = Float64Array.from(eps);
    for (let row = 0; row < B * H; row++) for (let i = 0; i < m; i++) {
      const b = Math.floor(row / H);
      dense[row * m + i] = J[row]! * dense[row * m + i]! + D[row]! * pre[b * m + i]!;
    }
    const events = new Int32Array(B * m);
    const starts = new Int32Array(B + 1);
    collectEvents(B, m, pre, events, starts);
    decayAndAddEvents(B * H, m, (row) => Math.floor(row / H), J, D, eps, events, starts, pre);
    dense.forEach((v, i) => expect(eps[i]).toBeCloseTo(v, 12));
  });
});
