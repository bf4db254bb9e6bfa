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

export default defineConfig({
  entry: { index: 'src/index.ts', demo: 'src/demo.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  esbuildPlugins: [inlineUplot],
});
