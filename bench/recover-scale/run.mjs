#!/usr/bin/env node
// Recover at scale: a journal of real samples of this machine under N host names × S samples (default
// 64 × 3600: one hour at 1 s on 64 hosts) is turned into its document by `mlpstorage timeseries recover`,
// run as its own process. Prints the journal's bytes per sample, the document's size, wall time and the
// recover process's peak RSS (its own getrusage maxRSS), side by side with the old way's need (the whole
// document as one string: impossible past ~512 MB). Asserts nothing; removes its files, also on Ctrl-C.
//
// Usage: node bench/recover-scale/run.mjs [--hosts 64] [--samples 3600] [--dir /tmp]
// Needs the built packages (npm run build). Disk: ~1.9 KB × hosts × samples for the journal plus
// ~20 KB × hosts × samples for the document (64 × 3600: ~0.45 GB + ~4.6 GB), freed at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
function arg(name, dflt) {
  const at = process.argv.indexOf(name);
  if (at < 0) return dflt;
  const v = process.argv[at + 1];
  if (name === '--dir') return v;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} needs a positive integer, got ${v}`);
    process.exit(2);
  }
  return n;
}
const hosts = arg('--hosts', 64);
const samples = arg('--samples', 3600);
const base = arg('--dir', tmpdir());

const ts = await import(join(root, 'packages', 'timeseries', 'dist', 'index.js'));
// The journal writer is the `@mlps/timeseries/engine` entry's.
const { JournalWriter } = await import(join(root, 'packages', 'timeseries', 'dist', 'engine.js'));
const cli = join(root, 'apps', 'cli', 'dist', 'cli.cjs');
const preload = join(root, 'apps', 'cli', 'src', '__fixtures__', 'report-maxrss.cjs');

const dir = mkdtempSync(join(base, 'mlps-recover-bench-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

try {
  // Real samples of this machine, cycled, re-stamped 1 s apart, filed under hosts node00..nodeNN.
  const real = [];
  for (let i = 0; i < 30; i++) real.push(ts.collectTimeseriesSampleSync());
  const journal = join(dir, 'bench_20260124_120000_timeseries.jsonl');
  const t0 = Date.UTC(2026, 0, 24, 12);
  const names = Array.from({ length: hosts }, (_, h) => `node${String(h).padStart(2, '0')}`);
  let started = performance.now();
  const w = JournalWriter.open(journal, {
    collection_interval_seconds: 1, hosts_requested: names, collection_method: 'ssh',
    start_time: ts.formatReferenceTimestamp(t0), start_time_ms: t0,
  });
  for (let k = 0; k < samples; k++) {
    for (let h = 0; h < hosts; h++) {
      const ms = t0 + k * 1000 + h;
      const s = real[(k + h) % real.length];
      w.append(names[h], { ...s, timestamp: ts.formatReferenceTimestamp(ms), timestamp_ms: ms, hostname: names[h] });
    }
    w.flush();
  }
  w.close();
  const journalBytes = statSync(journal).size;
  const journalSeconds = (performance.now() - started) / 1000;
  const v1Bytes = JSON.stringify({ host: names[0], sample: real[0] }).length + 1;

  const out = join(dir, 'bench_20260124_120000_timeseries.json');
  const rssFile = join(dir, 'maxrss');
  started = performance.now();
  const r = spawnSync(process.execPath, ['-r', preload, cli, 'timeseries', 'recover', journal, '-o', out], {
    env: { ...process.env, MLPS_MAXRSS_FILE: rssFile }, encoding: 'utf8', maxBuffer: 1 << 24,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) {
    console.error(`recover failed (exit ${r.status}): ${r.stderr}`);
    process.exitCode = 1;
  } else {
    const docBytes = statSync(out).size;
    const maxRssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
    const total = hosts * samples;
    const mb = (b) => (b / 1048576).toFixed(1);
    console.log(`recover of ${hosts} hosts x ${samples} samples (${total} samples of this machine's /proc)`);
    console.log(`  journal v2      ${mb(journalBytes)} MB, ${(journalBytes / total).toFixed(0)} B/sample (v1 line: ${v1Bytes} B/sample, ${(v1Bytes / (journalBytes / total)).toFixed(1)}x more); written in ${journalSeconds.toFixed(1)} s`);
    console.log(`  document        ${mb(docBytes)} MB (${(docBytes / total / 1024).toFixed(1)} KB/sample)${docBytes > 512 * 1048576 ? ': larger than a V8 string can hold, so one-string serialisation cannot write it' : ''}`);
    console.log(`  recover         ${seconds.toFixed(1)} s wall, ${(mb(docBytes) / seconds).toFixed(0)} MB/s, peak RSS ${maxRssMb.toFixed(0)} MB (target <= 300 MB)`);
    console.log(`  ${r.stdout.split('\n')[0]}`);
  }
} finally {
  cleanup();
}
