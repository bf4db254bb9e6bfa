/**
 * Test helper: a CommonJS bundle of the package's current sources for child processes (they run plain
 * Node, without ts-jest). Built with the esbuild binary tsup ships with, so it is never stale; falls back
 * to the tsup build in dist/ (which `npm test` builds first) when that binary is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PACKAGE_DIR = join(__dirname, '..', '..');

let cached: string | null = null;

/** Path of a `require`-able bundle of `src/index.ts`. */
export function bundledEntry(): string {
  if (cached) return cached;
  const esbuild = join(PACKAGE_DIR, 'node_modules', '.bin', 'esbuild');
  if (existsSync(esbuild)) {
    const out = join(mkdtempSync(join(tmpdir(), 'mlps-timeseries-bundle-')), 'index.cjs');
    execFileSync(
      esbuild,
      [join(PACKAGE_DIR, 'src', 'index.ts'), '--bundle', '--platform=node', '--format=cjs', '--target=node20', `--outfile=${out}`, '--log-level=error'],
      { stdio: 'pipe' },
    );
    cached = out;
    return out;
  }
  const dist = join(PACKAGE_DIR, 'dist', 'index.cjs');
  if (!existsSync(dist)) throw new Error(`neither ${esbuild} nor ${dist} exists: run \`pnpm build\` in packages/timeseries`);
  cached = dist;
  return dist;
}
