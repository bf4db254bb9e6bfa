/**
 * The one collection engine behind `TimeSeriesCollector` and `MultiHostTimeSeriesCollector` (DESIGN §4
 * "Data path"): the drift-free schedule, one bounded store per host, the journal, one host-health rule,
 * the statistics, the closing sample and the run description. What differs between the collectors is only
 * where samples come from: {@link HostSource}s (this machine's `/proc`, an SSH session, a test sampler)
 * plug into a {@link CollectionRun}.
 */
import { buildErrorSample } from './error-sample';
import { MlpsError } from './errors';
import type { DescribesRun, RunDescription } from './format';
import { HostHealthTracker, describeHostTransition, type HostHealthSnapshot } from './host-health';
import { JournalWriter } from './journal';
import { isPackedSample, type PackedSample, type SampleShape } from './packed-sample';
import { SampleStore, type CapReachedInfo, type OverflowPolicy } from './store';
import { StreamingStats, type Summary } from './stats';
import { TickScheduler, type TickInfo } from './schedule';
import { formatReferenceTimestamp, toEpochMs } from './timestamps';
import type { WorkloadIoTracker } from './proc/workload-io';
import type { Clock, CollectionMethod, HostHealth, HostStatusRecord, IntervalStatsRecord, TimeSeriesSample } from './types';

/** What a source is asked for: one sample of its host, for one tick (or the closing sample). */
export interface SampleRequest {
  /** Wall-clock milliseconds of the tick's start, for the sample's timestamp. */
  wallMs: number;
  /** The tick being served (for the closing sample: the next index, due and started at `stop()`). */
  tick: TickInfo;
  /** How long the source may take, in milliseconds (`Infinity`: no deadline). */
  timeoutMs: number;
  /** True for the closing sample that `stop()` takes after the last tick. */
  closing: boolean;
}

/**
 * One host of a run, as the engine sees it. `sample()` may answer synchronously (local `/proc`) or with a
 * promise (SSH); a throw or rejection becomes an error sample (`errors.sample`), never a lost tick.
 */
export interface HostSource {
  /** The host's key in `samples_by_host` (the name the user gave). */
  readonly name: string;
  /** How this host is sampled. */
  readonly method: 'local' | 'ssh';
  /** The name error samples carry in `hostname` (what the host last said it was). Default `name`. */
  readonly hostname?: string | undefined;
  /** Successful reconnections after the first connection, for sources that connect (else absent). */
  readonly reconnects?: number;
  /**
   * Takes one sample: an object, or a {@link PackedSample} (values of a known shape, consumed by the
   * engine before the next request) from sources that scan `/proc` without building objects.
   */
  sample(request: SampleRequest): TimeSeriesSample | PackedSample | Promise<TimeSeriesSample>;
  /** Connects ahead of the first tick; resolves when connected or the attempt failed (never rejects). */
  open?(): Promise<void>;
  /** Releases every handle; a sample still in flight must settle promptly. Idempotent. */
  close?(): Promise<void> | void;
}

/** Where the engine's warnings go. */
export interface CollectionLogger {
  warn(message: string): void;
}

/** Options of {@link CollectionRun}. */
export interface CollectionRunOptions {
  /** Name of the owning collector, the prefix of lifecycle errors and warnings. */
  name: string;
  /** Put before host lost/back warnings (`describeHostTransition`); default none. */
  transitionPrefix?: string;
  /** The hosts, in the order of `hosts_requested`. Names must be unique. */
  sources: readonly HostSource[];
  intervalSeconds: number;
  maxSamples: number;
  overflow: OverflowPolicy;
  journalPath?: string | undefined;
  /** The journal's `maxPendingBytes` (see `JournalWriterOptions`); default `DEFAULT_JOURNAL_MAX_PENDING_BYTES`. */
  journalMaxPendingBytes?: number | undefined;
  clock: Clock;
  logger: CollectionLogger;
  unref: boolean;
  /** Per-host deadline of a tick, in milliseconds (`Infinity`: wait for the source). */
  sampleTimeoutMs: number;
  /**
   * How long `stop()` lets the in-flight tick finish before closing the sources (which makes pending
   * samples settle as error samples); `Infinity`: wait for it. No closing sample follows a tick that
   * needed the sources closed.
   */
  stopGraceMs: number;
}

