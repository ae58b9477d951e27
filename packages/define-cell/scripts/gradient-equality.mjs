// Prints the worst relative BPTT gradient error (float64) of the defineCell LIF/ALIF/BRF against the
// hand-written packages, over random networks and batches. `node scripts/gradient-equality.mjs` (after `pnpm build`).
import { createNetwork, registerCell, registerRule } from '@snn/core';
import { bptt } from '@snn/bptt';
import { lif } from '@snn/lif';
import { alif } from '@snn/alif';
import { brf } from '@snn/brf';
import { relativeError, ruleGradients } from '@snn/testing';
import { definedAlif, definedBrf, definedLif } from '../dist/index.js';

[lif, alif, brf, definedLif, definedAlif, definedBrf].forEach((c) => registerCell(c));
registerRule(bptt);

let s = 7;
const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
for (const [hand, derived, scale] of [['lif', 'defined-lif', 2], ['alif', 'defined-alif', 2], ['brf', 'defined-brf', 60]]) {
  let worst = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const layers = seed % 2 ? [{ neurons: 16 }] : [{ neurons: 8 }, { neurons: 6, recurrent: false }, { neurons: 8 }];
    const spec = (cell) => ({ inputs: 5, outputs: 3, layers: layers.map((l) => ({ cell, ...l })), readout: { kappa: 0.8 } });
    const a = createNetwork(spec(hand), { dtype: 'float64', seed, init: { inputScale: 3, recurrentScale: 0.8 } });
    const b = createNetwork(spec(derived), { dtype: 'float64', seed });
    for (const p of a.parameters()) b.setParameter(p.name, p.data, p.shape);
    const B = 4, T = 40;
    const x = Float64Array.from({ length: B * T * 5 }, () => (rnd() < 0.3 ? scale * rnd() : 0));
    const data = { x, batch: B, steps: T, targets: Int32Array.from({ length: B }, (_, i) => i % 3), lossMask: Array.from({ length: T }, (_, t) => (t >= T / 2 ? 1 : 0)) };
    const ga = ruleGradients(a, 'bptt', data);
    const gb = ruleGradients(b, 'bptt', data);
    for (const [name, g] of ga) worst = Math.max(worst, relativeError(gb.get(name), g));
  }
  console.log(`${hand.padEnd(5)} vs ${derived.padEnd(13)} worst relative gradient error over 10 random networks: ${worst.toExponential(2)}`);
}
