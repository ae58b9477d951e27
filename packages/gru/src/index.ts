/**
 * @snn/gru: the gated recurrent unit in PyTorch's convention (gate order r, z, n; separate input and
 * recurrent biases), exactly as in the @snn vectors. The cell splits its currents: per sequence the
 * input current `a = W_in x_t + b_in` and the recurrent current `R = W_rec h_{t-1} + b_rec`
 * (`[3H]` each, gate k of neuron h at column k*H + h), and
 *
 *   r = sig(a_r + R_r),  zg = sig(a_z + R_z),  n = tanh(a_n + r R_n),
 *   h_t = (1 - zg) n + zg h_{t-1}.
 *
 * State: d = 1, the hidden state h itself, and the output is that state (y = h, C = 1, C^I = 0). The
 * neuron-internal term `zg h_{t-1}` reads the previous *state* (`prevState`), never `prevOutput`, so
 * the VJP sends it to dL/ds_{t-1} and adds nothing to dL/dy_{t-1}; everything else about h_{t-1}
 * reaches the cell through the recurrent current R, which is the layer's business (W_rec, b_rec).
 * With R held fixed the per-neuron Jacobian is J = dh_t/dh_{t-1} = zg.
 */
import type { CellDefinition, CellJacobianArgs, CellStepArgs, CellV1, CellVjpArgs } from '@snn/protocol';
import { InvalidArgumentError } from '@snn/errors';

/** The GRU has no constants: every option key is rejected. */
export type GruOptions = Record<string, never>;

/** Values saved per neuron per step (tape planes, in this order). */
const TAPE = ['r', 'z', 'n'] as const;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function requireRecurrentCurrent<T>(current: T | null): T {
  if (current === null) {
    throw new InvalidArgumentError('gru recurrentCurrent', 'the GRU splits its currents (splitsRecurrentCurrent): pass W_rec h_{t-1} + b_rec separately');
  }
  return current;
}

export class GruCell implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'gru';
  readonly stateSize = 1;
  readonly stateNames = ['hidden'] as const;
  readonly gates = 3;
  readonly spiking = false;
  readonly splitsRecurrentCurrent = true;
  readonly biases = [
    { name: 'b_in', adds: 'input' },
    { name: 'b_rec', adds: 'recurrent' },
  ] as const;
  readonly neuronParameters = [] as const;
  /** Tape planes `[3, B, H]`: r, zg and n. */
  readonly tapeSize = TAPE.length;
  readonly capabilities = { vjp: true, jacobians: true, diagonalJacobian: true } as const;
  readonly options: Readonly<GruOptions>;

  constructor(
    readonly neurons: number,
    options: Partial<GruOptions> = {},
  ) {
    const unknown = Object.keys(options ?? {});
    if (unknown.length > 0) {
      throw new InvalidArgumentError(`gru option "${unknown[0]}"`, 'unknown option; the GRU cell takes no options');
    }
    if (!Number.isInteger(neurons) || neurons < 1) {
      throw new InvalidArgumentError('neurons', `must be a positive integer, got ${neurons}`);
    }
    this.options = Object.freeze({}) as GruOptions;
  }

  step(args: CellStepArgs): void {
    const { inputCurrent: a, prevState: hPrev, state, output, tape } = args;
    const R = requireRecurrentCurrent(args.recurrentCurrent);
    const H = this.neurons;
    const B = args.batch;
    const n = B * H;
    const GH = 3 * H;
    for (let b = 0; b < B; b++) {
      const row = b * GH;
      const base = b * H;
      for (let j = 0; j < H; j++) {
        const k = row + j;
        const m = base + j;
        const r = sigmoid(a[k]! + R[k]!);
        const z = sigmoid(a[k + H]! + R[k + H]!);
        const cand = Math.tanh(a[k + 2 * H]! + r * R[k + 2 * H]!);
        const h = (1 - z) * cand + z * hPrev[m]!;
        state[m] = h;
        output[m] = h;
        tape[m] = r;
        tape[n + m] = z;
        tape[2 * n + m] = cand;
      }
    }
  }

  vjp(args: CellVjpArgs): void {
    const { prevState: hPrev, tape, gradState, gradOutput, gradPrevState, gradInputCurrent: gradA } = args;
    const R = requireRecurrentCurrent(args.recurrentCurrent);
    const gradR = requireRecurrentCurrent(args.gradRecurrentCurrent);
    const H = this.neurons;
    const B = args.batch;
    const n = B * H;
    const GH = 3 * H;
    for (let b = 0; b < B; b++) {
      const row = b * GH;
      const base = b * H;
      for (let j = 0; j < H; j++) {
        const m = base + j;
        const k = row + j;
        const r = tape[m]!;
        const z = tape[n + m]!;
        const cand = tape[2 * n + m]!;
        // y_t = s_t: the total gradient of h_t is the carried one plus the output's.
        const gh = gradState[m]! + gradOutput[m]!;
        const gCand = gh * (1 - z) * (1 - cand * cand);
        const gr = gCand * R[k + 2 * H]! * r * (1 - r);
        const gz = gh * (hPrev[m]! - cand) * z * (1 - z);
        gradA[k] = gr;
        gradA[k + H] = gz;
        gradA[k + 2 * H] = gCand;
        gradR[k] = gr;
        gradR[k + H] = gz;
        gradR[k + 2 * H] = gCand * r;
        gradPrevState[m] = gh * z;
        // h_{t-1} as prevOutput is not used by the cell (only through R): gradPrevOutput unchanged.
      }
    }
  }

  jacobians(args: CellJacobianArgs): void {
    const { prevState: hPrev, tape, J, D, C, CI } = args;
    const R = requireRecurrentCurrent(args.recurrentCurrent);
    const Drec = requireRecurrentCurrent(args.Drec);
    const CIrec = requireRecurrentCurrent(args.CIrec);
    const H = this.neurons;
    const B = args.batch;
    const n = B * H;
    const GH = 3 * H;
    for (let b = 0; b < B; b++) {
      const row = b * GH;
      const base = b * H;
      for (let j = 0; j < H; j++) {
        const m = base + j;
        const r = tape[m]!;
        const z = tape[n + m]!;
        const cand = tape[2 * n + m]!;
        const dCand = (1 - z) * (1 - cand * cand);
        const dr = dCand * R[row + j + 2 * H]! * r * (1 - r);
        const dz = (hPrev[m]! - cand) * z * (1 - z);
        J[m] = z;
        const k = 3 * m;
        D[k] = dr;
        D[k + 1] = dz;
        D[k + 2] = dCand;
        Drec[k] = dr;
        Drec[k + 1] = dz;
        Drec[k + 2] = dCand * r;
        C[m] = 1;
        CI[k] = 0;
        CI[k + 1] = 0;
        CI[k + 2] = 0;
        CIrec[k] = 0;
        CIrec[k + 1] = 0;
        CIrec[k + 2] = 0;
      }
    }
  }
}

export function createGru(neurons: number, options?: Partial<GruOptions>): GruCell {
  return new GruCell(neurons, options);
}

/** Registry entry: `registerCell(gru)` from @snn/core makes `'gru'` available by name. */
export const gru: CellDefinition<GruOptions> = {
  kind: 'cell',
  specificationVersion: 'v1',
  name: 'gru',
  description: 'Gated recurrent unit (PyTorch gates r, z, n; b_in and b_rec): h = (1 - z) n + z h',
  capabilities: { vjp: true, jacobians: true, diagonalJacobian: true },
  create: (neurons, options) => new GruCell(neurons, options),
};
