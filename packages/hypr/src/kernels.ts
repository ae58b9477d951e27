/**
 * HYPR's P-stage kernels over one layer's cached segment: the scan items, the per-step factors of the
 * segment gradient and of the segment-end eligibility, and the neuron-parameter pass. Pure functions
 * of their arrays; the learner (learner.ts) owns the buffers.
 */
import type { RealArray } from '@snn/protocol';

/**
 * Scan items of the reversed segment (see pStage): A_u = J_aug(s+1)^T with J_aug = [[J, 0], [C J, kappa]]
 * (the readout filter folded in as state component d), identity for u = 0; b_u = (0, ..., 0, Lambda_s).
 */
export function buildScanItems(Ls: number, n: number, d: number, kappa: number, J: RealArray, C: RealArray, signal: RealArray, A: RealArray, b: RealArray): void {
  const e = d + 1;
  const ee = e * e;
  for (let u = 0; u <= Ls; u++) {
    const s = Ls - u; // 1-based step in the segment
    const aBase = u * n * ee;
    const bBase = u * n * e;
    for (let m = 0; m < n; m++) {
      const a0 = aBase + m * ee;
      if (u === 0) {
        for (let x = 0; x < ee; x++) A[a0 + x] = 0;
        for (let r = 0; r < e; r++) A[a0 + r * e + r] = 1;
      } else {
        const jb = (s * n + m) * d * d;
        const cb = (s * n + m) * d;
        for (let r = 0; r < d; r++) {
          for (let c = 0; c < d; c++) A[a0 + c * e + r] = J[jb + r * d + c]!;
          A[a0 + d * e + r] = 0; // (J_aug)[r][d] = 0
        }
        for (let c = 0; c < d; c++) {
          let s2 = 0;
          for (let r = 0; r < d; r++) s2 += C[cb + r]! * J[jb + r * d + c]!;
          A[a0 + c * e + d] = s2; // (J_aug)[d][c]
        }
        A[a0 + d * e + d] = kappa;
      }
      const v0 = bBase + m * e;
      for (let r = 0; r < d; r++) b[v0 + r] = 0;
      b[v0 + d] = u === Ls ? 0 : signal[(s - 1) * n + m]!;
    }
  }
}

/**
 * Per step s of the segment and neuron: QD[s, b, (k, j)] = q_s . Daug_s[:, k] (the factor of the
 * segment gradient) and V[b, s, (k, r, j)] = (Phi_s Daug_s[:, k])_r (the factor of the segment-end
 * eligibility), with Daug = (D[:, k], C . D[:, k] + CI[k]) the current derivative of the augmented state.
 */
export function stepFactors(Ls: number, B: number, H: number, G: number, d: number, D: RealArray, CI: RealArray | null, C: RealArray,
  phiT: RealArray, q: RealArray, qd: RealArray, v: RealArray, tmp: Float64Array): void {
  const e = d + 1;
  const ee = e * e;
  const n = B * H;
  const GH = G * H;
  for (let s = 1; s <= Ls; s++) {
    const u = Ls - s;
    const ci = s - 1;
    for (let bb = 0; bb < B; bb++) {
      for (let j = 0; j < H; j++) {
        const nn = bb * H + j;
        const qo = u * n * e + nn * e;
        const Pt = u * n * ee + nn * ee;
        const db = (ci * n + nn) * d * G;
        const cb = (ci * n + nn) * d;
        for (let k = 0; k < G; k++) {
          let last = CI ? CI[(ci * n + nn) * G + k]! : 0;
          for (let r = 0; r < d; r++) {
            const x = D[db + r * G + k]!;
            tmp[r] = x;
            last += C[cb + r]! * x;
          }
          tmp[d] = last;
          let acc = 0;
          for (let r = 0; r < e; r++) acc += q[qo + r]! * tmp[r]!;
          qd[(ci * B + bb) * GH + k * H + j] = acc;
          const vb = ((bb * Ls + ci) * G + k) * e * H + j;
          for (let r = 0; r < e; r++) {
            let s2 = 0;
            for (let c = 0; c < e; c++) s2 += phiT[Pt + c * e + r]! * tmp[c]!;
            v[vb + r * H] = s2;
          }
        }
      }
    }
  }
}

