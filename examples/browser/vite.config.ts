import { defineConfig, type Plugin } from 'vite';

// SharedArrayBuffer (the WebAssembly SIMD workspace needs it) exists only on cross-origin-isolated pages.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Fails the build if any package pulls a Node built-in into the browser bundle. */
const noNodeBuiltins: Plugin = {
  name: 'no-node-builtins',
  enforce: 'pre',
  resolveId(source, importer) {
    if (/^node:|^(fs|path|os|zlib|child_process|worker_threads|module)$/.test(source)) {
      this.error(`${importer ?? '?'} imports the Node-only module "${source}"; give that package a browser-safe entry`);
    }
    return null;
  },
};

/**
 * Browsers refuse module scripts from file:// URLs; the bundle is one IIFE file loaded by a classic
 * deferred script instead, so dist/index.html also opens by double-click, with no server.
 */
const classicScript: Plugin = {
  name: 'classic-script',
  apply: 'build',
  transformIndexHtml: {
    order: 'post',
    handler: (html) => html.replace(/<script type="module" crossorigin src=/g, '<script defer src=').replace(/ crossorigin href=/g, ' href='),
  },
};

export default defineConfig({
  // Relative asset paths: dist/ works from any folder and any static server, offline.
  base: './',
  plugins: [noNodeBuiltins, classicScript],
  build: { target: 'es2022', chunkSizeWarningLimit: 2500, modulePreload: false, rollupOptions: { output: { format: 'iife' } } },
  server: { headers: isolation },
  preview: { headers: isolation },
});
