import { defineConfig } from 'vitest/config';

// Types only: the tests are type-level (`*.test-d.ts`), checked by tsc through vitest's typecheck mode.
export default defineConfig({
  test: {
    include: [],
    typecheck: { enabled: true, only: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
