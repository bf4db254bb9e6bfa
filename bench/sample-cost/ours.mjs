// One measured run of our TimeSeriesCollector (local /proc sampling), for run.mjs. Run with --expose-gc.
// Usage: node --expose-gc ours.mjs --interval 1 --seconds 30 [--journal] [--idle]
//   --idle   the baseline: the same TickScheduler schedule with no work in the tick (what this runtime
//            costs just by waking up every interval on this machine)
// Prints one JSON line with the figures (see run.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const entry = process.env.MLPS_TIMESERIES_ENTRY ?? join(here, '..', '..', 'packages', 'timeseries', 'dist', 'index.js');
const { TimeSeriesCollector, collectTimeseriesSampleSync } = await import(pathToFileURL(entry).href);
// The engine's parts are the `@mlps/timeseries/engine` entry, built beside the root one.
const { TickScheduler, SampleStore } = await import(pathToFileURL(join(dirname(entry), 'engine.js')).href);

function arg(name, fallback) {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}
const interval = arg('--interval', 1);
const seconds = arg('--seconds', 30);
const withJournal = process.argv.includes('--journal');
const idle = process.argv.includes('--idle');
if (typeof global.gc !== 'function') {
  console.error('ours.mjs needs node --expose-gc');
  process.exit(2);
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

if (idle) {
  // Same timer machinery as the collector (TickScheduler on the system clock), nothing done per tick.
  const scheduler = new TickScheduler({ intervalMs: interval * 1000, onTick: () => undefined });
  const cpu0 = cpuNow();
  scheduler.start();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000 - 1));
  const cpuUs = cpuNow() - cpu0;
  const ticks = scheduler.stats.ticks;
  await scheduler.stop();
  console.log(JSON.stringify({ label: 'ours-idle', interval, ticks, cpuMsPerTick: cpuUs / 1000 / Math.max(ticks, 1) }));
  process.exit(0);
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

const host = hostname();
const halfTick = Math.floor(seconds / interval / 2);
let midRetained = null;
const dir = withJournal ? mkdtempSync(join(tmpdir(), 'mlps-bench-')) : null;
// The bench's own bookkeeping is allocated before the baseline, so it is not counted as retained.
const expected = Math.ceil(seconds / interval) + 8;
const starts = new Float64Array(expected);
const indices = new Float64Array(expected);
// CPU (µs) around the sampling work alone (read + parse: what the default sampler does), and around the
// whole tick (sampling, store, journal, statistics), the latter read in a microtask queued by the
// sampler, which runs once the tick's synchronous work is done.
const sampleCpuUs = new Float64Array(expected);
const tickCpuUs = new Float64Array(expected);
let taken = 0;
let tickStartCpu = 0;
const endOfTick = () => {
  tickCpuUs[taken - 1] = cpuNow() - tickStartCpu;
};
const collector = new TimeSeriesCollector({
  intervalSeconds: interval,
  maxSamples: 1_000_000,
  journalPath: dir ? join(dir, 'bench_timeseries.jsonl') : undefined,
  // The default sampler's work (collectTimeseriesSampleSync with the host name known), measured.
  sampler: ({ wallMs, tick }) => {
    const c0 = cpuNow();
    tickStartCpu = c0;
    const sample = collectTimeseriesSampleSync({ hostname: host, wallMs });
    const c1 = cpuNow();
    if (taken < expected) {
      starts[taken] = tick.startedMs;
      indices[taken] = tick.index;
      sampleCpuUs[taken] = c1 - c0;
      taken++;
      queueMicrotask(endOfTick);
    }
    // Halfway, right after this tick's work (far from the next due time): retained memory of the
    // first half, so the second half's growth per sample (the steady state) can be told apart.
    if (tick.index === halfTick) setImmediate(() => (midRetained = { bytes: retainedNow(), samples: collector.stats.samples }));
    return sample;
  },
});
const baseline = retainedNow();
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
const ms = (us) => Array.from(us.subarray(0, Math.min(n, taken)), (v) => v / 1000);
console.log(
  JSON.stringify({
    label: withJournal ? 'ours+journal' : 'ours',
    interval,
    samples: n,
    cpuMsPerSample: (cpu.user + cpu.system) / 1000 / Math.max(n, 1),
    cpuMsPerSampleSecondHalf: (cpuSecondHalf.user + cpuSecondHalf.system) / 1000 / Math.max(secondHalfSamples, 1),
    sampleCpuMs: ms(sampleCpuUs),
    tickCpuMs: ms(tickCpuUs),
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
    startsMs: Array.from(starts.subarray(0, Math.min(n, taken))),
    indices: Array.from(indices.subarray(0, Math.min(n, taken))),
  }),
);
