import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';
import type { Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

// The HTML report inlines uPlot (a devDependency): replace src/report/uplot-assets.ts with a module holding
// uPlot's script and stylesheet as string literals, so the published package keeps zero runtime dependencies.
const require = createRequire(import.meta.url);
const inlineUplot: Plugin = {
  name: 'inline-uplot',
  setup(build) {
    build.onLoad({ filter: /[\\/]report[\\/]uplot-assets\.ts$/ }, () => {
      const script = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
      const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
      return {
        contents: `const assets = { script: ${JSON.stringify(script)}, css: ${JSON.stringify(css)} };\nexport function uplotAssets() { return assets; }\n`,
        loader: 'js',
      };
    });
  },
};

// The root and one entry per capability (package.json `exports`: `@mlps/timeseries/report`, `/export`,
// `/live`, `/engine`).
const ENTRIES = {
  index: 'src/index.ts',
  report: 'src/report/index.ts',
  export: 'src/export/index.ts',
  live: 'src/live/index.ts',
  engine: 'src/engine/index.ts',
};

export default defineConfig({
  entry: { ...ENTRIES, demo: 'src/demo.ts' },
  format: ['esm', 'cjs'],
  // Shared chunks in CommonJS too, so the entries share one copy of each class and module state.
  splitting: true,
  dts: { entry: ENTRIES },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  esbuildPlugins: [inlineUplot],
});
