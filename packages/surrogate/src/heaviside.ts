/**
 * The spike function H(v) = 1 if v > 0 else 0. H(0) = 0 (strict), as in the BRF, SE-adLIF,
 * snnTorch and e-prop code and the project's vectors; NaN also gives 0.
 */
export function heaviside(v: number): number {
  return v > 0 ? 1 : 0;
}
