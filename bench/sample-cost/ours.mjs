// One measured run of our TimeSeriesCollector (local /proc sampling), for run.mjs. Run with --expose-gc.
// Usage: node --expose-gc ours.mjs --interval 1 --seconds 30 [--journal]
// Prints one JSON line with the figures (see run.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const entry = process.env.MLPS_TIMESERIES_ENTRY ?? join(here, '..', '..', 'packages', 'timeseries', 'dist', 'index.js');
const { TimeSeriesCollector, collectTimeseriesSampleSync, SampleStore } = await import(pathToFileURL(entry).href);

function arg(name, fallback) {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}
const interval = arg('--interval', 1);
const seconds = arg('--seconds', 30);
const withJournal = process.argv.includes('--journal');
if (typeof global.gc !== 'function') {
  console.error('ours.mjs needs node --expose-gc');
  process.exit(2);
}

function retainedNow() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

// Warm-up like the Python side (JIT, first layout): a throwaway store of a few samples.
const warm = new SampleStore({ maxSamples: 10 });
for (let i = 0; i < 10; i++) warm.push(collectTimeseriesSampleSync());

const halfTick = Math.floor(seconds / interval / 2);
let midRetained = null;
const dir = withJournal ? mkdtempSync(join(tmpdir(), 'mlps-bench-')) : null;
const starts = [];
const indices = [];
const collector = new TimeSeriesCollector({
  intervalSeconds: interval,
  maxSamples: 1_000_000,
  journalPath: dir ? join(dir, 'bench_timeseries.jsonl') : undefined,
  sampler: ({ wallMs, tick }) => {
    starts.push(tick.startedMs);
    indices.push(tick.index);
    // Halfway, right after this tick's work (far from the next due time): retained memory of the
    // first half, so the second half's growth per sample (the steady state) can be told apart.
    if (tick.index === halfTick) setImmediate(() => (midRetained = { bytes: retainedNow(), samples: collector.stats.samples }));
    return collectTimeseriesSampleSync({ wallMs });
  },
});
// The bookkeeping arrays above are the bench's, not the collector's: size them before the baseline.
starts.length = 0;
const expected = Math.ceil(seconds / interval) + 8;
for (let i = 0; i < expected; i++) starts.push(0), indices.push(0);
const baseline = retainedNow();
starts.length = 0;
indices.length = 0;
const rssStart = process.memoryUsage.rss();
const cpu0 = process.cpuUsage();
collector.start();
// CPU of the second half alone: the steady state, without the one-time JIT compilation of the first samples.
let mid = null;
setTimeout(() => (mid = { cpu: process.cpuUsage(), samples: collector.stats.samples }), (seconds * 1000) / 2);
await new Promise((resolve) => setTimeout(resolve, seconds * 1000 - 1));
const cpu = process.cpuUsage(cpu0);
const cpuSecondHalf = process.cpuUsage(mid.cpu);
const secondHalfSamples = collector.stats.samples - mid.samples;
const rssEnd = process.memoryUsage.rss();
const n = collector.stats.samples;
const retained = retainedNow() - baseline;
const stopCpu0 = process.cpuUsage();
await collector.stop();
const stopCpu = process.cpuUsage(stopCpu0);
const stats = collector.stats;
if (dir) rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    label: withJournal ? 'ours+journal' : 'ours',
    interval,
    samples: n,
    cpuMsPerSample: (cpu.user + cpu.system) / 1000 / Math.max(n, 1),
    cpuMsPerSampleSecondHalf: (cpuSecondHalf.user + cpuSecondHalf.system) / 1000 / Math.max(secondHalfSamples, 1),
    stopCpuMs: (stopCpu.user + stopCpu.system) / 1000,
    rssStartBytes: rssStart,
    rssEndBytes: rssEnd,
    retainedBytesPerSample: retained / Math.max(n, 1),
    retainedBytesPerSampleSecondHalf: midRetained
      ? (retained + baseline - midRetained.bytes) / Math.max(n - midRetained.samples, 1)
      : null,
    retainedMethod: 'heap + ArrayBuffer growth after GC',
    skippedTicks: stats.skippedTicks,
    schedulerStartErrorMs: stats.intervalErrorMs,
    startsMs: starts.slice(0, n),
    indices: indices.slice(0, n),
  }),
);
