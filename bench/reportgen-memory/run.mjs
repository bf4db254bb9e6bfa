#!/usr/bin/env node
// Memory of `reports reportgen` on a large run, beside `timeseries report` of the same run (both stream
// the document; bench/report-memory compares the report against reading the document whole).
// Writes a synthetic results tree (real /proc records of this machine, counters advancing per sample) into
// a temporary directory, runs both in child processes one after the other, prints peak RSS, CPU time and
// their ratio. Asserts nothing. The tree is capped (--max-mib, default 1024) and removed at the end, also
// on Ctrl-C.
//
// Usage: node bench/reportgen-memory/run.mjs [--hosts 16] [--samples 3600] [--max-mib 1024]
// Needs the build (apps/cli/dist, packages/timeseries/dist).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeSyntheticRun } from './synthetic-run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const cli = join(repo, 'apps', 'cli', 'dist', 'cli.cjs');
const ts = await import(pathToFileURL(join(repo, 'packages', 'timeseries', 'dist', 'index.js')).href);

const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const hosts = arg('--hosts', 16);
const samples = arg('--samples', 3600);
const maxMiB = arg('--max-mib', 1024);

const root = mkdtempSync(join(tmpdir(), 'mlps-bench-reportgen-'));
const cleanup = () => rmSync(root, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
process.on('SIGTERM', () => {
  cleanup();
  process.exit(143);
});

try {
  const { dir, mib } = writeSyntheticRun({ ts, root, hosts, samples, maxMiB });
  console.log(`document: ${hosts} hosts x ${samples} samples, ${mib.toFixed(0)} MiB`);

  const measure = (label, args) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--require', join(here, 'max-rss.cjs'), cli, ...args], {
      env: { ...process.env, MLPS_HISTORY_FILE: 'off' },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    const m = /BENCH (\{.*\})/.exec(r.stderr ?? '');
    const figures = m ? JSON.parse(m[1]) : null;
    const error = r.status === 0 ? null : (r.stderr ?? '').split('\n').find((l) => l.startsWith('mlpstorage:')) ?? `exit ${r.status}`;
    console.log(`${label.padEnd(44)} exit ${r.status}  wall ${wallS.toFixed(1)} s  cpu ${figures ? (figures.cpuMs / 1000).toFixed(1) : '?'} s  peak RSS ${figures ? figures.maxRssMiB.toFixed(0) : '?'} MiB${error ? `  (${error})` : ''}`);
    return figures;
  };
  const ours = measure('reports reportgen (streamed)', ['reports', 'reportgen', '-rd', join(root, 'results'), '--output-dir', join(root, 'out'), '-q']);
  const whole = measure('timeseries report (streamed)', ['timeseries', 'report', dir, '--format', 'json']);
  if (ours && whole) console.log(`peak RSS ratio timeseries report / reportgen: ${(whole.maxRssMiB / ours.maxRssMiB).toFixed(1)}x`);
} finally {
  cleanup();
}