/** Measured behaviour of a collector, summed over its hosts. */
export interface CollectorStats {
  /** Ticks that ran (one sample per host each; the closing sample of `stop()` is not a tick). */
  ticks: number;
  /** Samples taken, error samples and the closing sample included. */
  samples: number;
  /** Ticks skipped because the previous tick overran its interval. */
  skippedTicks: number;
  /** Samples without any collected source (the sampler threw, the host was unreachable): error samples. */
  failedSamples: number;
  /** Samples kept in memory now (after the overflow policy). */
  storedSamples: number;
  /** Samples not kept in memory because of `maxSamples` (the journal still has them). */
  droppedSamples: number;
  /** Journal writes that failed (the samples stay in memory). */
  journalErrors: number;
  /**
   * True when the journal stopped: the disk refused its writes past `journalMaxPendingBytes`, so it
   * holds only the samples before that; the later ones are in memory only (and in the document).
   */
  journalStopped: boolean;
  /** Samples not in the journal because it stopped (0 while it is complete). */
  journalDroppedLines: number;
  /** Time between consecutive tick starts, in seconds; null before two ticks. */
  measuredIntervalSeconds: Summary | null;
  /** Start of each tick minus its due time, in milliseconds; null before the first tick. */
  intervalErrorMs: Summary | null;
}

/** {@link CollectorStats} plus how long hosts take to answer. */
export interface CollectionRunStats extends CollectorStats {
  /** Tick start to each host's sample, in milliseconds. */
  sampleLatencyMs: Summary | null;
  /** Tick start to the last host's sample of the tick, in milliseconds. */
  tickLatencyMs: Summary | null;
}

/** How a run's journal fared: what {@link RunCollector.journalStatus} reports. */
export interface JournalStatus {
  /** The journal's path. */
  path: string;
  /** Sample lines in the file (rows and whole samples), complete. */
  lines: number;
  /** Journal writes that failed (retried on the next tick until the journal stopped). */
  errors: number;
  /** True when the journal gave up before the end of the run: it does not hold every sample. */
  stopped: boolean;
  /** Samples not in the journal because it stopped. */
  droppedLines: number;
  /** True when every sample taken is in the file (no stop, nothing dropped, closed cleanly). */
  complete: boolean;
}

/** Live view of a running collection, for progress lines: samples per host and hosts per health. */
export interface CollectionProgress {
  samplesByHost: Record<string, number>;
  health: Record<HostHealth, number>;
  /** Hosts whose latest sample was an error sample (not answering now). */
  down: number;
}

/**
 * The collector contract the benchmark and the CLI rely on, met by `TimeSeriesCollector` and
 * `MultiHostTimeSeriesCollector` alike: connect (a no-op locally), start, watch progress, stop, describe.
 */
export interface RunCollector extends DescribesRun {
  /** The journal path, if any. */
  readonly journalPath: string | undefined;
  /** Connects remote hosts before the first tick (so a handshake is not a missed sample); never rejects for a host. */
  connect(): Promise<void>;
  /** Starts collecting; the first sample is taken now. */
  start(): void;
  /** Stops after a closing sample; resolves with the kept samples. */
  stop(): Promise<unknown>;
  /**
   * Stops exactly as `stop()` does (closing sample, lifecycle, errors) but resolves with nothing, so no
   * kept sample is decoded or held by a result: for callers that then stream the document from the
   * stores (the benchmark). A later `stop()` still resolves with the samples.
   */
  stopCollection(): Promise<void>;
  /** Samples per host and hosts per health, from counters. */
  progress(): CollectionProgress;
  /**
   * Adds a process of this machine (and its descendants) to the workload whose own I/O is sampled
   * (`workload_io`), when the collector was made to track it (`workloadIo: true`); otherwise a no-op.
   */
  trackProcess(pid: number): void;
  /**
   * How the journal fared (null without a journal or before `start()`): whether it holds every sample or
   * stopped on a full disk. Optional for other implementations; both shipped collectors have it.
   */
  journalStatus?(): JournalStatus | null;
}