/**
 * Neuron parameters (few per neuron): dp += q_0 . epsP_0 + sum_s q_s . Paug_s and
 * epsP <- Phi_0 epsP + sum_s Phi_s Paug_s, with Paug = (P[:, p], C . P[:, p] + CP[p]).
 */
export function parameterPass(Ls: number, B: number, H: number, d: number, nP: number, P: RealArray, CP: RealArray, C: RealArray,
  phiT: RealArray, q: RealArray, epsP: RealArray, gradP: RealArray, tmp: Float64Array): void {
  const e = d + 1;
  const ee = e * e;
  const n = B * H;
  // Carry-in (epsP [n, e, nP] in place), then one sweep over the cached steps in memory order.
  for (let nn = 0; nn < n; nn++) {
    const j = nn % H;
    const base = nn * e * nP;
    const q0 = Ls * n * e + nn * e;
    const P0 = Ls * n * ee + nn * ee;
    for (let p = 0; p < nP; p++) {
      let acc = 0;
      for (let c = 0; c < e; c++) {
        const x = epsP[base + c * nP + p]!;
        tmp[c] = x;
        acc += q[q0 + c]! * x;
      }
      for (let r = 0; r < e; r++) {
        let s2 = 0;
        for (let c = 0; c < e; c++) s2 += phiT[P0 + c * e + r]! * tmp[c]!;
        epsP[base + r * nP + p] = s2;
      }
      gradP[p * H + j] = gradP[p * H + j]! + acc;
    }
  }
  // Straight-line sweeps for the common small states (ALIF, BRF, SE-AdLIF: d = 2; d = 3): the same
  // arithmetic in the same order as the loop below, with the per-neuron factors held in registers.
  if (d === 2) return parameterSweep2(Ls, n, H, nP, P, CP, C, phiT, q, epsP, gradP);
  if (d === 3) return parameterSweep3(Ls, n, H, nP, P, CP, C, phiT, q, epsP, gradP);
  for (let s = 1; s <= Ls; s++) {
    const u = Ls - s;
    const ci = s - 1;
    for (let nn = 0; nn < n; nn++) {
      const j = nn % H;
      const base = nn * e * nP;
      const pb = (ci * n + nn) * d * nP;
      const cb = (ci * n + nn) * d;
      const qo = u * n * e + nn * e;
      const Pt = u * n * ee + nn * ee;
      for (let p = 0; p < nP; p++) {
        let last = CP[(ci * n + nn) * nP + p]!;
        for (let r = 0; r < d; r++) {
          const x = P[pb + r * nP + p]!;
          tmp[r] = x;
          last += C[cb + r]! * x;
        }
        tmp[d] = last;
        let acc = 0;
        for (let r = 0; r < e; r++) acc += q[qo + r]! * tmp[r]!;
        gradP[p * H + j] = gradP[p * H + j]! + acc;
        for (let r = 0; r < e; r++) {
          let s2 = 0;
          for (let c = 0; c < e; c++) s2 += phiT[Pt + c * e + r]! * tmp[c]!;
          epsP[base + r * nP + p] = epsP[base + r * nP + p]! + s2;
        }
      }
    }
  }
}

