import { defineConfig } from 'tsup';
import type { Plugin } from 'esbuild';

/** Resolves './files' to './files.browser' so the browser build imports no Node module. */
const browserFiles: Plugin = {
  name: 'browser-files',
  setup(build) {
    build.onResolve({ filter: /^\.\/files$/ }, (args) => ({ path: `${args.resolveDir}/files.browser.ts` }));
  },
};

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  {
    // Picked by bundlers through the "browser" export condition (vite, esbuild, webpack).
    entry: { browser: 'src/index.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    platform: 'browser',
    target: 'es2022',
    esbuildPlugins: [browserFiles],
  },
]);
