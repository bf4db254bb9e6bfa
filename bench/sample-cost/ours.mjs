// The Node side of bench/sample-cost (run by run.mjs; see its header for the figures). Run with --expose-gc.
//
// Usage: node --expose-gc ours.mjs --interval 1 --seconds 30 --dir DIR [--idle]
//        node --expose-gc ours.mjs --self-check
//   (default)    a real TimeSeriesCollector of the built package, with a journal file in DIR, as the CLI
//                runs it; measured over a window of --seconds minus half an interval
//   --warmup-seconds N  how long the warm-up collector samples at 0.01 s before the window (default 1)
//   --idle       the baseline: this runtime with the package loaded, waking on the same drift-free
//                schedule (tick k due at start + k × interval) and doing nothing
//   --self-check checks the allocation meter on known allocations (alloc-meter.mjs) and exits
// Protocol: prints "ready" when set up, starts the window on one line of stdin ("go"), prints one JSON line.
// Only the package's public API is used (TimeSeriesCollector: intervalSeconds, journalPath, maxSamples,
// start, stats, stop), so this works whatever the engine does inside.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { AllocationMeter, selfCheck, spaceUse } from './alloc-meter.mjs';

const here = dirname(fileURLToPath(import.meta.url));
if (typeof global.gc !== 'function') {
  console.error('ours.mjs needs node --expose-gc');
  process.exit(2);
}
if (process.argv.includes('--self-check')) {
  process.exit((await selfCheck()) ? 0 : 1);
}

function numberArg(name, fallback) {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}
const interval = numberArg('--interval', 1);
const seconds = numberArg('--seconds', 30);
const idle = process.argv.includes('--idle');
const warmupSeconds = numberArg('--warmup-seconds', 1);
const dirAt = process.argv.indexOf('--dir');
const entry = process.env.MLPS_TIMESERIES_ENTRY ?? join(here, '..', '..', 'packages', 'timeseries', 'dist', 'index.js');
const { TimeSeriesCollector } = await import(pathToFileURL(entry).href);

