#!/usr/bin/env node
// Memory of `timeseries report` on a large multi-host document: the streamed report (the CLI, which reads
// one sample per host at a time and keeps the derived series) beside the whole-document path it replaced
// (`loadTimeSeriesRun` + `buildReport`: the file as one string, then every sample as an object), each in
// its own child process, one after the other, on the same file. Prints wall time, CPU time and peak RSS
// side by side and their ratio, and whether both JSON reports are identical. Asserts nothing.
// The document is synthetic (real /proc records of this machine under N host names, counters advancing,
// bench/reportgen-memory/synthetic-run.mjs), capped by --max-mib (default 1024) and removed at the end,
// also on Ctrl-C. A document past ~512 MiB cannot be read whole (V8's string limit): the old path then
// fails and says so.
//
// Usage: node bench/report-memory/run.mjs [--hosts 8] [--samples 3600] [--max-mib 1024] [--html]
// Needs the build (apps/cli/dist, packages/timeseries/dist).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeSyntheticRun } from '../reportgen-memory/synthetic-run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const cli = join(repo, 'apps', 'cli', 'dist', 'cli.cjs');
const maxRss = join(repo, 'bench', 'reportgen-memory', 'max-rss.cjs');
const reportModule = pathToFileURL(join(repo, 'packages', 'timeseries', 'dist', 'report.js')).href;
const ts = await import(pathToFileURL(join(repo, 'packages', 'timeseries', 'dist', 'index.js')).href);

const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const hosts = arg('--hosts', 8);
const samples = arg('--samples', 3600);
const maxMiB = arg('--max-mib', 1024);
const html = process.argv.includes('--html');

const root = mkdtempSync(join(tmpdir(), 'mlps-bench-report-'));
const cleanup = () => rmSync(root, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
process.on('SIGTERM', () => {
  cleanup();
  process.exit(143);
});

// The whole-document path as `timeseries report` ran it before it streamed.
const wholeScript = `
const { loadTimeSeriesRun, buildReport, renderReportJson, renderReportHtml } = await import(${JSON.stringify(reportModule)});
const { writeFileSync } = await import('node:fs');
const [target, out, htmlOut] = process.argv.slice(1);
const run = await loadTimeSeriesRun(target);
writeFileSync(out, renderReportJson(buildReport(run.data, run.meta)));
if (htmlOut) writeFileSync(htmlOut, renderReportHtml(run.data, run.meta));
`;

try {
  const { dir, mib } = writeSyntheticRun({ ts, root, hosts, samples, maxMiB });
  console.log(`document: ${hosts} hosts x ${samples} samples, ${mib.toFixed(0)} MiB`);

  const measure = (label, args) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--require', maxRss, ...args], {
      env: { ...process.env, MLPS_HISTORY_FILE: 'off' },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    const m = /BENCH (\{.*\})/.exec(r.stderr ?? '');
    const figures = m ? JSON.parse(m[1]) : null;
    const lines = (r.stderr ?? '').split('\n');
    const error =
      r.status === 0
        ? null
        : (lines.find((l) => l.startsWith('mlpstorage:') || /^\s*(\w*Error|FATAL ERROR)\b/.test(l)) ?? `exit ${r.status ?? r.signal}`).trim().slice(0, 200);
    console.log(
      `${label.padEnd(40)} exit ${r.status ?? r.signal}  wall ${wallS.toFixed(1)} s  cpu ${figures ? (figures.cpuMs / 1000).toFixed(1) : '?'} s  peak RSS ${figures ? figures.maxRssMiB.toFixed(0) : '?'} MiB${error ? `  (${error})` : ''}`,
    );
    return { figures, ok: r.status === 0, stdout: r.stdout };
  };
  const wholeOut = join(root, 'whole.json');
  const streamed = measure('streamed (timeseries report)', [cli, 'timeseries', 'report', dir, '--format', 'json', ...(html ? ['--html', join(root, 'streamed.html')] : [])]);
  const whole = measure('whole document (loadTimeSeriesRun)', ['--input-type=module', '-e', wholeScript, dir, wholeOut, ...(html ? [join(root, 'whole.html')] : [])]);
  if (streamed.figures && whole.figures) {
    console.log(`peak RSS ratio whole / streamed: ${(whole.figures.maxRssMiB / streamed.figures.maxRssMiB).toFixed(1)}x`);
  }
  if (streamed.ok && whole.ok) {
    const same = streamed.stdout === readFileSync(wholeOut, 'utf8');
    const sameHtml = html ? readFileSync(join(root, 'streamed.html'), 'utf8') === readFileSync(join(root, 'whole.html'), 'utf8') : null;
    console.log(`JSON reports identical: ${same ? 'yes' : 'NO'}${sameHtml === null ? '' : `; HTML identical: ${sameHtml ? 'yes' : 'NO'}`}`);
  } else if (streamed.ok && html) {
    console.log(`HTML report (streamed): ${(statSync(join(root, 'streamed.html')).size / 1024 / 1024).toFixed(1)} MiB`);
  }
} finally {
  cleanup();
}
