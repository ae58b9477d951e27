import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // gpu.js is loaded lazily through createRequire(import.meta.url); the shim gives CJS a value for it.
  shims: true,
});