// The journal lives in run.mjs's temporary directory (removed by it at exit); this process removes its
// own files too, also when it is interrupted, so nothing is left if either side is killed.
const dir = dirAt >= 0 ? process.argv[dirAt + 1] : mkdtempSync(join(tmpdir(), 'mlps-sample-cost-'));
const ownDir = dirAt < 0;
const journalPath = join(dir, `bench_${process.pid}_${interval}_timeseries.jsonl`);
const warmJournalPath = join(dir, `warm_${process.pid}_timeseries.jsonl`);
const cleanup = () => {
  for (const path of [journalPath, warmJournalPath]) rmSync(path, { force: true });
  if (ownDir) rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const cpuMsNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
/**
 * Memory in use after two forced GCs: the heap without its code spaces, plus ArrayBuffer contents
 * (`bytes`), and V8's compiled code apart (`code`). Code is not what a sample keeps: it is the JIT's, and
 * after the bench's forced GCs (and the memory reducer's) V8 compiles part of the start-up path again
 * inside the window (30-36 KB per window in Dec 2026, up to ~180 KB in one diagnostic run).
 */
function retainedNow() {
  global.gc();
  global.gc();
  const { data, code } = spaceUse();
  return { bytes: data + process.memoryUsage().arrayBuffers, code };
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const waitForGo = () =>
  new Promise((resolve) => {
    process.stdin.once('data', () => {
      process.stdin.destroy();
      resolve();
    });
  });

// The window ends half an interval after the last due tick, and the midpoint also falls between two
// ticks, so the bench's own work (a forced GC at the midpoint) never delays a sample.
const windowMs = seconds * 1000 - (interval * 1000) / 2;
const ticksInWindow = Math.ceil(windowMs / (interval * 1000));
const midMs = (Math.floor(ticksInWindow / 2) + 0.5) * interval * 1000;

if (idle) {
  // Same kind of timer as a drift-free scheduler: tick k due at start + k × interval.
  let ticks = 0;
  let running = true;
  let startMs = 0;
  const tick = () => {
    if (!running) return;
    ticks++;
    setTimeout(tick, Math.max(0, startMs + ticks * interval * 1000 - performance.now()));
  };
  console.log('ready');
  await waitForGo();
  const cpu0 = cpuMsNow();
  startMs = performance.now();
  tick();
  await sleep(midMs);
  // The allocation meter's forced GC is bookkeeping: measured around and left out, as for ours.
  const c0 = cpuMsNow();
  const meter = new AllocationMeter();
  meter.start();
  const cpuMid = cpuMsNow();
  const bookkeepingCpuMs = cpuMid - c0;
  const ticksMid = ticks;
  await sleep(Math.max(0, windowMs - (performance.now() - startMs)));
  const cpuEnd = cpuMsNow();
  const alloc = meter.stop();
  const cpuMs = cpuEnd - cpu0 - bookkeepingCpuMs;
  running = false;
  console.log(
    JSON.stringify({
      label: 'ours-idle',
      interval,
      windowSeconds: windowMs / 1000,
      samples: ticks,
      cpuMs,
      cpuMsPerSample: cpuMs / Math.max(ticks, 1),
      cpuMsPerSampleSecondHalf: (cpuEnd - cpuMid) / Math.max(ticks - ticksMid, 1),
      allocatedBytesPerTick: alloc.allocatedBytes / Math.max(ticks - ticksMid, 1),
    }),
  );
  process.exit(0);
}

// Warm-up (the Python side takes 10 samples): a throwaway collector with a journal samples ~100 times at
// 0.01 s, so the window measures the steady state of a long run, not V8 compiling the hot path (which
// also allocates on the heap). The stopped warm-up collector stays referenced to the end (`warmUp`): the
// hot path's optimized code depends weakly on objects of the collector it ran for, so once that collector
// died, the next full GC deoptimized it ("reason: weak objects" under --trace-deopt: scan, appendRow,
// encodeValues, ...), and the window measured V8 compiling the hot path again (~45-65 ms of CPU on its
// compiler threads). In a real run the collector lives to the end, so it never recompiles.
const warmUp = new TimeSeriesCollector({ intervalSeconds: 0.01, journalPath: warmJournalPath, logger: { warn() {} } });
warmUp.start();
await sleep(warmupSeconds * 1000);
await warmUp.stop();
rmSync(warmJournalPath, { force: true });

/**
 * Waits until V8's memory reducer has run after the forced GCs just done, at most `maxMs`. A full GC arms
 * it: ~8 s later, if the program allocates little, it runs up to three more full GCs 0.5 s apart (a fresh
 * CLI process runs the same ones ~8 s after its start, once). Started by the bench's own forced GC, they
 * would land in the window; this returns once 10 s have passed and no full GC came for 2 s, with how many
 * full GCs it waited for.
 */
async function settleAfterForcedGc(maxMs = 20_000) {
  const t0 = performance.now();
  let lastMajor = t0;
  let majors = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        majors++;
        lastMajor = performance.now();
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  while (performance.now() - t0 < maxMs) {
    const now = performance.now();
    if (now - t0 >= 10_000 && now - lastMajor >= 2_000) break;
    await sleep(250);
  }
  observer.disconnect();
  return { settleMs: performance.now() - t0, settleMajorGcs: majors };
}

const collector = new TimeSeriesCollector({
  intervalSeconds: interval,
  journalPath,
  // Every sample of the window is kept (no decimation), plus the closing sample of stop().
  maxSamples: ticksInWindow + 16,
});
const baselineRetained = retainedNow();
const settled = await settleAfterForcedGc();
const rssStart = process.memoryUsage.rss();
console.log('ready');
await waitForGo();

const meter = new AllocationMeter();
let mid = null;
const cpu0 = cpuMsNow();
const wall0 = performance.now();
collector.start();
// The collector's one-time start (descriptors, its first sample, learning that read's byte templates):
// inside the window and its figures, and printed apart too.
const startCpuMs = cpuMsNow() - cpu0;
setTimeout(() => {
  // Start of the steady-state second half: retained memory so far, then the allocation meter.
  const c0 = cpuMsNow();
  const retained = retainedNow();
  const samples = collector.stats.samples;
  const journalBytes = statSync(journalPath).size;
  meter.start();
  const c1 = cpuMsNow();
  mid = { cpuMs: c1, bookkeepingCpuMs: c1 - c0, retained, samples, journalBytes };
}, midMs);
await sleep(Math.max(0, windowMs - (performance.now() - wall0)));

const cpuEnd = cpuMsNow();
const alloc = meter.stop();
const samples = collector.stats.samples;
const journalBytes = statSync(journalPath).size;
const rssEnd = process.memoryUsage.rss();
const retained = retainedNow();
const stats = collector.stats;
const stopCpu0 = cpuMsNow();
const kept = await collector.stop();
const stopCpuMs = cpuMsNow() - stopCpu0;
void warmUp; // referenced to the end on purpose (see the warm-up above)

// Drift: the last sample of the window against the first plus whole intervals (skipped ticks included).
const times = kept.slice(0, samples).map((s) => s.timestamp_ms);
const driftMs =
  times.length > 1 ? times[times.length - 1] - (times[0] + (times.length - 1 + stats.skippedTicks) * interval * 1000) : null;
// Device/interface set changes in the window (other processes adding network interfaces, disks coming
// and going): each one makes the collector describe a new shape, which its figures then include.
const shapeOf = (s) =>
  `${(s.diskstats ?? []).map((d) => d.device_name).join(',')}|${(s.netdev ?? []).map((n) => n.interface_name).join(',')}`;
let shapeChanges = 0;
for (let i = 1; i < Math.min(kept.length, samples); i++) if (shapeOf(kept[i]) !== shapeOf(kept[i - 1])) shapeChanges++;
const secondHalfSamples = samples - mid.samples;
const cpuMs = cpuEnd - cpu0 - mid.bookkeepingCpuMs;
console.log(
  JSON.stringify({
    label: 'ours',
    interval,
    windowSeconds: windowMs / 1000,
    samples,
    cpuMs,
    cpuMsPerSample: cpuMs / Math.max(samples, 1),
    cpuMsPerSampleSecondHalf: (cpuEnd - mid.cpuMs) / Math.max(secondHalfSamples, 1),
    retainedBytesPerSample: (retained.bytes - baselineRetained.bytes) / Math.max(samples, 1),
    retainedBytesPerSampleSecondHalf: (retained.bytes - mid.retained.bytes) / Math.max(secondHalfSamples, 1),
    retainedMethod: 'growth of the heap (code spaces apart) + ArrayBuffers, after forced GCs',
    retainedCodeBytes: retained.code - baselineRetained.code,
    allocatedBytesPerTick: alloc.allocatedBytes / Math.max(secondHalfSamples, 1),
    compiledCodeBytesPerTick: alloc.codeBytes / Math.max(secondHalfSamples, 1),
    scavengesPer100Ticks: (alloc.minorGcs * 100) / Math.max(secondHalfSamples, 1),
    markCompactsPer100Ticks: (alloc.majorGcs * 100) / Math.max(secondHalfSamples, 1),
    journalBytesPerSample: journalBytes / Math.max(samples, 1),
    journalBytesPerSampleSecondHalf: (journalBytes - mid.journalBytes) / Math.max(secondHalfSamples, 1),
    rssStartBytes: rssStart,
    rssEndBytes: rssEnd,
    skippedTicks: stats.skippedTicks,
    startErrorMs: stats.intervalErrorMs,
    driftMs,
    shapeChanges,
    stopCpuMs,
    startCpuMs,
    ...settled,
  }),
);
