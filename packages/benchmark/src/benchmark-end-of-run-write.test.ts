// The benchmark's own end-of-run write with many hosts (issue 9, "Done when"): 64 hosts × 200 ticks on the
// real collection engine, written by `Benchmark.run()` from the collector's stores. Every sample must be
// in the document, and the heap that stays live while it is written must stay far below the document's
// size: the old path (`buildTimeSeriesData(collector)`, every host's samples decoded and kept) holds
// ~30 KB of objects per sample, i.e. more than the whole document.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import {
  ManualClock,
  TimeSeriesCollector,
  collectTimeseriesSampleSync,
  formatReferenceTimestamp,
  type TimeSeriesSample,
} from '@mlps/timeseries';
import { CollectionRun, EngineCollector, type HostSource } from '@mlps/timeseries/engine';
import { streamDocumentSamples } from '@mlps/timeseries/export';
import { Benchmark, type BenchmarkOptions } from './benchmark';
import type { CreateCollectorOptions, CreatedCollector } from './collection';

const HOSTS = 64;
const TICKS = 200;
const T0 = Date.UTC(2026, 0, 24, 12, 0, 0);

// A full collection between measurements, so what is measured is what is live, not garbage not yet
// collected. (`--expose-gc` for this worker only, through V8's flag API.)
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function liveHeapBytes(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** A collector on the real engine: `EngineCollector` over a `CollectionRun`, as both shipped collectors are. */
class EngineOnlyCollector extends EngineCollector {
  constructor(run: CollectionRun) {
    super(run);
  }
  stop(): Promise<void> {
    return this.stopThen(() => undefined);
  }
}

/**
 * One real sample of this machine, replayed per host and tick with moving counters: sectors written grow by
 * (host + 1) MiB a tick on every disk, so each sample is distinct and checkable.
 */
function replaySource(base: TimeSeriesSample, index: number, name: string): HostSource {
  return {
    name,
    method: 'ssh',
    sample: (q) => {
      const k = q.tick.index;
      return {
        ...base,
        timestamp: formatReferenceTimestamp(q.wallMs),
        timestamp_ms: q.wallMs,
        hostname: name,
        uptime_seconds: 1000 + k,
        diskstats: base.diskstats?.map((d) => ({ ...d, sectors_written: d.sectors_written + k * 2048 * (index + 1) })),
      };
    },
  };
}

class ManyHostsBenchmark extends Benchmark {
  readonly BENCHMARK_TYPE = 'kv_cache' as const;
  readonly clock = new ManualClock({ startMs: 0, wallStartMs: T0 });
  readonly base = collectTimeseriesSampleSync({ wallMs: T0, hostname: 'replayed' });
  readonly names = Array.from({ length: HOSTS }, (_, i) => `node-${String(i).padStart(2, '0')}`);

  constructor(options: BenchmarkOptions) {
    super({ handleSignals: false, quiet: true, ...options });
  }

  protected override createTimeseriesCollector(o: CreateCollectorOptions): CreatedCollector {
    const run = new CollectionRun({
      name: 'ManyHostsCollector',
      sources: this.names.map((name, i) => replaySource(this.base, i, name)),
      intervalSeconds: o.settings.intervalSeconds,
      maxSamples: o.settings.maxSamples,
      overflow: o.settings.overflow,
      journalPath: o.journalPath,
      clock: this.clock,
      logger: { warn: (m) => o.warn?.(m) },
      unref: true,
      sampleTimeoutMs: 1000,
      stopGraceMs: 1000,
    });
    return { collector: new EngineOnlyCollector(run), kind: 'multi-host' };
  }

  /** The workload: the collection's clock moves on TICKS − 1 intervals (tick 0 was taken at start). */
  protected async _run(): Promise<number> {
    for (let t = 1; t < TICKS; t++) await this.clock.advance(1000);
    return 0;
  }
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mlps-bench-write-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test(`writes ${HOSTS} hosts × ${TICKS + 1} samples host by host, every sample in, live heap far below the document`, async () => {
  let baseline = 0;
  let peakGrowth = 0;
  let observed = 0;
  const bench = new ManyHostsBenchmark({
    command: 'run',
    resultsDir: root,
    timeseries: { intervalSeconds: 1 },
    events: {
      stage: (stage) => {
        if (stage === 'write-timeseries') baseline = liveHeapBytes();
      },
      timeseriesSample: () => {
        // Every 1000th sample (13 measurements in the write): what the write holds live at that moment.
        if (observed++ % 1000 === 999) peakGrowth = Math.max(peakGrowth, liveHeapBytes() - baseline);
      },
    },
  });
  expect(await bench.run()).toBe(0);

  const doc = bench.timeseriesDocument!;
  const perHost = TICKS + 1; // every tick and the closing sample
  expect(doc.samples).toBe(HOSTS * perHost);
  expect(observed).toBe(HOSTS * perHost);
  expect(doc.fields.num_samples).toBe(HOSTS * perHost);
  expect(doc.fields.hosts_collected).toEqual(bench.names);
  expect(doc.fields.collection_method).toBe('ssh');
  expect(doc.samplesPerHost).toEqual(Object.fromEntries(bench.names.map((n) => [n, perHost])));

  // The live heap during the write: one decoded sample and the output buffer, not the document.
  expect(doc.bytes).toBeGreaterThan(150 * 2 ** 20);
  expect(peakGrowth).toBeLessThan(32 * 2 ** 20);
  expect(peakGrowth).toBeLessThan(doc.bytes / 8);

  // Read back streamed: every host, every tick in order, each sample's own counters.
  const disk = bench.base.diskstats![0]!;
  const seen = new Map<string, number>();
  const stream = streamDocumentSamples(doc.path);
  let step = await stream.next();
  while (!step.done) {
    const { host, sample } = step.value;
    const k = seen.get(host) ?? 0;
    const i = bench.names.indexOf(host);
    if (k < TICKS) {
      expect(sample.timestamp_ms).toBe(T0 + k * 1000);
      expect(sample.diskstats?.[0]?.sectors_written).toBe(disk.sectors_written + k * 2048 * (i + 1));
    }
    expect(sample.hostname).toBe(host);
    seen.set(host, k + 1);
    step = await stream.next();
  }
  expect(step.value).toMatchObject({ kind: 'document', samples: HOSTS * perHost, badEntries: 0 });
  expect([...seen.keys()]).toEqual(bench.names);
  expect([...seen.values()].every((n) => n === perHost)).toBe(true);

  // The metadata is made from the fields the write kept.
  const metaName = readdirSync(bench.runResultOutput).find((n) => n.endsWith('_metadata.json'))!;
  const meta = JSON.parse(readFileSync(join(bench.runResultOutput, metaName), 'utf8'));
  expect(meta.timeseries_data).toMatchObject({
    num_samples: HOSTS * perHost,
    num_good_samples: HOSTS * perHost,
    num_error_samples: 0,
    hosts_collected: bench.names,
    collection_method: 'ssh',
  });
}, 60_000);

/** The shipped single-host collector (its `stop()` resolves every kept sample decoded), replaying samples. */
class OneHostBenchmark extends Benchmark {
  readonly BENCHMARK_TYPE = 'kv_cache' as const;
  readonly clock = new ManualClock({ startMs: 0, wallStartMs: T0 });
  readonly base = collectTimeseriesSampleSync({ wallMs: T0, hostname: 'replayed' });

  constructor(
    options: BenchmarkOptions,
    private readonly ticks: number,
  ) {
    super({ handleSignals: false, quiet: true, ...options });
  }

  protected override createTimeseriesCollector(o: CreateCollectorOptions): CreatedCollector {
    const source = replaySource(this.base, 0, '127.0.0.1');
    const collector = new TimeSeriesCollector({
      intervalSeconds: o.settings.intervalSeconds,
      maxSamples: o.settings.maxSamples,
      journalPath: o.journalPath,
      clock: this.clock,
      hostName: '127.0.0.1',
      sampler: (c) => source.sample({ wallMs: c.wallMs, tick: c.tick, timeoutMs: Infinity, closing: c.closing === true }) as TimeSeriesSample,
    });
    return { collector, kind: 'single-host' };
  }

  protected async _run(): Promise<number> {
    for (let t = 1; t < this.ticks; t++) await this.clock.advance(1000);
    return 0;
  }
}

test('a single-host run (TimeSeriesCollector) is stopped without decoding its samples: nothing but the write grows the heap', async () => {
  const ticks = 2500;
  let beforeStop = 0;
  let peakGrowth = 0;
  let observed = 0;
  const bench = new OneHostBenchmark(
    {
      command: 'run',
      resultsDir: root,
      timeseries: { intervalSeconds: 1, maxSamples: ticks + 1 },
      events: {
        stage: (stage) => {
          if (stage === 'collection-stop') beforeStop = liveHeapBytes();
        },
        timeseriesSample: () => {
          if (observed++ % 500 === 499) peakGrowth = Math.max(peakGrowth, liveHeapBytes() - beforeStop);
        },
      },
    },
    ticks,
  );
  expect(await bench.run()).toBe(0);
  const doc = bench.timeseriesDocument!;
  expect(doc.samplesPerHost).toEqual({ '127.0.0.1': ticks + 1 });
  expect(doc.bytes).toBeGreaterThan(40 * 2 ** 20);
  // Stopping the collector must not leave every sample decoded (~30 KB of objects each) behind it.
  expect(peakGrowth).toBeLessThan(16 * 2 ** 20);
  const afterRun = liveHeapBytes() - beforeStop;
  expect(afterRun).toBeLessThan(16 * 2 ** 20);
}, 60_000);
