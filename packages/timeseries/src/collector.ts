/**
 * `TimeSeriesCollector`: samples this host on a drift-free schedule in the background of a benchmark
 * (DESIGN §4). Samples are kept compactly in memory ({@link SampleStore}, bounded by `maxSamples`) and,
 * with `journalPath`, appended to a crash-safe journal flushed every tick.
 */
import { hostname as osHostname } from 'node:os';
import { systemClock } from './clock';
import { CollectionRun, EngineCollector, type CollectorStats, type HostSource, type SampleRequest } from './collection-run';
import { invalidArgument } from './errors';
import { LocalSampler } from './local-sampler';
import { PROC_SOURCES } from './proc/registry';
import { WorkloadIoTracker } from './proc/workload-io';
import type { PackedSample } from './packed-sample';
import { describeValue, validateCollectionSettings } from './settings';
import type { TickInfo } from './schedule';
import type { OverflowPolicy } from './store';
import type { Clock, TimeSeriesSample } from './types';

/** What a sampler is told about the sample it must take. */
export interface SampleContext {
  /** Wall-clock milliseconds of the tick's start, for the sample's timestamp. */
  wallMs: number;
  /** The tick being served (for the closing sample: the next index, due and started at `stop()`). */
  tick: TickInfo;
  /** True for the closing sample that `stop()` takes after the last tick. */
  closing?: boolean;
}

/** Takes one sample. The default reads the local `/proc` synchronously. */
export type SampleProvider = (context: SampleContext) => TimeSeriesSample | Promise<TimeSeriesSample>;

/** Where the collector's warnings go (default: `console.warn`). */
export interface CollectorLogger {
  warn(message: string): void;
}

/** Options of {@link TimeSeriesCollector}. */
export interface TimeSeriesCollectorOptions {
  /** Seconds between samples: finite and ≥ 0.01. Default 10. */
  intervalSeconds?: number;
  /** Most samples kept in memory and in the document (an integer ≥ 1). Default 3600. */
  maxSamples?: number;
  /** What happens at `maxSamples`: `decimate` (default, whole run stays covered) or `keep-first`. */
  overflow?: OverflowPolicy;
  /** Journal file to create (never overwritten); every sample is appended and flushed each tick. */
  journalPath?: string;
  /**
   * Most journal bytes kept for retry while its disk refuses them (a full disk); past it the journal stops,
   * keeping the samples it has, and later samples are in memory only (`stats.journalStopped`). Default
   * 4 MiB (`DEFAULT_JOURNAL_MAX_PENDING_BYTES`).
   */
  journalMaxPendingBytes?: number;
  /** Where `/proc` is mounted. Default `/proc`. */
  procRoot?: string;
  /** Clock for the schedule and timestamps (tests inject a `ManualClock`). Default the system clock. */
  clock?: Clock;
  /** Receives warnings (cap reached, journal write failed). Default `console.warn`. */
  logger?: CollectorLogger;
  /** Replaces local sampling (tests, other sources). A throw or rejection becomes an error sample. */
  sampler?: SampleProvider;
  /** Timers do not keep the process alive while collecting (like a daemon thread). Default false. */
  unref?: boolean;
  /**
   * The key this host's samples are filed under (`samples_by_host`, `hosts_requested`, the journal): the
   * host as the user named it, e.g. `127.0.0.1` when a benchmark runs with no `--hosts`, as `mlpstorage`
   * files it. Default `os.hostname()`. Each sample's `hostname` stays the machine's own name.
   */
  hostName?: string;
  /**
   * Sample the workload's own I/O with the host (sample key `workload_io`, see {@link WorkloadIoTracker}):
   * this process's threads other than the sampling one (in-process workloads, reaped children) and the
   * process trees given to {@link TimeSeriesCollector.trackProcess}. Default false.
   */
  workloadIo?: boolean;
}

export type { CollectorStats } from './collection-run';


