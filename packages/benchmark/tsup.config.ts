import { defineConfig } from 'tsup';

export default defineConfig({
  // The root and the built-in engines (package.json `exports`: `@mlps/benchmark/engines`).
  entry: { index: 'src/index.ts', engines: 'src/engines/index.ts' },
  format: ['esm', 'cjs'],
  // Shared chunks in CommonJS too, so the entries share one copy of each class and module state.
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
});
