#!/usr/bin/env node
// Where the bytes a tick allocates come from: a real TimeSeriesCollector (built package, journal on) runs
// for a warm-up, then V8's sampling heap profiler (through node:inspector, counting objects that GCs
// already freed too) records allocations for --seconds; prints bytes per tick by allocating function and
// its caller, largest first. A diagnostic beside run.mjs's "bytes allocated per tick": the profiler
// samples (one allocation per ~64 B on average), so its total is an estimate (±10 %), and being attached
// adds a little of its own (lines naming node:inspector or async_hooks).
//
// Usage: node bench/sample-cost/alloc-sites.mjs [--interval 0.1] [--seconds 10] [--top 25]
// Writes only the journal, in a temporary directory removed at exit (also on Ctrl-C / SIGTERM).
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
function numberArg(name, fallback, { min, max }) {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!(Number.isFinite(value) && value >= min && value <= max)) {
    console.error(`alloc-sites: ${name} needs a number from ${min} to ${max}, got ${process.argv[at + 1] ?? 'nothing'}`);
    process.exit(2);
  }
  return value;
}
const interval = numberArg('--interval', 0.1, { min: 0.01, max: 10 });
const seconds = numberArg('--seconds', 10, { min: 1, max: 600 });
const top = numberArg('--top', 25, { min: 1, max: 1000 });
const entry = process.env.MLPS_TIMESERIES_ENTRY ?? join(here, '..', '..', 'packages', 'timeseries', 'dist', 'index.js');
let TimeSeriesCollector;
try {
  ({ TimeSeriesCollector } = await import(pathToFileURL(entry).href));
} catch (error) {
  console.error(`alloc-sites: cannot load ${entry} (${error.message}); build first (node scripts/run.mjs build)`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'mlps-alloc-sites-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const collector = new TimeSeriesCollector({
  intervalSeconds: interval,
  journalPath: join(dir, 'bench_timeseries.jsonl'),
  maxSamples: Math.ceil((seconds + 3) / interval) + 16,
});
collector.start();
await sleep(3000); // warm-up: the first layout, V8 compiling the hot path

const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 64,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const samplesBefore = collector.stats.samples;
await sleep(seconds * 1000);
const ticks = collector.stats.samples - samplesBefore;
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();
await collector.stop();

const frame = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url ? `${url.split('/').pop()}:${lineNumber + 1}` : ''}`.trim();
};
const bytesBySite = new Map();
const walk = (node, caller) => {
  const site = `${frame(node)}  ← ${caller}`;
  if (node.selfSize > 0) bytesBySite.set(site, (bytesBySite.get(site) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child, frame(node));
};
walk(profile.head, '(root)');
const total = [...bytesBySite.values()].reduce((a, b) => a + b, 0);
console.log(`alloc-sites: ${ticks} ticks at ${interval} s; ~${(total / Math.max(ticks, 1)).toFixed(0)} B allocated per tick (sampled), largest sites:`);
for (const [site, bytes] of [...bytesBySite].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(bytes / Math.max(ticks, 1)).toFixed(0).padStart(8)} B/tick  ${site}`);
}