function validate(options: unknown): Required<Pick<TimeSeriesCollectorOptions, 'intervalSeconds' | 'maxSamples' | 'overflow'>> &
  TimeSeriesCollectorOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument(`TimeSeriesCollector options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const o = options as TimeSeriesCollectorOptions;
  const { intervalSeconds, maxSamples, overflow } = validateCollectionSettings(o);
  if (o.sampler !== undefined && typeof o.sampler !== 'function') {
    throw invalidArgument(`sampler must be a function, got ${describeValue(o.sampler)}`);
  }
  if (o.hostName !== undefined && (typeof o.hostName !== 'string' || o.hostName.trim() === '')) {
    throw invalidArgument(`hostName must be a non-empty string, got ${describeValue(o.hostName)}`);
  }
  return { ...o, intervalSeconds, maxSamples, overflow };
}


/** This machine as a source: the default sampler reads `/proc` through descriptors kept open. */
class LocalSource implements HostSource {
  readonly method = 'local' as const;
  private readonly sampler: LocalSampler | null;
  private readonly provide: SampleProvider | undefined;

  /**
   * @param name the key the run files this host under
   * @param hostname the machine's own name, which its samples (and error samples) carry
   */
  constructor(
    readonly name: string,
    readonly hostname: string,
    procRoot: string,
    sampler: SampleProvider | undefined,
    workload?: WorkloadIoTracker,
  ) {
    this.provide = sampler;
    this.sampler = sampler ? null : new LocalSampler({ procRoot, hostname, ...(workload ? { sources: [...PROC_SOURCES, workload.source] } : {}) });
  }

  sample(request: SampleRequest): TimeSeriesSample | PackedSample | Promise<TimeSeriesSample> {
    const provide = this.provide;
    // After close() the sampler still answers, opening files per read (a closing sample racing a stop).
    if (provide === undefined) return (this.sampler as LocalSampler).sample(request.wallMs);
    const context: SampleContext = request.closing
      ? { wallMs: request.wallMs, tick: request.tick, closing: true }
      : { wallMs: request.wallMs, tick: request.tick };
    return provide(context);
  }

  close(): void {
    this.sampler?.close();
  }
}

/**
 * Collects time-series samples of this host at a fixed interval (DESIGN §4): the collection engine
 * ({@link CollectionRun}) with this machine as its one source.
 *
 * - Schedule: the first sample at `start()`, sample k due at start + k × interval on the monotonic clock;
 *   a sample that overruns its interval makes the collector skip (and count) the ticks it overran.
 * - Lifecycle: one `start()` and one `stop()` per instance; `stop()` resolves once the in-flight sample
 *   is done and every timer and file handle is closed, and a second `stop()` returns the same result.
 * - Closing sample: `stop()` takes one last sample after the schedule ends, once, so a run's totals cover
 *   it to its end (a run of N ticks has N + 1 samples).
 * - Bounds: at most `maxSamples` samples in memory, stored compactly (≈1–2 KB each); the journal, when
 *   configured, keeps every sample.
 *
 * The run's host key (in `describeRun()`) is `hostName`: the host as the user named it, by default this
 * machine's `os.hostname()`; each sample's `hostname` is always the machine's own name.
 *
 * @example
 * const collector = new TimeSeriesCollector({ intervalSeconds: 1, journalPath: 'run_timeseries.jsonl' });
 * collector.start();
 * await runBenchmark();
 * const samples = await collector.stop();
 * await writeTimeSeriesDocument('run_timeseries.json', collector); // streamed, atomic
 */
export class TimeSeriesCollector extends EngineCollector {
  /** The proc root sampled by the default sampler. */
  readonly procRoot: string;
  /** Key of this host in `describeRun()` and the journal: the `hostName` option, else `os.hostname()`. */
  readonly hostName: string;

  constructor(options: TimeSeriesCollectorOptions = {}) {
    const o = validate(options);
    const procRoot = o.procRoot ?? '/proc';
    const hostName = o.hostName ?? osHostname();
    const workload = o.workloadIo === true && o.sampler === undefined ? new WorkloadIoTracker() : undefined;
    super(
      new CollectionRun({
        name: 'TimeSeriesCollector',
        transitionPrefix: 'TimeSeriesCollector: ',
        // Samples carry the machine's own name, whatever key the run files them under.
        sources: [new LocalSource(hostName, osHostname(), procRoot, o.sampler, workload)],
        intervalSeconds: o.intervalSeconds,
        maxSamples: o.maxSamples,
        overflow: o.overflow,
        journalPath: o.journalPath,
        journalMaxPendingBytes: o.journalMaxPendingBytes,
        clock: o.clock ?? systemClock,
        logger: o.logger ?? { warn: (message: string) => console.warn(message) },
        unref: o.unref ?? false,
        // A local sample is waited for: it is this machine's own /proc (or the caller's sampler).
        sampleTimeoutMs: Infinity,
        stopGraceMs: Infinity,
      }),
      workload,
    );
    this.procRoot = procRoot;
    this.hostName = hostName;
  }

  /**
   * The samples kept so far, oldest first (decoded copies). With `decimate`, a long run is thinned
   * evenly; the journal has every sample.
   */
  get samples(): TimeSeriesSample[] {
    return this.run.samplesOf(this.hostName);
  }

  /** Measured schedule and sample counts. */
  get stats(): CollectorStats {
    const { sampleLatencyMs: _latency, tickLatencyMs: _tick, ...stats } = this.run.stats;
    return stats;
  }

  /**
   * Stops collecting. Waits for the in-flight sample, then takes one closing sample (so the run is
   * observed to its end; it is kept beyond `maxSamples` if need be and counted in `stats.samples`, not in
   * `stats.ticks`), clears the timer and flushes, fsyncs and closes the journal. Resolves with the kept
   * samples; nothing of the collector keeps the process alive afterwards. A second call returns the same
   * result.
   *
   * Rejects with MlpsError `INVALID_STATE` ("not started") before `start()`.
   */
  stop(): Promise<TimeSeriesSample[]> {
    return this.stopThen(() => this.samples);
  }
}
