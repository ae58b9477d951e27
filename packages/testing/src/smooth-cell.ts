import type { CellDefinition, CellJacobianArgs, CellStepArgs, CellV1, CellVjpArgs, DType, RealArray } from '@snn/protocol';

/**
 * A smooth two-variable cell for testing rules with finite differences. It has every feature a real
 * cell may have: a non-diagonal J, the neuron's own previous output inside the dynamics, a direct
 * output dependence on the state, and two neuron-wise parameters:
 *
 *   p_t = leak p_{t-1} + I_t - 0.3 y_{t-1}
 *   q_t = 0.8 q_{t-1} + 0.5 tanh(p_{t-1})
 *   y_t = tanh(gain (p_t + q_t))
 */
export class SmoothTestCell implements CellV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'smooth-test';
  readonly stateSize = 2;
  readonly stateNames = ['p', 'q'];
  readonly gates = 1;
  readonly spiking = false;
  readonly splitsRecurrentCurrent = false;
  readonly biases = [{ name: 'b', adds: 'input' as const }];
  readonly neuronParameters = [
    { name: 'leak', description: 'decay of p' },
    { name: 'gain', description: 'output gain' },
  ];
  readonly tapeSize = 0;
  readonly capabilities = { vjp: true, jacobians: true, diagonalJacobian: false };
  readonly options = {};

  constructor(readonly neurons: number) {}

  initNeuronParameters(dtype: DType, random: () => number): Record<string, RealArray> {
    const make = (lo: number, hi: number) => {
      const a = dtype === 'float64' ? new Float64Array(this.neurons) : new Float32Array(this.neurons);
      for (let i = 0; i < a.length; i++) a[i] = lo + (hi - lo) * random();
      return a;
    };
    return { leak: make(0.5, 0.95), gain: make(0.5, 1.5) };
  }

  step(a: CellStepArgs): void {
    const H = this.neurons;
    const n = a.batch * H;
    const leak = a.params.leak!;
    const gain = a.params.gain!;
    for (let i = 0; i < n; i++) {
      const h = i % H;
      const p = leak[h]! * a.prevState[i]! + a.inputCurrent[i]! - 0.3 * a.prevOutput[i]!;
      const q = 0.8 * a.prevState[n + i]! + 0.5 * Math.tanh(a.prevState[i]!);
      a.state[i] = p;
      a.state[n + i] = q;
      a.output[i] = Math.tanh(gain[h]! * (p + q));
    }
  }

  vjp(a: CellVjpArgs): void {
    const H = this.neurons;
    const n = a.batch * H;
    const leak = a.params.leak!;
    const gain = a.params.gain!;
    const gLeak = a.gradParams.leak!;
    const gGain = a.gradParams.gain!;
    for (let i = 0; i < n; i++) {
      const h = i % H;
      const sum = a.state[i]! + a.state[n + i]!;
      const y = a.output[i]!;
      const dy = (1 - y * y) * a.gradOutput[i]!;
      const gp = a.gradState[i]! + dy * gain[h]!;
      const gq = a.gradState[n + i]! + dy * gain[h]!;
      gGain[h] = gGain[h]! + dy * sum;
      const pPrev = a.prevState[i]!;
      const th = Math.tanh(pPrev);
      a.gradPrevState[i] = gp * leak[h]! + gq * 0.5 * (1 - th * th);
      a.gradPrevState[n + i] = gq * 0.8;
      a.gradPrevOutput[i] = a.gradPrevOutput[i]! - 0.3 * gp;
      a.gradInputCurrent[i] = gp;
      gLeak[h] = gLeak[h]! + gp * pPrev;
    }
  }

  jacobians(a: CellJacobianArgs): void {
    const H = this.neurons;
    const n = a.batch * H;
    const leak = a.params.leak!;
    const gain = a.params.gain!;
    for (let i = 0; i < n; i++) {
      const h = i % H;
      const pPrev = a.prevState[i]!;
      const th = Math.tanh(pPrev);
      // y_{t-1} = tanh(gain (p_{t-1} + q_{t-1})) is a function of s_{t-1}: chain it into J.
      const yPrev = a.prevOutput[i]!;
      const dyPrev = (1 - yPrev * yPrev) * gain[h]!;
      const y = a.output[i]!;
      const dy = (1 - y * y) * gain[h]!;
      // J rows: [dp/dp, dp/dq; dq/dp, dq/dq]
      a.J[i * 4] = leak[h]! - 0.3 * dyPrev;
      a.J[i * 4 + 1] = -0.3 * dyPrev;
      a.J[i * 4 + 2] = 0.5 * (1 - th * th);
      a.J[i * 4 + 3] = 0.8;
      a.D[i * 2] = 1;
      a.D[i * 2 + 1] = 0;
      a.C[i * 2] = dy;
      a.C[i * 2 + 1] = dy;
      a.CI[i] = 0;
      // P rows: [dp/dleak, dp/dgain; dq/dleak, dq/dgain]
      // p_t reads y_{t-1} = tanh(gain (p + q)_{t-1}), which depends on gain directly.
      const dyPrevDgain = (1 - yPrev * yPrev) * (pPrev + a.prevState[n + i]!);
      a.P[i * 4] = pPrev;
      a.P[i * 4 + 1] = -0.3 * dyPrevDgain;
      a.P[i * 4 + 2] = 0;
      a.P[i * 4 + 3] = 0;
      a.CP[i * 2] = 0;
      a.CP[i * 2 + 1] = (1 - y * y) * (a.state[i]! + a.state[n + i]!);
    }
  }
}

/** Registry entry of the smooth test cell (`registerCell(smoothTestCell)`), name 'smooth-test'. */
export const smoothTestCell: CellDefinition = {
  kind: 'cell',
  specificationVersion: 'v1',
  name: 'smooth-test',
  description: 'Smooth two-variable cell for finite-difference tests of rules',
  capabilities: { vjp: true, jacobians: true, diagonalJacobian: false },
  create: (neurons) => new SmoothTestCell(neurons),
};
