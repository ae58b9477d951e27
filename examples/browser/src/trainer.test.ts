import { describe, expect, it } from 'vitest';
import { checkGradient, defaultConfig, Trainer, type CellName, type RuleName, type TaskName } from './trainer';

// In Node the gpu.js kernels run in gpu.js's cpu mode: the same kernel sources as WebGL2 in the page.
describe('browser trainer (Node, gpu.js cpu mode)', () => {
  it.each([
    ['eprop', 'lif', 'randman'], ['eprop', 'alif', 'morse'], ['hypr', 'alif', 'cue'], ['tbptt1', 'lif', 'randman'], ['bptt', 'brf', 'randman'],
  ] as Array<[RuleName, CellName, TaskName]>)('%s on %s/%s: one batch gradient from the gpu.js kernels equals the WebAssembly one', (rule, cell, task) => {
    const check = checkGradient({ ...defaultConfig, rule, cell, task, lambda: 5 });
    expect(check.gpuDispatches).toBeGreaterThan(0);
    expect(check.gpujs).toBe('gpujs-cpu');
    expect(check.reference).toBe('wasm-simd');
    expect(check.parameters).toBeGreaterThanOrEqual(3);
    expect(check.worstRelativeError).toBeLessThan(1e-4);
  });

  it('lowers the loss on randman with e-prop in 30 batches (WebAssembly kernels)', () => {
    const trainer = new Trainer({ ...defaultConfig, backend: 'wasm' });
    const losses = Array.from({ length: 30 }, () => trainer.trainBatch().loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.8 * mean(losses.slice(0, 5)));
    const raster = trainer.hiddenSpikes();
    expect(raster.spikes.length).toBe(raster.steps * raster.neurons);
  });
});

describe('kernel check (the page runs it on WebGL2)', () => {
  it('every gpu.js training kernel equals the reference in gpu.js cpu mode', async () => {
    const { checkKernels } = await import('./kernel-check');
    const result = checkKernels();
    expect(result.mode).toBe('cpu');
    expect(Object.keys(result.errors).sort()).toEqual(['backwardProduct', 'eligibilityGradient', 'projectSegment', 'segmentGradient', 'traceScan']);
    for (const [name, error] of Object.entries(result.errors)) expect(error, name).toBeLessThan(1e-5);
  });
});
