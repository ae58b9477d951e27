/**
 * @snn/lstm: the long short-term memory cell in PyTorch's convention (gate order i, f, g, o), exactly
 * as in the @snn vectors. With the summed current a_t = W_in x_t + W_rec h_{t-1} + b (`[4H]` per
 * sequence, gate k of neuron h at column k*H + h):
 *
 *   i = sig(a_i), f = sig(a_f), g = tanh(a_g), o = sig(a_o),
 *   c_t = f c_{t-1} + i g,   h_t = o tanh(c_t).
 *
 * State: d = 1 (the cell state c). The output h_t depends on c_t and, directly, on the current step's
 * output gate, so both C = dh/dc = o (1 - tanh^2 c) and C^I = dh/da (the o column only) are nonzero.
 * The previous output h_{t-1} enters only through W_rec (the layer's business): the VJP adds nothing
 * to dL/dh_{t-1}, and the neuron-internal Jacobian is J = dc_t/dc_{t-1} = f_t.
 */
import type { CellDefinition, CellJacobianArgs, CellStepArgs, CellV1, CellVjpArgs } from '@snn/protocol';
import { InvalidArgumentError } from '@snn/errors';

/** The LSTM has no constants: every option key is rejected. */
export type LstmOptions = Record<string, never>;

/** Values saved per neuron per step (tape planes, in this order). */
const TAPE = ['i', 'f', 'g', 'o', 'tanh(c)'] as const;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export class LstmCell implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'lstm';
  readonly stateSize = 1;
  readonly stateNames = ['cell'] as const;
  readonly gates = 4;
  readonly spiking = false;
  readonly splitsRecurrentCurrent = false;
  readonly biases = [{ name: 'b', adds: 'input' }] as const;
  readonly neuronParameters = [] as const;
  /** Tape planes `[5, B, H]`: i, f, g, o and tanh(c_t). */
  readonly tapeSize = TAPE.length;
  readonly capabilities = { vjp: true, jacobians: true, diagonalJacobian: true } as const;
  readonly options: Readonly<LstmOptions>;

  constructor(
    readonly neurons: number,
    options: Partial<LstmOptions> = {},
  ) {
    const unknown = Object.keys(options ?? {});
    if (unknown.length > 0) {
      throw new InvalidArgumentError(`lstm option "${unknown[0]}"`, 'unknown option; the LSTM cell takes no options');
    }
    if (!Number.isInteger(neurons) || neurons < 1) {
      throw new InvalidArgumentError('neurons', `must be a positive integer, got ${neurons}`);
    }
    this.options = Object.freeze({}) as LstmOptions;
  }

  step(args: CellStepArgs): void {
    const { inputCurrent: a, prevState: cPrev, state: c, output: h, tape } = args;
    const H = this.neurons;
    const B = args.batch;
    const n = B * H;
    const GH = 4 * H;
    for (let b = 0; b < B; b++) {
      const row = b * GH;
      const base = b * H;
      for (let j = 0; j < H; j++) {
        const k = row + j;
        const i = sigmoid(a[k]!);
        const f = sigmoid(a[k + H]!);
        const g = Math.tanh(a[k + 2 * H]!);
        const o = sigmoid(a[k + 3 * H]!);
        const m = base + j;
        const cNew = f * cPrev[m]! + i * g;
        const tc = Math.tanh(cNew);
        c[m] = cNew;
        h[m] = o * tc;
        tape[m] = i;
        tape[n + m] = f;
        tape[2 * n + m] = g;
        tape[3 * n + m] = o;
        tape[4 * n + m] = tc;
      }
    }
  }

  vjp(args: CellVjpArgs): void {
    const { prevState: cPrev, tape, gradState, gradOutput, gradPrevState, gradInputCurrent: gradA } = args;
    const H = this.neurons;
    const B = args.batch;
    const n = B * H;
    const GH = 4 * H;
    for (let b = 0; b < B; b++) {
      const row = b * GH;
      const base = b * H;
      for (let j = 0; j < H; j++) {
        const m = base + j;
        const i = tape[m]!;
        const f = tape[n + m]!;
        const g = tape[2 * n + m]!;
        const o = tape[3 * n + m]!;
        const tc = tape[4 * n + m]!;
        const gh = gradOutput[m]!;
        const gc = gradState[m]! + gh * o * (1 - tc * tc);
        const k = row + j;
        gradA[k] = gc * g * i * (1 - i);
        gradA[k + H] = gc * cPrev[m]! * f * (1 - f);
        gradA[k + 2 * H] = gc * i * (1 - g * g);
        gradA[k + 3 * H] = gh * tc * o * (1 - o);
        gradPrevState[m] = gc * f;
        // h_{t-1} is used only through W_rec: nothing to add to gradPrevOutput.
      }
    }
  }

  jacobians(args: CellJacobianArgs): void {
    const { prevState: cPrev, tape, J, D, C, CI } = args;
    const n = args.batch * this.neurons;
    for (let m = 0; m < n; m++) {
      const i = tape[m]!;
      const f = tape[n + m]!;
      const g = tape[2 * n + m]!;
      const o = tape[3 * n + m]!;
      const tc = tape[4 * n + m]!;
      J[m] = f;
      const k = 4 * m;
      D[k] = g * i * (1 - i);
      D[k + 1] = cPrev[m]! * f * (1 - f);
      D[k + 2] = i * (1 - g * g);
      D[k + 3] = 0;
      C[m] = o * (1 - tc * tc);
      CI[k] = 0;
      CI[k + 1] = 0;
      CI[k + 2] = 0;
      CI[k + 3] = tc * o * (1 - o);
    }
  }
}

export function createLstm(neurons: number, options?: Partial<LstmOptions>): LstmCell {
  return new LstmCell(neurons, options);
}

/** Registry entry: `registerCell(lstm)` from @snn/core makes `'lstm'` available by name. */
export const lstm: CellDefinition<LstmOptions> = {
  kind: 'cell',
  specificationVersion: 'v1',
  name: 'lstm',
  description: 'Long short-term memory (PyTorch gates i, f, g, o): c = f c + i g, h = o tanh(c)',
  capabilities: { vjp: true, jacobians: true, diagonalJacobian: true },
  create: (neurons, options) => new LstmCell(neurons, options),
};
