// The cue example's network, shared by probe.mjs and train.mjs: one recurrent layer (SE-adLIF without its
// default clamp, or BRF) and a leaky read-out, with the neuron parameters optionally re-drawn from given
// ranges (cfg.tauW, tauU in steps; adaptA, adaptB; omega, bOffset), in a fixed order from one seeded stream.
import { createNetwork, registerCell } from '@snn/core';
import { brf } from '@snn/brf';
import { seAdlif } from '@snn/se-adlif';

registerCell(brf);
registerCell(seAdlif);

export function createCueNetwork(cfg, source) {
  const network = createNetwork(
    {
      inputs: source.inputs,
      outputs: source.classes,
      layers: [{ cell: cfg.cell, neurons: cfg.hidden, cellOptions: cfg.cell === 'se-adlif' ? { clamp: false, ...cfg.cellOptions } : cfg.cellOptions }],
      readout: { kappa: cfg.kappa ?? 0.9 },
    },
    { seed: cfg.seed, init: { inputScale: cfg.inputScale, recurrentScale: cfg.recurrentScale, outputScale: cfg.outputScale ?? 1 } },
  );
  let rng = cfg.seed * 9301 + 49297;
  const rand = () => ((rng = (rng * 9301 + 49297) % 233280) / 233280);
  const params = Object.fromEntries(network.parameters().map((p) => [p.name, p]));
  const reinit = (name, range, f) => {
    if (!range) return;
    const p = params[name];
    if (!p) throw new Error(`no parameter ${name} in a ${cfg.cell} network: ${Object.keys(params).join(', ')}`);
    for (let i = 0; i < p.data.length; i++) p.data[i] = f(range[0] + (range[1] - range[0]) * rand());
  };
  const decay = (tau) => Math.exp(-1 / tau);
  reinit('beta', cfg.tauW, decay);
  reinit('alpha', cfg.tauU, decay);
  reinit('adapt_a', cfg.adaptA, (x) => x);
  reinit('adapt_b', cfg.adaptB, (x) => x);
  reinit('omega', cfg.omega, (x) => x);
  reinit('b_offset', cfg.bOffset, (x) => x);
  network.markUpdated();
  return { network, params };
}
