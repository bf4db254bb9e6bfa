/**
 * uPlot's minified script and stylesheet, for inlining into the offline HTML report. At build time the
 * package's tsup config replaces this module with one holding both texts as string literals, so the
 * published package has no runtime dependency; from sources (tests) they are read from the devDependency.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MlpsError } from '../errors';

let cached: { script: string; css: string } | null = null;

/** uPlot 1.6 `dist/uPlot.iife.min.js` (defines `window.uPlot`) and `dist/uPlot.min.css`. */
export function uplotAssets(): { script: string; css: string } {
  if (cached !== null) return cached;
  try {
    // Sources run as CommonJS under jest, where __dirname exists; the built package never reaches here.
    const base = typeof __dirname === 'string' ? __dirname : process.cwd();
    const req = createRequire(join(base, 'noop.js'));
    const script = readFileSync(req.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    const css = readFileSync(req.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    cached = { script, css };
    return cached;
  } catch (err) {
    throw new MlpsError('INTERNAL', `uPlot assets are missing from this build of @mlps/timeseries: ${(err as Error).message}`, { cause: err });
  }
}