/** parameterPass's sweep over the cached steps, straight-line for state size 2 (augmented size 3). */
function parameterSweep2(Ls: number, n: number, H: number, nP: number, P: RealArray, CP: RealArray, C: RealArray, phiT: RealArray, q: RealArray, epsP: RealArray, gradP: RealArray): void {
  for (let s = 1; s <= Ls; s++) {
    const u = Ls - s;
    const ci = s - 1;
    for (let nn = 0; nn < n; nn++) {
      const j = nn % H;
      const base = nn * 3 * nP;
      const pb = (ci * n + nn) * 2 * nP;
      const cb = (ci * n + nn) * 2;
      const qo = u * n * 3 + nn * 3;
      const Pt = u * n * 9 + nn * 9;
      const c0 = C[cb + 0]!;
      const c1 = C[cb + 1]!;
      const q0 = q[qo + 0]!;
      const q1 = q[qo + 1]!;
      const q2 = q[qo + 2]!;
      const f0 = phiT[Pt + 0]!;
      const f1 = phiT[Pt + 1]!;
      const f2 = phiT[Pt + 2]!;
      const f3 = phiT[Pt + 3]!;
      const f4 = phiT[Pt + 4]!;
      const f5 = phiT[Pt + 5]!;
      const f6 = phiT[Pt + 6]!;
      const f7 = phiT[Pt + 7]!;
      const f8 = phiT[Pt + 8]!;
      for (let p = 0; p < nP; p++) {
        const x0 = P[pb + 0 * nP + p]!;
        const x1 = P[pb + 1 * nP + p]!;
        const x2 = CP[(ci * n + nn) * nP + p]! + c0 * x0 + c1 * x1;
        gradP[p * H + j] = gradP[p * H + j]! + q0 * x0 + q1 * x1 + q2 * x2;
        epsP[base + 0 * nP + p] = epsP[base + 0 * nP + p]! + f0 * x0 + f3 * x1 + f6 * x2;
        epsP[base + 1 * nP + p] = epsP[base + 1 * nP + p]! + f1 * x0 + f4 * x1 + f7 * x2;
        epsP[base + 2 * nP + p] = epsP[base + 2 * nP + p]! + f2 * x0 + f5 * x1 + f8 * x2;
      }
    }
  }
}

/** parameterPass's sweep over the cached steps, straight-line for state size 3 (augmented size 4). */
function parameterSweep3(Ls: number, n: number, H: number, nP: number, P: RealArray, CP: RealArray, C: RealArray, phiT: RealArray, q: RealArray, epsP: RealArray, gradP: RealArray): void {
  for (let s = 1; s <= Ls; s++) {
    const u = Ls - s;
    const ci = s - 1;
    for (let nn = 0; nn < n; nn++) {
      const j = nn % H;
      const base = nn * 4 * nP;
      const pb = (ci * n + nn) * 3 * nP;
      const cb = (ci * n + nn) * 3;
      const qo = u * n * 4 + nn * 4;
      const Pt = u * n * 16 + nn * 16;
      const c0 = C[cb + 0]!;
      const c1 = C[cb + 1]!;
      const c2 = C[cb + 2]!;
      const q0 = q[qo + 0]!;
      const q1 = q[qo + 1]!;
      const q2 = q[qo + 2]!;
      const q3 = q[qo + 3]!;
      const f0 = phiT[Pt + 0]!;
      const f1 = phiT[Pt + 1]!;
      const f2 = phiT[Pt + 2]!;
      const f3 = phiT[Pt + 3]!;
      const f4 = phiT[Pt + 4]!;
      const f5 = phiT[Pt + 5]!;
      const f6 = phiT[Pt + 6]!;
      const f7 = phiT[Pt + 7]!;
      const f8 = phiT[Pt + 8]!;
      const f9 = phiT[Pt + 9]!;
      const f10 = phiT[Pt + 10]!;
      const f11 = phiT[Pt + 11]!;
      const f12 = phiT[Pt + 12]!;
      const f13 = phiT[Pt + 13]!;
      const f14 = phiT[Pt + 14]!;
      const f15 = phiT[Pt + 15]!;
      for (let p = 0; p < nP; p++) {
        const x0 = P[pb + 0 * nP + p]!;
        const x1 = P[pb + 1 * nP + p]!;
        const x2 = P[pb + 2 * nP + p]!;
        const x3 = CP[(ci * n + nn) * nP + p]! + c0 * x0 + c1 * x1 + c2 * x2;
        gradP[p * H + j] = gradP[p * H + j]! + q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3;
        epsP[base + 0 * nP + p] = epsP[base + 0 * nP + p]! + f0 * x0 + f4 * x1 + f8 * x2 + f12 * x3;
        epsP[base + 1 * nP + p] = epsP[base + 1 * nP + p]! + f1 * x0 + f5 * x1 + f9 * x2 + f13 * x3;
        epsP[base + 2 * nP + p] = epsP[base + 2 * nP + p]! + f2 * x0 + f6 * x1 + f10 * x2 + f14 * x3;
        epsP[base + 3 * nP + p] = epsP[base + 3 * nP + p]! + f3 * x0 + f7 * x1 + f11 * x2 + f15 * x3;
      }
    }
  }
}
