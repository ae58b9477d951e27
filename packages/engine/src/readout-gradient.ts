import type { RealArray } from '@snn/protocol';
import type { ForwardStep } from './forward-step';

/**
 * Exact readout gradients: W_out += gradO^T ybar, b_out += sum_b gradO * cbar with the kappa-filtered
 * output ybar_t = kappa ybar_{t-1} + y_t and cbar_t = kappa cbar_{t-1} + 1.
 */
export class ReadoutGradient {
  ybar!: RealArray;
  cbar = 0;
  gradW!: RealArray;
  gradB!: RealArray;
  constructor(
    private readonly fwd: ForwardStep,
  ) {}
  allocate(): void {
    const { batch: B, O } = this.fwd;
    const H = this.fwd.top.H;
    this.ybar = this.fwd.ops.allocate(B * H);
    this.gradW = this.fwd.ops.allocate(O * H);
    this.gradB = this.fwd.ops.allocate(O);
  }
  reset(): void {
    this.ybar.fill(0);
    this.cbar = 0;
  }
  /** After `fwd.forward`: update ybar with this step's output and add this step's readout gradient. */
  step(): void {
    const f = this.fwd;
    const { batch: B, O, kappa } = f;
    const H = f.top.H;
    const y = f.top.output;
    const ybar = this.ybar;
    if (kappa === 0) ybar.set(y.subarray(0, B * H));
    else for (let i = 0; i < B * H; i++) ybar[i] = kappa * ybar[i]! + y[i]!;
    this.cbar = kappa * this.cbar + 1;
    if (!f.lastHadLoss) return;
    const gO = f.gradO;
    f.ops.gemm(true, false, O, H, B, 1, gO, 0, O, ybar, 0, H, 1, this.gradW, 0, H);
    for (let b = 0; b < B; b++) for (let k = 0; k < O; k++) this.gradB[k] = this.gradB[k]! + this.cbar * gO[b * O + k]!;
  }
  addTo(out: Map<string, RealArray>): void {
    const gW = out.get('W_out')!;
    const gB = out.get('b_out')!;
    for (let i = 0; i < gW.length; i++) gW[i] = gW[i]! + this.gradW[i]!;
    for (let i = 0; i < gB.length; i++) gB[i] = gB[i]! + this.gradB[i]!;
  }
  zero(): void {
    this.gradW.fill(0);
    this.gradB.fill(0);
  }
}
