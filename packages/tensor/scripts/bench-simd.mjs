#!/usr/bin/env node
/**
 * Prints benchmarkSimd() (SIMD WebAssembly kernels vs the JS kernels) as a table.
 * Needs a build first:  cd packages/tensor && pnpm build && node scripts/bench-simd.mjs [minTimeMs]
 */
import { benchmarkSimd } from '../dist/index.js';

const minTimeMs = Number(process.argv[2] ?? 500);
const result = benchmarkSimd({ minTimeMs });
if (result === null) {
  console.log('WebAssembly SIMD / shared memory unavailable in this runtime');
  process.exit(0);
}
const f = (x) => (x === null ? '-' : x.toFixed(2));
console.log('kernel        shape            SIMD        JS      speed-up');
for (const g of result.gemm) {
  const shape = `${g.m}x${g.n}x${g.k}`.padEnd(16);
  const ratio = g.jsGflops ? (g.simdGflops / g.jsGflops).toFixed(1) + 'x' : '-';
  console.log(`gemm          ${shape} ${f(g.simdGflops).padStart(6)} GF/s ${f(g.jsGflops).padStart(6)} GF/s  ${ratio}`);
}
const s = result.scatterAxpy;
const ratio = s.jsGmacs ? (s.simdGmacs / s.jsGmacs).toFixed(1) + 'x' : '-';
console.log(
  `scatterAxpy   n=${s.n} count=${s.count}`.padEnd(31) +
    ` ${f(s.simdGmacs).padStart(6)} GM/s ${f(s.jsGmacs).padStart(6)} GM/s  ${ratio}`,
);
