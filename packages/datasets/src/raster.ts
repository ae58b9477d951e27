/** Options of {@link rasterSvg}. */
export interface RasterOptions {
  title?: string;
  /** Picture size in pixels. Default 800 x 500. */
  width?: number;
  height?: number;
  /** Label of the time axis. Default 'time step'. */
  timeLabel?: string;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * A spike raster of one sequence [T, I] as an SVG document: one dark mark per non-zero entry
 * (time step on x, input channel on y, channel 0 at the bottom), opacity by value for counts.
 */
export function rasterSvg(frame: ArrayLike<number>, steps: number, inputs: number, options: RasterOptions = {}): string {
  const W = options.width ?? 800;
  const H = options.height ?? 500;
  const left = 60;
  const right = 15;
  const top = options.title ? 30 : 12;
  const bottom = 45;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const dx = pw / steps;
  const dy = ph / inputs;
  let max = 0;
  for (let i = 0; i < steps * inputs; i++) max = Math.max(max, frame[i]!);
  const marks: string[] = [];
  const w = Math.max(dx, 0.8).toFixed(2);
  const h = Math.max(dy, 0.8).toFixed(2);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < inputs; i++) {
      const v = frame[t * inputs + i]!;
      if (!v) continue;
      const x = (left + t * dx).toFixed(2);
      const y = (top + ph - (i + 1) * dy).toFixed(2);
      const o = max > 1 ? ` fill-opacity="${(0.3 + (0.7 * v) / max).toFixed(2)}"` : '';
      marks.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}"${o}/>`);
    }
  }
  const tick = (v: number, total: number, horizontal: boolean) =>
    horizontal
      ? `<text x="${(left + (v / total) * pw).toFixed(1)}" y="${top + ph + 16}" text-anchor="middle">${v}</text>`
      : `<text x="${left - 6}" y="${(top + ph - (v / total) * ph + 4).toFixed(1)}" text-anchor="end">${v}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    options.title ? `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escape(options.title)}</text>` : '',
    `<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
    tick(0, steps, true),
    tick(steps, steps, true),
    tick(0, inputs, false),
    tick(inputs, inputs, false),
    `<text x="${left + pw / 2}" y="${H - 8}" text-anchor="middle">${escape(options.timeLabel ?? 'time step')}</text>`,
    `<text transform="translate(16 ${top + ph / 2}) rotate(-90)" text-anchor="middle">input channel</text>`,
    `<g fill="#1a1a6e">${marks.join('')}</g>`,
    '</svg>',
    '',
  ].join('\n');
}
