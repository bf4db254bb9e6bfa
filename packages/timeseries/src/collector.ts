/**
 * `TimeSeriesCollector`: samples this host on a drift-free schedule in the background of a benchmark
 * (DESIGN §4). Samples are kept compactly in memory ({@link SampleStore}, bounded by `maxSamples`) and,
 * with `journalPath`, appended to a crash-safe journal flushed every tick.
 */
import { hostname as osHostname } from 'node:os';
import { systemClock } from './clock';
import { invalidArgument, MlpsError } from './errors';
import type { DescribesRun, RunDescription } from './format';
import { HostHealthTracker, describeHostTransition, type HostHealthSnapshot } from './host-health';
import { JournalWriter } from './journal';
import type { ProcReader } from './proc/reader';
import { buildErrorSample } from './error-sample';
import { createSampleReader, sampleWithReader } from './sampling';
import { describeValue, validateCollectionSettings } from './settings';
import { TickScheduler, type TickInfo } from './schedule';
import { SampleStore, type CapReachedInfo, type OverflowPolicy } from './store';
import type { Summary } from './stats';
import type { Clock, IntervalStatsRecord, TimeSeriesSample } from './types';
import { formatReferenceTimestamp, toEpochMs } from './timestamps';

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
}

/** Measured behaviour of a collector. */
export interface CollectorStats {
  /** Ticks that ran (one sample each). */
  ticks: number;
  /** Samples taken, error samples included. */
  samples: number;
  /** Ticks skipped because the previous sample overran its interval. */
  skippedTicks: number;
  /** Samples that failed as a whole (the sampler threw): kept as error samples. */
  failedSamples: number;
  /** Samples kept in memory now (after the overflow policy). */
  storedSamples: number;
  /** Samples not kept in memory because of `maxSamples` (the journal still has them). */
  droppedSamples: number;
  /** Journal writes that failed (the samples stay in memory). */
  journalErrors: number;
  /** Time between consecutive sample starts, in seconds; null before two samples. */
  measuredIntervalSeconds: Summary | null;
  /** Start of each sample minus its due time, in milliseconds; null before the first sample. */
  intervalErrorMs: Summary | null;
}

type State = 'idle' | 'running' | 'stopped';


function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

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