/** `local`, `ssh` or `mixed` from the methods of the hosts given. */
export function collectionMethodOf(methods: Iterable<'local' | 'ssh'>): CollectionMethod {
  let local = false;
  let ssh = false;
  for (const m of methods) {
    if (m === 'local') local = true;
    else ssh = true;
  }
  return local && ssh ? 'mixed' : ssh ? 'ssh' : 'local';
}

/** Bytes as MiB for messages: `4 MiB`, `0.06 MiB`. */
function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${Number.isInteger(mib) ? mib : Number(mib.toFixed(2))} MiB`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<T>).then === 'function';
}

/** Resolves true when `p` settles within `ms`, false when the time ran out first. */
function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms === Infinity) return p.then(() => true, () => true);
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    const done = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    p.then(done, done);
  });
}

class HostState {
  /** The one host-health rule (host-health.ts): counts, status, link, lost/back transitions. */
  readonly health: HostHealthTracker;
  /** Journal layout id of each packed-sample shape of this host already declared in the journal. */
  readonly journalLayouts = new Map<SampleShape, number>();
  constructor(
    readonly source: HostSource,
    readonly store: SampleStore,
  ) {
    this.health = new HostHealthTracker(source.name);
  }
}

type State = 'idle' | 'running' | 'stopped';

/**
 * One collection run over a set of hosts. Lifecycle: `start()` once, `stop()` once (a second call returns
 * the same promise); wording of the errors as the reference ("already started", "already stopped; create
 * a new instance", "not started").
 */
export class CollectionRun {
  readonly intervalSeconds: number;
  readonly maxSamples: number;
  readonly overflow: OverflowPolicy;
  readonly journalPath: string | undefined;
  private readonly o: CollectionRunOptions;
  private readonly hosts: HostState[];
  /** Sources in sampling order: remote requests go out first, so local sampling overlaps their round trips. */
  private readonly order: HostState[];
  private readonly scheduler: TickScheduler;
  private readonly sampleLatency = new StreamingStats();
  private readonly tickLatency = new StreamingStats();
  private state: State = 'idle';
  private journal: JournalWriter | null = null;
  /** The journal for its figures, also after it was closed. */
  private journalWriter: JournalWriter | null = null;
  private journalErrors = 0;
  private journalStopWarned = false;
  private journalCloseFailed = false;
  private capWarned = false;
  private started: Date | null = null;
  private ended: Date | null = null;
  private stopPromise: Promise<void> | null = null;
  /** The slowest host of the tick in progress, milliseconds from the tick's start. */
  private tickSlowest = 0;

  constructor(options: CollectionRunOptions) {
    this.o = options;
    this.intervalSeconds = options.intervalSeconds;
    this.maxSamples = options.maxSamples;
    this.overflow = options.overflow;
    this.journalPath = options.journalPath;
    this.hosts = options.sources.map(
      (source) =>
        new HostState(
          source,
          new SampleStore({
            maxSamples: options.maxSamples,
            overflow: options.overflow,
            onCapReached: (info) => this.warnCap(source.name, info),
          }),
        ),
    );
    this.order = [...this.hosts.filter((h) => h.source.method === 'ssh'), ...this.hosts.filter((h) => h.source.method !== 'ssh')];
    this.scheduler = new TickScheduler({
      intervalMs: options.intervalSeconds * 1000,
      clock: options.clock,
      onTick: (tick) => this.sampleAll(tick, false),
      unref: options.unref,
    });
  }

  /** The requested host names, in order. */
  get hostNames(): string[] {
    return this.hosts.map((h) => h.source.name);
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  get isStopped(): boolean {
    return this.state === 'stopped';
  }

  get startTime(): Date | null {
    return this.started === null ? null : new Date(this.started.getTime());
  }

  get endTime(): Date | null {
    return this.ended === null ? null : new Date(this.ended.getTime());
  }

  /** Connects every source that connects; never rejects because of a host. */
  async connect(): Promise<void> {
    if (this.state === 'stopped') throw new MlpsError('INVALID_STATE', `${this.o.name} already stopped; create a new instance`);
    await Promise.all(this.hosts.map((h) => h.source.open?.()));
  }

  /** Opens the journal, starts connecting and runs the first tick now. */
  start(): void {
    const name = this.o.name;
    if (this.state === 'running') throw new MlpsError('INVALID_STATE', `${name} already started`);
    if (this.state === 'stopped') throw new MlpsError('INVALID_STATE', `${name} already stopped; create a new instance`);
    const started = new Date(this.o.clock.wallMs());
    if (this.journalPath !== undefined) {
      this.journal = JournalWriter.open(this.journalPath, {
        collection_interval_seconds: this.intervalSeconds,
        hosts_requested: this.hostNames,
        collection_method: collectionMethodOf(this.hosts.map((h) => h.source.method)),
        start_time: formatReferenceTimestamp(started.getTime()),
        start_time_ms: toEpochMs(started.getTime()),
      }, this.o.journalMaxPendingBytes === undefined ? {} : { maxPendingBytes: this.o.journalMaxPendingBytes });
      this.journalWriter = this.journal;
    }
    this.started = started;
    this.state = 'running';
    for (const h of this.hosts) void h.source.open?.();
    this.scheduler.start();
  }

  /**
   * Stops: waits for the in-flight tick (up to `stopGraceMs`), takes the closing sample of every host,
   * closes the sources and the journal. Rejects with `INVALID_STATE` before `start()` (the sources are
   * closed all the same, so nothing opened by `connect()` outlives it).
   */
  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    if (this.state === 'idle') {
      for (const h of this.hosts) void h.source.close?.();
      return Promise.reject(new MlpsError('INVALID_STATE', `${this.o.name} not started; call start() first`));
    }
    this.state = 'stopped';
    this.stopPromise = (async () => {
      const schedulerStopped = this.scheduler.stop();
      const grace = this.o.stopGraceMs;
      if (await settlesWithin(schedulerStopped, grace)) {
        // The closing sample (DESIGN §4): the run is observed to its end, not only to its last tick.
        await this.sampleAll(this.closingTick(), true);
      }
      await Promise.all(this.hosts.map((h) => h.source.close?.()));
      await schedulerStopped;
      this.ended = new Date(this.o.clock.wallMs());
      this.closeJournal();
    })();
    return this.stopPromise;
  }

  /** Decoded copies of one host's kept samples, oldest first. */
  samplesOf(name: string): TimeSeriesSample[] {
    return this.hosts.find((h) => h.source.name === name)?.store.toArray() ?? [];
  }

  /**
   * One host's kept samples, oldest first, each decoded when the iteration reaches it and not retained
   * (`SampleStore.samples()`): for walking a host without holding its decoded list. Nothing for an
   * unknown name.
   */
  iterateSamplesOf(name: string): IterableIterator<TimeSeriesSample> {
    const host = this.hosts.find((h) => h.source.name === name);
    return host === undefined ? ([] as TimeSeriesSample[]).values() : host.store.samples();
  }

  /** Samples kept for one host now (0 for an unknown name), without decoding any. */
  keptCountOf(name: string): number {
    return this.hosts.find((h) => h.source.name === name)?.store.length ?? 0;
  }

  /**
   * Kept samples per host as an object whose values are decoded when read (and then kept), so a caller
   * that looks at one host does not pay for all of them.
   */
  samplesByHost(): Record<string, TimeSeriesSample[]> {
    const out: Record<string, TimeSeriesSample[]> = {};
    for (const h of this.hosts) {
      let decoded: TimeSeriesSample[] | null = null;
      Object.defineProperty(out, h.source.name, {
        enumerable: true,
        configurable: true,
        get: () => (decoded ??= h.store.toArray()),
        set: (value: TimeSeriesSample[]) => {
          decoded = value;
        },
      });
    }
    return out;
  }

  /** Per-host health (the host-health rule): counts, `ok | partial | failed`, link state. */
  hostHealth(): Record<string, HostHealthSnapshot> {
    const out: Record<string, HostHealthSnapshot> = {};
    for (const h of this.hosts) out[h.source.name] = h.health.snapshot();
    return out;
  }

  /** Samples per host, hosts per health and hosts down, from counters only (nothing decoded). */
  progress(): CollectionProgress {
    const health: Record<HostHealth, number> = { ok: 0, partial: 0, failed: 0 };
    const samplesByHost: Record<string, number> = {};
    let down = 0;
    for (const h of this.hosts) {
      const counts = h.health.counts;
      samplesByHost[h.source.name] = counts.samples;
      health[h.health.status]++;
      if (h.health.link === 'down') down++;
    }
    return { samplesByHost, health, down };
  }

  /** Requested names of the hosts with at least one good sample. */
  hostsWithData(): string[] {
    return this.hosts.filter((h) => h.health.counts.goodSamples > 0).map((h) => h.source.name);
  }

  /**
   * How samples were really collected: from the hosts that produced good samples; before any good
   * sample, from how the hosts are configured.
   */
  collectionMethod(): CollectionMethod {
    const productive = this.hosts.filter((h) => h.health.counts.goodSamples > 0);
    return collectionMethodOf((productive.length > 0 ? productive : this.hosts).map((h) => h.source.method));
  }

  get stats(): CollectionRunStats {
    const s = this.scheduler.stats;
    const interval = s.measuredIntervalMs;
    let samples = 0;
    let failed = 0;
    let stored = 0;
    let dropped = 0;
    for (const h of this.hosts) {
      const counts = h.health.counts;
      samples += counts.samples;
      failed += counts.errorSamples;
      stored += h.store.length;
      dropped += h.store.dropped;
    }
    return {
      ticks: s.ticks,
      samples,
      skippedTicks: s.skippedTicks,
      failedSamples: failed,
      storedSamples: stored,
      droppedSamples: dropped,
      journalErrors: this.journalErrors,
      journalStopped: this.journalWriter?.stopped ?? false,
      journalDroppedLines: this.journalWriter?.droppedLines ?? 0,
      measuredIntervalSeconds: interval
        ? { mean: interval.mean / 1000, p50: interval.p50 / 1000, p99: interval.p99 / 1000, max: interval.max / 1000 }
        : null,
      intervalErrorMs: s.intervalErrorMs,
      sampleLatencyMs: this.sampleLatency.summary(),
      tickLatencyMs: this.tickLatency.summary(),
    };
  }

  /** How the journal fared; null without a journal or before `start()`. */
  journalStatus(): JournalStatus | null {
    const j = this.journalWriter;
    if (j === null) return null;
    const stopped = j.stopped;
    return {
      path: j.path,
      lines: j.linesWritten,
      errors: this.journalErrors,
      stopped,
      droppedLines: j.droppedLines,
      complete: !stopped && j.droppedLines === 0 && !this.journalCloseFailed,
    };
  }

  /** The run as the document builder needs it. */
  describeRun(): RunDescription {
    const hostStatus: Record<string, HostStatusRecord> = {};
    for (const h of this.hosts) {
      const reconnects = h.source.reconnects;
      hostStatus[h.source.name] = h.health.toStatusRecord(reconnects === undefined ? {} : { reconnects });
    }
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
      hostsRequested: this.hostNames,
      samplesByHost: this.samplesByHost(),
      // What the streamed document writer reads: one host, one decoded sample at a time.
      keptSamples: { count: (host) => this.keptCountOf(host), samples: (host) => this.iterateSamplesOf(host) },
      collectionMethod: this.collectionMethod(),
      hostStatus,
      intervalStats,
    };
  }

  private closingTick(): TickInfo {
    const now = this.o.clock.monotonicMs();
    const ran = this.scheduler.stats;
    // The index after the last tick that ran (ticks run + ticks skipped = last index + 1).
    return { index: ran.ticks + ran.skippedTicks, dueMs: now, startedMs: now, skippedBefore: 0 };
  }

  /**
   * Samples every host once. Synchronous sources are filed at once (so a local tick completes inside
   * `start()`); asynchronous ones as they answer. The journal is flushed once the tick is complete. A
   * tick of synchronous sources makes no closure and no promise: this runs up to ten times a second.
   */
  private sampleAll(tick: TickInfo, closing: boolean): Promise<void> | void {
    const request: SampleRequest = {
      wallMs: this.o.clock.wallMs(),
      tick,
      timeoutMs: closing ? Math.min(this.o.sampleTimeoutMs, this.o.stopGraceMs) : this.o.sampleTimeoutMs,
      closing,
    };
    this.tickSlowest = 0;
    let pending: Promise<void>[] | null = null;
    const order = this.order;
    for (let i = 0; i < order.length; i++) {
      const h = order[i] as HostState;
      let result: TimeSeriesSample | PackedSample | Promise<TimeSeriesSample>;
      try {
        result = h.source.sample(request);
      } catch (error) {
        this.fileSample(h, request, undefined, error, true);
        continue;
      }
      if (isThenable<TimeSeriesSample>(result)) {
        (pending ??= []).push(
          Promise.resolve(result).then(
            (sample) => this.fileSample(h, request, sample, undefined, false),
            (error: unknown) => this.fileSample(h, request, undefined, error, true),
          ),
        );
      } else {
        this.fileSample(h, request, result, undefined, false);
      }
    }
    if (pending === null) return this.finishTick();
    return Promise.all(pending).then(() => this.finishTick());
  }

  /** Files one host's answer to `request` (a sample, or the failure that becomes an error sample). */
  private fileSample(h: HostState, request: SampleRequest, sample: unknown, failure: unknown, failed: boolean): void {
    const latency = this.o.clock.monotonicMs() - request.tick.startedMs;
    this.sampleLatency.add(latency);
    if (latency > this.tickSlowest) this.tickSlowest = latency;
    this.record(h, failed ? this.errorSample(h, request.wallMs, failure) : sample, request.wallMs, request.closing);
  }

  private finishTick(): void {
    this.tickLatency.add(this.tickSlowest);
    this.flushJournal();
  }

  private errorSample(h: HostState, wallMs: number, error: unknown): TimeSeriesSample {
    return buildErrorSample({ wallMs, hostname: h.source.hostname ?? h.source.name, error });
  }

  private record(h: HostState, value: unknown, wallMs: number, closing: boolean): void {
    if (isPackedSample(value)) {
      this.recordPacked(h, value, closing);
      return;
    }
    const sample =
      value !== null && typeof value === 'object'
        ? (value as TimeSeriesSample)
        : this.errorSample(h, wallMs, new Error(`sampler returned ${String(value)}, not a sample`));
    const transition = h.health.record(sample);
    if (transition !== null) this.warn(`${this.o.transitionPrefix ?? ''}${describeHostTransition(transition)}`);
    if (closing) h.store.pushClosing(sample);
    else h.store.push(sample);
    const journal = this.journal;
    if (journal) {
      try {
        journal.append(h.source.name, sample);
      } catch (error) {
        this.journalFailed(error);
      }
    }
  }

  /** The fast path: a sample as values, stored and journalled without an object (no errors, so good). */
  private recordPacked(h: HostState, sample: PackedSample, closing: boolean): void {
    const transition = h.health.recordGood(sample.wallMs);
    if (transition !== null) this.warn(`${this.o.transitionPrefix ?? ''}${describeHostTransition(transition)}`);
    if (closing) h.store.pushClosing(sample);
    else h.store.pushPacked(sample);
    const journal = this.journal;
    if (journal) {
      try {
        let id = h.journalLayouts.get(sample.shape);
        if (id === undefined) {
          id = journal.appendLayout(h.source.name, sample.shape.template);
          h.journalLayouts.set(sample.shape, id);
        }
        journal.appendRow(id, sample.values, sample.shape.slots);
      } catch (error) {
        this.journalFailed(error);
      }
    }
  }

  private flushJournal(): void {
    const journal = this.journal;
    if (!journal) return;
    try {
      journal.flush();
    } catch (error) {
      this.journalFailed(error);
    }
    if (journal.stopped) this.journalStoppedWarning(journal);
  }

  private journalFailed(error: unknown): void {
    // The samples stay in memory; the journal retries unwritten bytes on the next flush, up to its bound.
    if (this.journalErrors++ === 0) {
      this.warn(
        `${this.o.name}: journal write failed (${messageOf(error)}); samples stay in memory, the journal retries ` +
          `each tick (up to ${formatMiB(this.journalWriter?.maxPendingBytes ?? 0)} unwritten)`,
      );
    }
  }

  /** Once: the journal gave up; says what it holds and where the rest is, so the user can act. */
  private journalStoppedWarning(journal: JournalWriter): void {
    if (this.journalStopWarned) return;
    this.journalStopWarned = true;
    const reason = journal.stopReason === null ? '' : ` (${journal.stopReason.message})`;
    this.warn(
      `${this.o.name}: journal ${journal.path} stopped: its file system refused ${formatMiB(journal.maxPendingBytes)} of ` +
        `unwritten lines${reason}. It holds the first ${journal.linesWritten} samples; later samples are kept ` +
        `in memory only (up to maxSamples per host) and go into the document at the end. Free space on that ` +
        `file system so the document can be written`,
    );
  }

  private closeJournal(): void {
    const journal = this.journal;
    if (!journal) return;
    this.journal = null;
    try {
      journal.close();
    } catch (error) {
      this.journalErrors++;
      this.journalCloseFailed = true;
      this.warn(`${this.o.name}: closing journal ${journal.path} failed: ${messageOf(error)}`);
    }
    if (journal.stopped) this.journalStoppedWarning(journal);
  }

  private warnCap(host: string, info: CapReachedInfo): void {
    if (this.capWarned) return;
    this.capWarned = true;
    const tail = this.journalPath ? ` (the journal ${this.journalPath} keeps every sample)` : '';
    const forHost = this.hosts.length > 1 ? ` for ${host}` : '';
    this.warn(
      info.overflow === 'decimate'
        ? `${this.o.name}: maxSamples (${info.maxSamples}) reached${forHost} after ${info.totalPushed} samples; ` +
            `decimating: keeping every 2nd sample from now on (4th, 8th, … as the cap is reached again) so the ` +
            `whole run stays covered${tail}`
        : `${this.o.name}: maxSamples (${info.maxSamples}) reached${forHost} after ${info.totalPushed} samples; ` +
            `overflow 'keep-first': later samples are not kept in memory${tail}`,
    );
  }

  private warn(message: string): void {
    try {
      this.o.logger.warn(message);
    } catch {
      // A logger that throws must not cost a sample.
    }
  }
}

/**
 * What both collectors share, all of it the engine's: settings, lifecycle, progress, description. A
 * collector adds its sources (given to the {@link CollectionRun} it passes in) and the shape of its
 * `stop()` result.
 */
export abstract class EngineCollector implements RunCollector {
  /** The configured interval in seconds. */
  readonly intervalSeconds: number;
  /** The in-memory cap per host. */
  readonly maxSamples: number;
  /** The overflow policy. */
  readonly overflow: OverflowPolicy;
  /** The journal path, if any. */
  readonly journalPath: string | undefined;
  /** The engine running this collection. */
  protected readonly run: CollectionRun;
  /** The workload whose I/O this machine's samples carry (`workloadIo: true`), else undefined. */
  private readonly workload: WorkloadIoTracker | undefined;

  protected constructor(run: CollectionRun, workload?: WorkloadIoTracker) {
    this.run = run;
    this.workload = workload;
    this.intervalSeconds = run.intervalSeconds;
    this.maxSamples = run.maxSamples;
    this.overflow = run.overflow;
    this.journalPath = run.journalPath;
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.run.isRunning;
  }

  /** Wall-clock time of `start()`, null before. */
  get startTime(): Date | null {
    return this.run.startTime;
  }

  /** Wall-clock time `stop()` finished, null before. */
  get endTime(): Date | null {
    return this.run.endTime;
  }

  /** Samples taken per host, hosts per health and hosts down, from counters (nothing decoded): for progress lines. */
  progress(): CollectionProgress {
    return this.run.progress();
  }

  /**
   * Adds a process of this machine (and its descendants, followed live) to the workload whose I/O this
   * machine's samples carry; a no-op unless the collector was made with `workloadIo: true`.
   */
  trackProcess(pid: number): void {
    this.workload?.trackProcess(pid);
  }

  /** Every host's health (the host-health rule): good and error samples, status, link state. */
  hostHealth(): Record<string, HostHealthSnapshot> {
    return this.run.hostHealth();
  }

  /**
   * Before `start()`, optional: connects every remote host and resolves once each one is connected or its
   * first attempt failed (a no-op for this machine), so the first tick meets warm connections. Never
   * rejects because of a host.
   *
   * @throws MlpsError `INVALID_STATE` after `stop()`.
   */
  connect(): Promise<void> {
    return this.run.connect();
  }

  /**
   * Starts collecting: opens the journal (if any), starts connecting remote hosts and takes the first
   * sample now (a host still connecting is waited for up to its deadline).
   *
   * @throws MlpsError `INVALID_STATE` when already started or stopped; `IO_ERROR` when the journal cannot
   * be created (the collector is then not started).
   */
  start(): void {
    this.run.start();
  }

  /** Stops after the closing sample; see the collector's own documentation for the result. */
  abstract stop(): Promise<unknown>;

  /**
   * `stop()` without its result: the same closing sample and lifecycle (a second call, or a `stop()`
   * after it, stops nothing twice), resolved with nothing, so no sample is decoded (the single-host
   * `stop()` resolves every kept sample decoded, ~30 KB of objects each, and keeps that result).
   *
   * @throws MlpsError `INVALID_STATE` (rejection) before `start()`, as `stop()`.
   */
  stopCollection(): Promise<void> {
    return this.run.stop();
  }

  private stopResult: Promise<unknown> | null = null;

  /**
   * `stop()` for subclasses: stops the run once and resolves with `result()` read after it; a second
   * call returns the same promise. Before `start()`, the run's `INVALID_STATE` rejection.
   */
  protected stopThen<T>(result: () => T): Promise<T> {
    if (this.stopResult) return this.stopResult as Promise<T>;
    const stopped = this.run.stop();
    if (!this.run.isStopped) return stopped.then(result); // not started: the rejection passes through
    const p = stopped.then(result);
    this.stopResult = p;
    return p;
  }

  /** The run as the document builder needs it (`buildTimeSeriesData(collector)`). */
  describeRun(): RunDescription {
    return this.run.describeRun();
  }

  /**
   * How the journal fared (null without a journal or before `start()`): `complete` when it holds every
   * sample; `stopped` with `droppedLines` when a full disk made it give up (see `journalMaxPendingBytes`).
   */
  journalStatus(): JournalStatus | null {
    return this.run.journalStatus();
  }
}
