// End-to-end test of the page in Debian's headless Chromium (pnpm test:browser):
// builds the page, serves dist/ on 127.0.0.1 (vite preview, cross-origin isolated), trains a fixed
// number of batches with a fixed seed on gpu.js WebGL2 (Chromium's software WebGL, SwiftShader) and on
// the WebAssembly fallback, and checks: the page reports the gpu.js WebGL2 backend, the loss went
// down, one batch's gradient from the gpu.js kernels equals the WebAssembly path's (float32
// tolerance), every GpuJsKernels kernel on WebGL2 equals the reference, no console errors. Saves test-results/page.png. Env: CHROMIUM (default /usr/bin/chromium),
// SNN_BROWSER_BATCHES (default 40), SNN_BROWSER_SKIP_BUILD=1.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const batches = Number(process.env.SNN_BROWSER_BATCHES ?? 40);
const failures = [];
const check = (ok, message) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${message}`);
  if (!ok) failures.push(message);
};

if (!existsSync(executablePath)) {
  console.error(`${executablePath} not found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM`);
  process.exit(1);
}
if (process.env.SNN_BROWSER_SKIP_BUILD !== '1' || !existsSync(join(root, 'dist/index.html'))) {
  await build({ root, logLevel: 'warn' });
}
const server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({
  executablePath,
  // Software WebGL2 (SwiftShader through ANGLE) where the machine has no GPU.
  args: ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
});
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function run(backend, count) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${url}?task=randman&cell=lif&rule=eprop&seed=1&backend=${backend}`);
  await page.waitForFunction(() => window.snn !== undefined);
  const start = Date.now();
  const reports = await page.evaluate((n) => window.snn.trainBatches(n), count);
  const seconds = (Date.now() - start) / 1000;
  const state = await page.evaluate(() => window.snn.state());
  return { page, errors, reports, state, seconds };
}

try {
  const gpu = await run('gpujs', batches);
  const { reports, state } = gpu;
  check(state.error === '', `no training error on the page${state.error ? `: ${state.error}` : ''}`);
  check(state.backend === 'gpu.js WebGL2', `page reports the gpu.js WebGL2 backend (got "${state.backend}")`);
  check(reports.length === batches, `trained ${reports.length} of ${batches} batches`);
  const first = mean(state.losses.slice(0, 5)), last = mean(state.losses.slice(-5));
  check(last < 0.85 * first, `loss went down: mean of the first 5 batches ${first.toFixed(3)}, of the last 5 ${last.toFixed(3)}`);
  for (const rule of ['eprop', 'hypr', 'bptt']) {
    const gradient = await gpu.page.evaluate((r) => window.snn.checkGradient({ rule: r, lambda: 5 }), rule);
    check(gradient.gpujs === 'gpujs-webgl2' && gradient.gpuDispatches > 0, `${rule}: gradient computed on gpu.js WebGL2 (${gradient.gpuDispatches} gpu.js products)`);
    check(gradient.worstRelativeError < 1e-4, `${rule}: one batch's gradient, gpu.js vs ${gradient.reference}: worst relative error ${gradient.worstRelativeError.toExponential(2)} over ${gradient.parameters} parameters (< 1e-4)`);
  }
  const kernels = await gpu.page.evaluate(() => window.snn.checkKernels());
  check(kernels.traceResident, 'segmentGradient kept the trace on the GPU (pipeline texture)');
  check(kernels.mode === 'webgl2', `training kernels ran on gpu.js WebGL2 (got "${kernels.mode}")`);
  for (const [name, error] of Object.entries(kernels.errors)) check(error < 1e-4, `${name} on WebGL2 equals the reference kernel: relative error ${error.toExponential(2)} (< 1e-4)`);
  await gpu.page.evaluate(() => window.scrollTo(0, 0));
  mkdirSync(join(root, 'test-results'), { recursive: true });
  await gpu.page.screenshot({ path: join(root, 'test-results/page.png'), fullPage: true });
  console.log(`screenshot: ${join(root, 'test-results/page.png')}`);

  const wasm = await run('wasm', batches);
  check(wasm.state.backend === 'WebAssembly SIMD', `fallback page reports WebAssembly SIMD (got "${wasm.state.backend}")`);
  const speed = (r) => mean(r.reports.slice(Math.min(3, r.reports.length - 1)).map((x) => x.stepsPerSecond));
  console.log(`steps/s (batch of ${state.config.batch}, randman T=40, LIF 64, e-prop): gpu.js WebGL2 (SwiftShader, software) ${speed(gpu).toFixed(0)}, WebAssembly ${speed(wasm).toFixed(0)}; ${batches} batches took ${gpu.seconds.toFixed(1)} s vs ${wasm.seconds.toFixed(1)} s`);
  for (const [name, r] of [['gpu.js', gpu], ['wasm', wasm]]) check(r.errors.length === 0, `no console errors (${name} page)${r.errors.length ? `: ${r.errors.slice(0, 3).join(' | ')}` : ''}`);
} finally {
  await browser.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
}
console.log(failures.length ? `test:browser: ${failures.length} check(s) failed` : 'test:browser: all checks passed');
process.exit(failures.length ? 1 : 0);