/**
 * Collects time-series samples of this host at a fixed interval (DESIGN §4).
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
export class TimeSeriesCollector implements DescribesRun {
  /** The configured interval in seconds. */
  readonly intervalSeconds: number;
  /** The in-memory cap. */
  readonly maxSamples: number;
  /** The overflow policy. */
  readonly overflow: OverflowPolicy;
  /** The journal path, if any. */
  readonly journalPath: string | undefined;
  /** The proc root sampled by the default sampler. */
  readonly procRoot: string;
  /** Key of this host in `describeRun()` and the journal: the `hostName` option, else `os.hostname()`. */
  readonly hostName: string;

  /** This machine's own name, carried by every sample (also error samples). */
  private readonly sampleHostname: string;
  private readonly clock: Clock;
  private readonly logger: CollectorLogger;
  private readonly sampler: SampleProvider;
  /** The default sampler's reader (descriptors kept open on procfs), closed by `stop()`. */
  private readonly reader: ProcReader | null;
  private readonly store: SampleStore;
  private readonly scheduler: TickScheduler;
  private state: State = 'idle';
  private journal: JournalWriter | null = null;
  private started: Date | null = null;
  private ended: Date | null = null;
  private stopPromise: Promise<TimeSeriesSample[]> | null = null;
  private finalSamples: TimeSeriesSample[] | null = null;
  private taken = 0;
  private failed = 0;
  /** The run's host-health rule: counts and lost/back transitions (warned). */
  private readonly health: HostHealthTracker;
  private journalErrors = 0;

  constructor(options: TimeSeriesCollectorOptions = {}) {
    const o = validate(options);
    this.intervalSeconds = o.intervalSeconds;
    this.maxSamples = o.maxSamples;
    this.overflow = o.overflow;
    this.journalPath = o.journalPath;
    this.procRoot = o.procRoot ?? '/proc';
    this.clock = o.clock ?? systemClock;
    this.logger = o.logger ?? { warn: (message) => console.warn(message) };
    this.hostName = o.hostName ?? osHostname();
    this.health = new HostHealthTracker(this.hostName);
    const procRoot = this.procRoot;
    // Samples carry the machine's own name, whatever key the run files them under.
    const hostname = osHostname();
    this.sampleHostname = hostname;
    const reader = o.sampler ? null : createSampleReader(procRoot);
    this.reader = reader;
    this.sampler = o.sampler ?? ((context) => sampleWithReader(reader as ProcReader, hostname, context.wallMs));
    this.store = new SampleStore({
      maxSamples: this.maxSamples,
      overflow: this.overflow,
      onCapReached: (info) => this.warnCap(info),
    });
    this.scheduler = new TickScheduler({
      intervalMs: this.intervalSeconds * 1000,
      clock: this.clock,
      onTick: (tick) => this.onTick(tick),
      unref: o.unref ?? false,
    });
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Wall-clock time of `start()`, null before. */
  get startTime(): Date | null {
    return this.started === null ? null : new Date(this.started.getTime());
  }

  /** Wall-clock time `stop()` finished, null before. */
  get endTime(): Date | null {
    return this.ended === null ? null : new Date(this.ended.getTime());
  }

  /**
   * The samples kept so far, oldest first (decoded copies; after `stop()`, the stopped result). With
   * `decimate`, a long run is thinned evenly; the journal has every sample.
   */
  get samples(): TimeSeriesSample[] {
    return this.finalSamples ? this.finalSamples.slice() : this.store.toArray();
  }

  /** This host's health (keyed by {@link hostName}): good and error samples, status, link state. */
  hostHealth(): Record<string, HostHealthSnapshot> {
    return { [this.hostName]: this.health.snapshot() };
  }

  /** Measured schedule and sample counts. */
  get stats(): CollectorStats {
    const s = this.scheduler.stats;
    const interval = s.measuredIntervalMs;
    return {
      ticks: s.ticks,
      samples: this.taken,
      skippedTicks: s.skippedTicks,
      failedSamples: this.failed,
      storedSamples: this.store.length,
      droppedSamples: this.store.dropped,
      journalErrors: this.journalErrors,
      measuredIntervalSeconds: interval
        ? { mean: interval.mean / 1000, p50: interval.p50 / 1000, p99: interval.p99 / 1000, max: interval.max / 1000 }
        : null,
      intervalErrorMs: s.intervalErrorMs,
    };
  }

  /**
   * Starts collecting: opens the journal (if any) and takes the first sample now.
   *
   * @throws MlpsError `INVALID_STATE` when already started or stopped; `IO_ERROR` when the journal cannot
   * be created (the collector is then not started).
   */
  start(): void {
    if (this.state === 'running') throw new MlpsError('INVALID_STATE', 'TimeSeriesCollector already started');
    if (this.state === 'stopped') {
      throw new MlpsError('INVALID_STATE', 'TimeSeriesCollector already stopped; create a new instance');
    }
    const started = new Date(this.clock.wallMs());
    if (this.journalPath !== undefined) {
      this.journal = JournalWriter.open(this.journalPath, {
        collection_interval_seconds: this.intervalSeconds,
        hosts_requested: [this.hostName],
        collection_method: 'local',
        start_time: formatReferenceTimestamp(started.getTime()),
        start_time_ms: toEpochMs(started.getTime()),
      });
    }
    this.started = started;
    this.state = 'running';
    this.scheduler.start();
  }

  /**
   * Stops collecting. Waits for the in-flight sample, then takes one closing sample (so the run is
   * observed to its end; it is kept beyond `maxSamples` if need be and counted in `stats.samples`, not in
   * `stats.ticks`), clears the timer and flushes, fsyncs and closes the journal. Resolves with the kept
   * samples; nothing of the collector keeps the process
   * alive afterwards. A second call returns the same result.
   *
   * Rejects with MlpsError `INVALID_STATE` ("not started") before `start()`.
   */
  stop(): Promise<TimeSeriesSample[]> {
    if (this.stopPromise) return this.stopPromise;
    if (this.state === 'idle') {
      return Promise.reject(new MlpsError('INVALID_STATE', 'TimeSeriesCollector not started; call start() first'));
    }
    this.state = 'stopped';
    this.stopPromise = this.scheduler.stop().then(async () => {
      await this.takeClosingSample();
      this.ended = new Date(this.clock.wallMs());
      this.reader?.close();
      this.closeJournal();
      this.finalSamples = this.store.toArray();
      return this.finalSamples;
    });
    return this.stopPromise;
  }

  /** The run as the document builder needs it (`buildTimeSeriesData(collector)`). */
  describeRun(): RunDescription {
    const host = this.hostName;
    const status = this.health.toStatusRecord();
    const stats = this.stats;
    const intervalStats: IntervalStatsRecord = {
      ticks: stats.ticks,
      samples: stats.samples,
      skipped_ticks: stats.skippedTicks,
      failed_samples: stats.failedSamples,
    };
    if (stats.intervalErrorMs) intervalStats.interval_error_ms = stats.intervalErrorMs;
    if (stats.measuredIntervalSeconds) intervalStats.measured_interval_seconds = stats.measuredIntervalSeconds;
    return {
      intervalSeconds: this.intervalSeconds,
      startTime: this.startTime,
      endTime: this.endTime,
      hostsRequested: [host],
      samplesByHost: { [host]: this.samples },
      collectionMethod: 'local',
      hostStatus: { [host]: status },
      intervalStats,
    };
  }

  private onTick(tick: TickInfo): Promise<void> | void {
    return this.takeSample(tick, false);
  }

  /**
   * The closing sample (DESIGN §4): one more sample once the schedule has stopped, so the run is observed
   * to its end (the last tick may be up to one interval old). It is kept whatever the cap and journaled;
   * `stop()` takes it once.
   */
  private takeClosingSample(): Promise<void> | void {
    const now = this.clock.monotonicMs();
    const ran = this.scheduler.stats;
    // The index after the last tick that ran (ticks run + ticks skipped = last index + 1).
    const tick: TickInfo = { index: ran.ticks + ran.skippedTicks, dueMs: now, startedMs: now, skippedBefore: 0 };
    return this.takeSample(tick, true);
  }

  private takeSample(tick: TickInfo, closing: boolean): Promise<void> | void {
    const wallMs = this.clock.wallMs();
    const context: SampleContext = closing ? { wallMs, tick, closing } : { wallMs, tick };
    let result: TimeSeriesSample | Promise<TimeSeriesSample>;
    try {
      result = this.sampler(context);
    } catch (error) {
      this.record(this.errorSample(wallMs, error), true, wallMs, closing);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<TimeSeriesSample>).then === 'function') {
      return (result as Promise<TimeSeriesSample>).then(
        (sample) => this.record(sample, false, wallMs, closing),
        (error: unknown) => this.record(this.errorSample(wallMs, error), true, wallMs, closing),
      );
    }
    this.record(result as TimeSeriesSample, false, wallMs, closing);
  }

  private errorSample(wallMs: number, error: unknown): TimeSeriesSample {
    return buildErrorSample({ wallMs, hostname: this.sampleHostname, error });
  }

  private record(sample: TimeSeriesSample, failed: boolean, wallMs: number, closing: boolean): void {
    if (!failed && (typeof sample !== 'object' || sample === null)) {
      sample = this.errorSample(wallMs, new Error(`sampler returned ${String(sample)}, not a sample`));
      failed = true;
    }
    this.taken++;
    if (failed) this.failed++;
    const transition = this.health.record(sample);
    if (transition !== null) this.warn(`TimeSeriesCollector: ${describeHostTransition(transition)}`);
    if (closing) this.store.pushClosing(sample);
    else this.store.push(sample);
    const journal = this.journal;
    if (journal) {
      try {
        journal.append(this.hostName, sample);
        journal.flush();
      } catch (error) {
        // The sample is still in memory; the journal retries the unwritten bytes on the next flush.
        if (this.journalErrors++ === 0) {
          this.warn(`TimeSeriesCollector: journal write failed (${errorMessage(error)}); samples stay in memory`);
        }
      }
    }
  }

  private closeJournal(): void {
    const journal = this.journal;
    if (!journal) return;
    this.journal = null;
    try {
      journal.close();
    } catch (error) {
      this.journalErrors++;
      this.warn(`TimeSeriesCollector: closing journal ${journal.path} failed: ${errorMessage(error)}`);
    }
  }

  private warnCap(info: CapReachedInfo): void {
    const tail = this.journalPath ? ` (the journal ${this.journalPath} keeps every sample)` : '';
    const message =
      info.overflow === 'decimate'
        ? `TimeSeriesCollector: maxSamples (${info.maxSamples}) reached after ${info.totalPushed} samples; ` +
          `decimating: keeping every 2nd sample from now on (4th, 8th, … as the cap is reached again) so the ` +
          `whole run stays covered${tail}`
        : `TimeSeriesCollector: maxSamples (${info.maxSamples}) reached after ${info.totalPushed} samples; ` +
          `overflow 'keep-first': later samples are not kept in memory${tail}`;
    this.warn(message);
  }

  private warn(message: string): void {
    try {
      this.logger.warn(message);
    } catch {
      // A logger that throws must not cost a sample.
    }
  }
}
