import { describe, expect, it } from 'vitest';
import { learningCurveSpec, linePanelSpec, renderLearningCurves, renderLinePanels } from './index';

const epochs = (offset: number) => Array.from({ length: 5 }, (_, i) => ({ epoch: i + 1, train_loss: 2 / (i + 1) + offset, test_loss: 2.2 / (i + 1) + offset, test_accuracy: 0.5 + 0.1 * i - offset }));

describe('learning curves', () => {
  it('draws three panels with the title, as SVG and PNG', async () => {
    const { svg, png } = await renderLearningCurves([{ label: 'a', epochs: epochs(0) }], { title: 'bptt · lif · randman' });
    expect(svg).toMatch(/^<svg/);
    for (const text of ['bptt · lif · randman', 'training loss', 'test loss', 'test accuracy']) expect(svg).toContain(text);
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    // width and height from the IHDR chunk: 2x the SVG for sharp text
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(16)).toBeGreaterThan(1000);
  });
  it('overlays several runs with a legend, and drops non-finite points instead of failing', async () => {
    const spec = learningCurveSpec([{ label: 'run-1', epochs: epochs(0) }, { label: 'run-2', epochs: epochs(0.1) }], { title: 't' }) as { hconcat: Array<{ encoding: { color: { field?: string } } }> };
    expect(spec.hconcat).toHaveLength(3);
    expect(spec.hconcat[0]!.encoding.color.field).toBe('run');
    const diverged = epochs(0).map((p, i) => (i === 2 ? { ...p, train_loss: Infinity } : p));
    const { svg } = await renderLearningCurves([{ label: 'run-1', epochs: diverged }, { label: 'run-2', epochs: epochs(0.1) }], { title: 't' });
    expect(svg).toContain('run-2');
  });
  it('says what is wrong with bad input', () => {
    expect(() => learningCurveSpec([], { title: 't' })).toThrow(/at least one run/);
    expect(() => learningCurveSpec([{ label: 'x', epochs: [{ epoch: 1, train_loss: 'a' as unknown as number, test_loss: 1, test_accuracy: 1 }] }], { title: 't' })).toThrow(/x.epochs\[\].train_loss: must be a number/);
  });
});

describe('line panels', () => {
  it('draws one panel per value with a line per series (mean over repeated x) and a band', async () => {
    const points = [1, 2].flatMap((seed) => ['layer0', 'output'].flatMap((panel) => ['ottt', 'otpe'].flatMap((series) => [0, 1, 2].map((x) => ({ panel, series, x, y: x / 4 + seed / 10 + (series === 'otpe' ? 0.3 : 0) })))));
    const spec = linePanelSpec(points, { title: 'cosine', xTitle: 'epoch', yTitle: 'cosine', yDomain: [-1, 1] }) as { facet: { sort: string[] }; data: { values: unknown[] } };
    expect(spec.facet.sort).toEqual(['layer0', 'output']);
    expect(spec.data.values).toHaveLength(24);
    const { svg, png } = await renderLinePanels(points, { title: 'cosine', xTitle: 'epoch', yTitle: 'cosine', xLog: true });
    for (const text of ['cosine', 'layer0', 'output', 'ottt', 'otpe']) expect(svg).toContain(text);
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(() => linePanelSpec([], { title: 't', xTitle: 'x', yTitle: 'y' })).toThrow(/at least one point/);
  });
});
