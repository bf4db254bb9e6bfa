#!/usr/bin/env node
// The README's two commands (`npm start`, `npm test`) land here. They must work on a fresh clone with only
// Node >= 20 and npm, so pnpm is fetched by exact version through npx (corepack is not usable everywhere).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listPackages, printSkips, summarizeTestResults } from './test-summary.mjs';

const testTools = createRequire(import.meta.url)('./test-tools.cjs');

export const PNPM_VERSION = '10.34.8';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.env.MLPS_QUIET_SETUP === '1';

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, {
    cwd: root,
    stdio: opts.stdio ?? 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', ...(opts.env ?? {}) },
  });
  if (result.error) {
    console.error(`mlps: could not run ${cmd}: ${result.error.message}`);
    return 127;
  }
  return result.status ?? (result.signal ? 128 : 1);
}

function pnpm(args, opts) {
  const local = join(root, 'node_modules', '.bin', 'pnpm');
  if (existsSync(local)) return run(local, args, opts);
  return run('npx', ['-y', `pnpm@${PNPM_VERSION}`, ...args], opts);
}

function install() {
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  const status = pnpm(['install', ...frozen, '--reporter', quiet ? 'silent' : 'append-only'], {
    env: { CI: process.env.CI ?? '' },
  });
  if (status !== 0) {
    console.error('mlps: dependency installation failed (see above).');
    process.exit(status);
  }
}

function build() {
  const status = pnpm(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
  if (status !== 0) {
    console.error('mlps: build failed (see above).');
    process.exit(status);
  }
}

const command = process.argv[2] ?? 'test';
const rest = process.argv.slice(3);
switch (command) {
  case 'build':
    install();
    build();
    break;
  case 'test': {
    install();
    build();
    testTools.provisionTestTools(root);
    // Results of an earlier run must never stand in for a package that produced none this time.
    for (const dir of listPackages(root)) rmSync(join(dir, 'test-results.json'), { force: true });
    rmSync(testTools.SKIPS_FILE, { force: true });
    const status = pnpm(['exec', 'turbo', 'run', 'test', '--continue', '--concurrency=1', ...rest]);
    const summary = summarizeTestResults(root);
    // .ci/run prints the line itself, as the last thing it prints.
    if (process.env.MLPS_SUMMARY_LINE !== 'caller') {
      printSkips(root);
      console.log(summary.line);
    }
    process.exit(status !== 0 || summary.failed > 0 || summary.missing.length > 0 ? 1 : 0);
  }
  case 'start': {
    install();
    build();
    const cli = join(root, 'apps', 'cli', 'dist', 'cli.cjs');
    const entry = existsSync(cli) ? [cli, 'demo', ...rest] : [join(root, 'packages', 'timeseries', 'dist', 'demo.cjs'), ...rest];
    process.exit(run(process.execPath, entry));
  }
  default:
    console.error(`mlps: unknown command '${command}' (expected start, test or build)`);
    process.exit(2);
}
