import type { CellJacobianArgs, CellV1, CellVjpArgs, DType, RealArray } from '@snn/protocol';
import { allocate } from '@snn/core';
import { UnsupportedError } from '@snn/errors';
import { createRandom } from '@snn/random';

export interface JacobianCheckResult {
  ok: boolean;
  /** Largest absolute difference per block (J, D, P, C-chain). */
  errors: Record<string, number>;
  tolerance: number;
}

/**
 * Checks that a cell's per-neuron Jacobian blocks (what forward rules use) agree with its VJP (what
 * BPTT uses), at random states after two real steps, in float64:
 * - with dL/ds_t = e_k: dL/ds_{t-1} + dL/dy_{t-1} C_{t-1} must be row k of J, dL/dI row k of D,
 *   dL/dp row k of P (summed over the batch);
 * - with dL/dy_t = 1: dL/dI must be C D + C^I.
 */
export function checkCellJacobians(cell: CellV1, options: { batch?: number; seed?: number; tolerance?: number; currentScale?: number } = {}): JacobianCheckResult {
  if (!cell.vjp || !cell.jacobians) {
    throw new UnsupportedError(`Jacobian check of cell "${cell.name}"`, 'it needs both vjp and jacobians');
  }
  const dtype: DType = 'float64';
  const B = options.batch ?? 3;
  const H = cell.neurons;
  const d = cell.stateSize;
  const G = cell.gates;
  const nP = cell.neuronParameters.length;
  const tolerance = options.tolerance ?? 1e-9;
  const scale = options.currentScale ?? 1.5;
  const random = createRandom(options.seed ?? 1);
  const a = (n: number) => allocate(dtype, n);
  const params = cell.initNeuronParameters?.(dtype, () => random.next()) ?? {};
  const split = cell.splitsRecurrentCurrent;
  const fillRandom = (arr: RealArray, lo: number, hi: number) => {
    for (let i = 0; i < arr.length; i++) arr[i] = random.uniform(lo, hi);
  };
  // Two steps so that y_{t-1} is what the cell itself produced from s_{t-1}.
  const s0 = a(d * B * H);
  fillRandom(s0, -0.5, 0.5);
  const y0 = a(B * H);
  const s1 = a(d * B * H);
  const y1 = a(B * H);
  const s2 = a(d * B * H);
  const y2 = a(B * H);
  const I1 = a(B * G * H);
  const I2 = a(B * G * H);
  fillRandom(I1, -scale, scale);
  fillRandom(I2, -scale, scale);
  const R1 = split ? a(B * G * H) : null;
  const R2 = split ? a(B * G * H) : null;
  if (R1 && R2) {
    fillRandom(R1, -scale, scale);
    fillRandom(R2, -scale, scale);
  }
  const tape1 = a(Math.max(1, cell.tapeSize) * B * H);
  const tape2 = a(Math.max(1, cell.tapeSize) * B * H);
  cell.step({ batch: B, inputCurrent: I1, recurrentCurrent: R1, prevState: s0, prevOutput: y0, state: s1, output: y1, tape: tape1, params });
  cell.step({ batch: B, inputCurrent: I2, recurrentCurrent: R2, prevState: s1, prevOutput: y1, state: s2, output: y2, tape: tape2, params });

  const blocks = (prevState: RealArray, prevOutput: RealArray, state: RealArray, output: RealArray, I: RealArray, R: RealArray | null, tape: RealArray) => {
    const j: CellJacobianArgs = {
      batch: B, inputCurrent: I, recurrentCurrent: R, prevState, prevOutput, state, output, tape, params,
      J: a(B * H * d * d), D: a(B * H * d * G), Drec: split ? a(B * H * d * G) : null,
      C: a(B * H * d), CI: a(B * H * G), CIrec: split ? a(B * H * G) : null, P: a(B * H * d * Math.max(1, nP)), CP: a(B * H * Math.max(1, nP)),
    };
    cell.jacobians!(j);
    return j;
  };
  const first = blocks(s0, y0, s1, y1, I1, R1, tape1);
  const second = blocks(s1, y1, s2, y2, I2, R2, tape2);

  const runVjp = (gradState: RealArray, gradOutput: RealArray) => {
    const gradParams: Record<string, RealArray> = {};
    for (const p of cell.neuronParameters) gradParams[p.name] = a(H);
    const args: CellVjpArgs = {
      batch: B, inputCurrent: I2, recurrentCurrent: R2, prevState: s1, prevOutput: y1, state: s2, output: y2, tape: tape2, params,
      gradState, gradOutput, gradPrevState: a(d * B * H), gradPrevOutput: a(B * H), gradInputCurrent: a(B * G * H),
      gradRecurrentCurrent: split ? a(B * G * H) : null, gradParams,
    };
    cell.vjp!(args);
    return args;
  };

  const errors: Record<string, number> = { J: 0, D: 0, Drec: 0, P: 0, outputChain: 0 };
  const note = (block: string, actual: number, expected: number) => {
    errors[block] = Math.max(errors[block]!, Math.abs(actual - expected));
  };
  const C1 = first.C;
  const { J, D, Drec, C, CI, CIrec, P, CP } = second;
  for (let k = 0; k < d; k++) {
    const gs = a(d * B * H);
    gs.fill(1, k * B * H, (k + 1) * B * H);
    const r = runVjp(gs, a(B * H));
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const n = b * H + h;
        for (let jj = 0; jj < d; jj++) {
          const viaVjp = r.gradPrevState[jj * B * H + n]! + r.gradPrevOutput[n]! * C1[n * d + jj]!;
          note('J', viaVjp, J[(n * d + k) * d + jj]!);
        }
        for (let g = 0; g < G; g++) {
          note('D', r.gradInputCurrent[b * G * H + g * H + h]!, D[(n * d + k) * G + g]!);
          if (split) note('Drec', r.gradRecurrentCurrent![b * G * H + g * H + h]!, Drec![(n * d + k) * G + g]!);
        }
      }
    }
    // Through y_{t-1} the parameters also act on s_t: the VJP hands that part to dL/dy_{t-1}, which
    // the previous step turns into a parameter gradient through its direct CP.
    cell.neuronParameters.forEach((p, pi) => {
      for (let h = 0; h < H; h++) {
        let sum = 0;
        let viaPrevOutput = r.gradParams[p.name]![h]!;
        for (let b = 0; b < B; b++) {
          sum += P[((b * H + h) * d + k) * nP + pi]!;
          viaPrevOutput += r.gradPrevOutput[b * H + h]! * first.CP[(b * H + h) * nP + pi]!;
        }
        note('P', viaPrevOutput, sum);
      }
    });
  }
  // dL/dy_t = 1: dL/dI = sum_k C_k D_k + C^I.
  const ones = a(B * H);
  ones.fill(1);
  const r = runVjp(a(d * B * H), ones);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const n = b * H + h;
      for (let g = 0; g < G; g++) {
        let expected = CI[n * G + g]!;
        let expectedRec = split ? CIrec![n * G + g]! : 0;
        for (let k = 0; k < d; k++) {
          expected += C[n * d + k]! * D[(n * d + k) * G + g]!;
          if (split) expectedRec += C[n * d + k]! * Drec![(n * d + k) * G + g]!;
        }
        note('outputChain', r.gradInputCurrent[b * G * H + g * H + h]!, expected);
        if (split) note('outputChain', r.gradRecurrentCurrent![b * G * H + g * H + h]!, expectedRec);
      }
    }
  }
  cell.neuronParameters.forEach((p, pi) => {
    for (let h = 0; h < H; h++) {
      let sum = 0;
      for (let b = 0; b < B; b++) {
        const n = b * H + h;
        sum += CP[n * nP + pi]!;
        for (let k = 0; k < d; k++) sum += C[n * d + k]! * P[(n * d + k) * nP + pi]!;
      }
      let viaPrevOutput = r.gradParams[p.name]![h]!;
      for (let b = 0; b < B; b++) viaPrevOutput += r.gradPrevOutput[b * H + h]! * first.CP[(b * H + h) * nP + pi]!;
      note('outputChain', viaPrevOutput, sum);
    }
  });
  const ok = Object.values(errors).every((e) => e <= tolerance);
  return { ok, errors, tolerance };
}
