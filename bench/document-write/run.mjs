#!/usr/bin/env node
// The end-of-run document written from a stopped run's stores, two ways side by side, each in its own
// process: `streamed` (writeTimeSeriesDocument(path, run): one decoded sample at a time, what Benchmark and
// `timeseries collect` do) and `whole` (writeTimeSeriesDocument(path, buildTimeSeriesData(run)): every
// host's samples decoded first, what the benchmark did before). The run is the real engine (CollectionRun)
// with N hosts replaying real samples of this machine for S ticks of a manual clock. Prints, per way: write
// time (decoding included, forced collections excluded), live heap grown during the write (after forced
// collections), and the process's peak RSS; then the ratios. Asserts nothing; removes its files, also on Ctrl-C.
//
// Usage: node bench/document-write/run.mjs [--hosts 16] [--samples 900] [--dir /tmp]
// Needs the built packages (npm run build). Disk: ~20 KB × hosts × samples for each document (16 × 900:
// ~0.3 GB), one at a time, freed at the end. `whole` needs ~30 KB of heap per sample and fails when that
// passes Node's heap limit: that failure is printed as the result.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

function arg(name, dflt) {
  const at = process.argv.indexOf(name);
  if (at < 0) return dflt;
  const v = process.argv[at + 1];
  if (name === '--dir' || name === '--mode' || name === '--out') return v;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} needs a positive integer, got ${v}`);
    process.exit(2);
  }
  return n;
}
const hosts = arg('--hosts', 16);
const samples = arg('--samples', 900);
const mode = arg('--mode', null);

if (mode !== null) {
  // A child: build the run, write it one way, print one JSON line of figures.
  const ts = await import(join(root, 'packages', 'timeseries', 'dist', 'index.js'));
  const { CollectionRun } = await import(join(root, 'packages', 'timeseries', 'dist', 'engine.js'));
  const t0 = Date.UTC(2026, 0, 24, 12);
  const real = [];
  for (let i = 0; i < 10; i++) real.push(ts.collectTimeseriesSampleSync());
  const clock = new ts.ManualClock({ startMs: 0, wallStartMs: t0 });
  const names = Array.from({ length: hosts }, (_, h) => `node${String(h).padStart(2, '0')}`);
  const sources = names.map((name, h) => ({
    name,
    method: 'ssh',
    sample: (q) => {
      const s = real[(q.tick.index + h) % real.length];
      return { ...s, timestamp: ts.formatReferenceTimestamp(q.wallMs), timestamp_ms: q.wallMs, hostname: name, uptime_seconds: q.tick.index };
    },
  }));
  const run = new CollectionRun({
    name: 'bench', sources, intervalSeconds: 1, maxSamples: samples + 1, overflow: 'decimate', journalPath: undefined,
    clock, logger: { warn: () => undefined }, unref: true, sampleTimeoutMs: 1000, stopGraceMs: 1000,
  });
  run.start();
  for (let k = 1; k < samples; k++) await clock.advance(1000);
  await run.stop();

  // Forced collections measure what is live; their own time is taken out of the write time (it grows
  // with the heap, which would bill `whole` twice).
  let gcSeconds = 0;
  const live = () => {
    const t = performance.now();
    globalThis.gc();
    gcSeconds += (performance.now() - t) / 1000;
    return process.memoryUsage().heapUsed;
  };
  const before = live();
  const gcBefore = gcSeconds;
  const total = hosts * (samples + 1);
  const every = Math.max(1, Math.floor(total / 10));
  let seen = 0;
  let peak = 0;
  const out = arg('--out', null);
  const started = performance.now();
  const source = mode === 'whole' ? ts.buildTimeSeriesData(run) : run;
  const written = await ts.writeTimeSeriesDocument(out, source, {
    onSample: () => {
      if (++seen % every === 0) peak = Math.max(peak, live() - before);
    },
  });
  const seconds = (performance.now() - started) / 1000 - (gcSeconds - gcBefore);
  console.log(JSON.stringify({ seconds, bytes: written.bytes, samples: written.samples, liveGrowth: peak, maxRssKb: process.resourceUsage().maxRSS }));
  process.exit(0);
}

const dir = mkdtempSync(join(arg('--dir', tmpdir()), 'mlps-docwrite-bench-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

const mb = (b) => (b / 1048576).toFixed(1);
try {
  const results = {};
  for (const way of ['streamed', 'whole']) {
    const out = join(dir, `${way}_timeseries.json`);
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--mode', way, '--hosts', String(hosts), '--samples', String(samples), '--out', out],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (r.status !== 0) {
      results[way] = { failed: `exit ${r.status ?? r.signal}: ${(r.stderr.trim().split('\n').find((l) => /heap|memory|Error/i.test(l)) ?? r.stderr.trim().split('\n').pop() ?? '').slice(0, 160)}` };
    } else {
      results[way] = JSON.parse(r.stdout.trim().split('\n').pop());
      results[way].fileBytes = statSync(out).size;
    }
    rmSync(out, { force: true });
  }
  const total = hosts * (samples + 1);
  console.log(`end-of-run document of ${hosts} hosts x ${samples + 1} samples (${total} samples of this machine's /proc, replayed)`);
  for (const way of ['streamed', 'whole']) {
    const r = results[way];
    if (r.failed) {
      console.log(`  ${way.padEnd(8)}  failed: ${r.failed}`);
      continue;
    }
    console.log(
      `  ${way.padEnd(8)}  ${mb(r.bytes)} MB in ${r.seconds.toFixed(1)} s (${(r.seconds * 1e6 / total).toFixed(0)} us/sample)` +
        `, live heap during the write +${mb(r.liveGrowth)} MB, peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB`,
    );
  }
  const s = results.streamed;
  const w = results.whole;
  if (!s.failed && !w.failed) {
    console.log(
      `  streamed/whole: time ${(s.seconds / w.seconds).toFixed(2)}x, live heap growth ${(s.liveGrowth / w.liveGrowth).toFixed(3)}x, peak RSS ${(s.maxRssKb / w.maxRssKb).toFixed(2)}x` +
        ` (the document is ${mb(s.bytes)} MB; streamed holds ${(s.liveGrowth / s.bytes * 100).toFixed(2)}% of it live)`,
    );
  }
} finally {
  cleanup();
}
