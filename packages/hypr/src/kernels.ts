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
