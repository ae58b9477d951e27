import { describe, expect, it } from 'vitest';
import { benchSpikeLoader, rasterSvg } from './index';

describe('rasterSvg', () => {
  it('draws one mark per spike in an SVG document', () => {
    const frame = new Float32Array(10 * 4);
    frame[0] = 1;
    frame[3 * 4 + 2] = 1;
    frame[9 * 4 + 3] = 2;
    const svg = rasterSvg(frame, 10, 4, { title: 'a <b>' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(3 + 1); // 3 spikes + the frame
    expect(svg).toContain('a &lt;b&gt;');
  });
});

describe('benchSpikeLoader', () => {
  it('reports samples/s per bin count', async () => {
    const rows = await benchSpikeLoader({ samples: 16, spikesPerSample: 100, bins: [100, 1000], batchSize: 8 });
    expect(rows.map((r) => [r.name, r.samples])).toEqual([['shd-loader.h5-T100', 16], ['shd-loader.h5-T1000', 16]]);
    for (const r of rows) expect(r.samples_per_s).toBeGreaterThan(0);
  });
});
