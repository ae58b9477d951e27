/** One layer's HYPR buffers: eligibility per presynaptic group, the segment cache, P-stage work. */
import type { RealArray } from '@snn/protocol';
import { presynapticGroups, type LayerStep, type PresynapticGroup } from '@snn/engine';

export interface GroupState {
  group: PresynapticGroup;
  /** `[lambda, B, m]` presynaptic values of the segment's steps. */
  pre: RealArray;
  /**
   * `[B, m, G, d+1, H]` eligibility at the segment start (component d: the kappa-filtered trace),
   * presynaptic-major so that one presynaptic event adds one contiguous row, and plane-major inside
   * a row so that the carry-in maps run 4 neurons per SIMD instruction.
   */
  eps: RealArray;
  /** `[m, G*H]` gradient accumulator (presynaptic-major, for the same reason). */
  gradT: RealArray;
  /** `[G*H, m]` the gradient in the layout `gatherGradients` reads, filled from `gradT` at each flush. */
  grad: RealArray;
}

/** One layer's HYPR state: its eligibility, the segment cache and the P-stage work buffers. */
export interface HyprLayer {
  step: LayerStep;
  groups: GroupState[];
  // Segment cache, index s = 0..lambda-1.
  cJ: RealArray;
  cD: RealArray;
  cDrec: RealArray | null;
  cC: RealArray;
  cCI: RealArray;
  cCIrec: RealArray | null;
  cP: RealArray;
  cCP: RealArray;
  cSignal: RealArray;
  // P-stage work.
  scanA: RealArray;
  scanB: RealArray;
  outA: RealArray;
  outB: RealArray;
  qd: RealArray;
  v: RealArray;
  epsP: RealArray;
  gradP: RealArray;
  /** `[B, e, e, H]` Phi_0 of each neuron, plane-major (the carry-in map). */
  phi0: RealArray;
  /** `[B, e, H]` q_0 of each neuron, plane-major. */
  q0: RealArray;
  tmp: Float64Array;
}

export function allocateLayer(step: LayerStep, B: number, L: number, allocate: (n: number) => RealArray): HyprLayer {
  const { H, G, d, nP } = step;
  const e = d + 1;
  const a = allocate;
  const split = step.layer.cell.splitsRecurrentCurrent;
  return {
    step,
    groups: presynapticGroups(step.layer).map((group) => ({
      group,
      pre: a(L * B * group.width),
      eps: a(B * G * H * e * group.width),
      gradT: a(G * H * group.width),
      grad: a(G * H * group.width),
    })),
    cJ: a(L * B * H * d * d),
    cD: a(L * B * H * d * G),
    cDrec: split ? a(L * B * H * d * G) : null,
    cC: a(L * B * H * d),
    cCI: a(L * B * H * G),
    cCIrec: split ? a(L * B * H * G) : null,
    cP: a(L * B * H * d * nP),
    cCP: a(L * B * H * nP),
    cSignal: a(L * B * H),
    scanA: a((L + 1) * B * H * e * e),
    scanB: a((L + 1) * B * H * e),
    outA: a((L + 1) * B * H * e * e),
    outB: a((L + 1) * B * H * e),
    qd: a(L * B * G * H),
    v: a(B * L * G * H * e),
    epsP: a(B * H * e * nP),
    gradP: a(nP * H),
    phi0: a(B * e * e * H),
    q0: a(B * e * H),
    tmp: new Float64Array(Math.max(e * e, e * nP, 2 * e)),
  };
}

/** Copies one step's `size` values of `src` into slot `s` of the segment cache `dst` (both may be absent). */
export function cacheStep(src: RealArray | null, dst: RealArray | null, size: number, s: number): void {
  if (src && dst) dst.set(src.subarray(0, size), s * size);
}
