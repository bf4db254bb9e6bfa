/**
 * `MultiHostTimeSeriesCollector`: samples many hosts on one drift-free schedule (DESIGN §4). Hosts that
 * are this machine are sampled in-process; every other host over one persistent SSH connection running
 * one long-lived remote loop. Every host gets a deadline each tick; a host that misses it gets an error
 * sample for that tick and never delays the others; a dropped connection reconnects with backoff.
 */
import {
  JournalWriter,
  MlpsError,
  describeValue,
  SampleStore,
  StreamingStats,
  TickScheduler,
  invalidArgument,
  validateCollectionSettings,
  HostHealthTracker,
  describeHostTransition,
  systemClock,
  formatReferenceTimestamp,
  toEpochMs,
  type CapReachedInfo,
  type Clock,
  type CollectorStats,
  type CollectionMethod,
  type DescribesRun,
  type HostHealth,
  type HostLinkState,
  type HostStatusRecord,
  type IntervalStatsRecord,
  type OverflowPolicy,
  type RunDescription,
  type Summary,
  type TickInfo,
  type TimeSeriesSample,
} from '@mlps/timeseries';
import { isLocalHost, parseHostList, type HostSpec } from './hosts';
import { ConcurrencyLimiter, HostSession, type HostConnectionState, type HostMethod } from './host-session';
import type { RemoteReader } from './remote-script';
import { resolveSshOptions, type SshOptions } from './transport';

/**
 * A host given as an object: to file samples under a name of your choice (aliases, several connections to
 * one address), to set a port per host, or to force in-process or SSH sampling.
 */
export interface HostTarget {
  /** Name the samples are filed under (key of `samplesByHost`). Unique within a run. */
  name: string;
  /** Host name or address to connect to (IPv6 without brackets). Default: `name`. */
  host?: string;
  /** SSH port of this host. Default: `ssh.port` or 22. */
  port?: number;
  /** SSH user of this host. Default: `ssh.username` or the current user. */
  user?: string;
  /** `true`: sample in-process; `false`: always over SSH. Default: in-process when {@link isLocalHost}. */
  local?: boolean;
}

/** Where warnings go (default: `console.warn`). */
export interface MultiHostLogger {
  warn(message: string): void;
}

/** Options of {@link MultiHostTimeSeriesCollector}. */
export interface MultiHostTimeSeriesCollectorOptions {
  /**
   * The hosts: a host list string (`"node1,node2:4 root@node3 [fe80::1]"`, see {@link parseHostList}), an
   * array of such entries, {@link HostTarget} objects, or the {@link HostSpec}s `parseHostList` returns.
   * Slots are accepted and ignored. Duplicate names keep the first.
   */
  hosts: string | ReadonlyArray<string | HostTarget | HostSpec>;
  /** Seconds between samples: finite and ≥ 0.01. Default 10. */
  intervalSeconds?: number;
  /** Most samples kept in memory per host (an integer ≥ 1). Default 3600. */
  maxSamples?: number;
  /** What happens at `maxSamples`: `decimate` (default) or `keep-first`. */
  overflow?: OverflowPolicy;
  /** Journal file to create (never overwritten); every sample of every host is appended, flushed each tick. */
  journalPath?: string;
  /** SSH settings for remote hosts. */
  ssh?: SshOptions;
  /** Most SSH handshakes (connects and reconnects) running at once. Default 32. */
  maxConcurrency?: number;
  /**
   * Per-host deadline of each tick, in seconds (> 0 and < `intervalSeconds`). A host that has not
   * answered by then gets an error sample for the tick. Default 0.8 × `intervalSeconds`.
   */
  sampleTimeoutSeconds?: number;
  /** Where `/proc` is, locally and on the remote hosts. Default `/proc`. */
  procRoot?: string;
  /** How remote hosts read their files: `auto` (mawk/gawk when present, else sh + cat) or `cat`. */
  remoteReader?: RemoteReader;
  /** Clock for the schedule and timestamps. Default the system clock. */
  clock?: Clock;
  /** Receives warnings (cap reached, journal write failed, host keys recorded, reconnects). */
  logger?: MultiHostLogger;
  /** Timers do not keep the process alive while collecting. Default false. */
  unref?: boolean;
}

/** Per-host health as {@link MultiHostTimeSeriesCollector.hostStatus} reports it. */
export interface HostStatus {
  /** `ok`: every sample good; `partial`: some samples carry errors; `failed`: no good sample at all. */
  status: HostHealth;
  /** Samples filed for this host (one per tick), error samples included. */
  samples: number;
  /** Samples with data. */
  goodSamples: number;
  /** Error samples: samples without data (the host did not answer). */
  errors: number;
  /** Good samples in which some source failed. */
  sourceErrorSamples: number;
  /** `up` when the latest sample was good, `down` when it was an error sample, `pending` before any. */
  link: HostLinkState;
  /** Successful reconnections after the first connection. */
  reconnects: number;
  /** The latest error (`source: message`), if any. */
  lastError?: string;
  /** How the host is sampled. */
  method: HostMethod;
  /** Connection state now. */
  connection: HostConnectionState;
  /** What the host last said its name was. */
  hostname?: string;
}

/**
 * Measured behaviour of a multi-host collector: the single-host collector's figures summed over hosts
 * (a tick is one sample per host; skipped ticks cannot happen while per-host deadlines are shorter than
 * the interval; failed samples are those without any data), plus how long hosts take to answer.
 */
export interface MultiHostCollectorStats extends CollectorStats {
  /** Tick start to each host's sample, in milliseconds. */
  sampleLatencyMs: Summary | null;
  /** Tick start to the last host's sample of the tick, in milliseconds. */
  tickLatencyMs: Summary | null;
}

type State = 'idle' | 'running' | 'stopped';

const NAME = 'MultiHostTimeSeriesCollector';
const DEFAULT_MAX_CONCURRENCY = 32;
/** How long stop() lets an in-flight tick finish before cancelling hosts still being waited for. */
const STOP_GRACE_MS = 2000;


function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

interface PlannedHost {
  name: string;
  host: string;
  port?: number;
  user?: string;
  local: boolean;
}

function planHosts(hosts: unknown): PlannedHost[] {
  if (typeof hosts !== 'string' && !Array.isArray(hosts)) {
    throw invalidArgument(`hosts must be a host list string or an array of hosts, got ${describeValue(hosts)}`);
  }
  const planned: PlannedHost[] = [];
  const names = new Set<string>();
  const add = (p: PlannedHost): void => {
    const key = p.name.toLowerCase();
    if (names.has(key)) return; // duplicates: first one wins, as parseHostList does
    names.add(key);
    planned.push(p);
  };
  const entries: unknown[] = typeof hosts === 'string' ? [hosts] : (hosts as unknown[]);
  for (const entry of entries) {
    if (typeof entry === 'string') {
      for (const spec of parseHostList(entry)) {
        const name = spec.user ? `${spec.user}@${spec.host}` : spec.host;
        const p: PlannedHost = { name, host: spec.host, local: isLocalHost(spec.host) };
        if (spec.user) p.user = spec.user;
        add(p);
      }
      continue;
    }
    if (typeof entry !== 'object' || entry === null) throw invalidArgument(`hosts entries must be strings or host objects, got ${describeValue(entry)}`);
    // A HostTarget, or a HostSpec from parseHostList (no name: filed as user@host or host).
    const t = entry as Partial<HostTarget> & { spec?: unknown };
    const derived = typeof t.host === 'string' && t.name === undefined ? (t.user ? `${t.user}@${t.host}` : t.host) : t.name;
    if (typeof derived !== 'string' || derived.trim() === '') throw invalidArgument(`a host object needs a non-empty name or host, got ${describeValue(t.name ?? t.host)}`);
    const name = derived.trim();
    const host = t.host ?? name;
    if (typeof host !== 'string' || host.trim() === '') throw invalidArgument(`host of '${name}' must be a non-empty string, got ${describeValue(t.host)}`);
    if (t.port !== undefined && (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)) {
      throw invalidArgument(`port of '${name}' must be an integer from 1 to 65535, got ${describeValue(t.port)}`);
    }
    if (t.user !== undefined && (typeof t.user !== 'string' || t.user === '')) throw invalidArgument(`user of '${name}' must be a non-empty string, got ${describeValue(t.user)}`);
    if (t.local !== undefined && typeof t.local !== 'boolean') throw invalidArgument(`local of '${name}' must be a boolean, got ${describeValue(t.local)}`);
    if (t.name !== undefined && names.has(name.toLowerCase())) throw invalidArgument(`host name '${name}' is given twice; names must be unique`);
    const bare = host.trim().replace(/^\[(.*)\]$/, '$1');
    const p: PlannedHost = { name, host: bare, local: t.local ?? isLocalHost(bare) };
    if (t.port !== undefined) p.port = t.port;
    if (t.user !== undefined) p.user = t.user;
    add(p);
  }
  if (planned.length === 0) throw invalidArgument(`hosts must name at least one host, got ${describeValue(hosts)}`);
  return planned;
}

function methodOf(methods: Iterable<HostMethod>): CollectionMethod {
  let local = false;
  let ssh = false;
  for (const m of methods) {
    if (m === 'local') local = true;
    else ssh = true;
  }
  return local && ssh ? 'mixed' : ssh ? 'ssh' : 'local';
}

/**
 * Collects time-series samples from many hosts at a fixed interval.
 *
 * - Schedule: as the single-host collector (first sample at `start()`, sample k due at start + k ×
 *   interval, no drift), one schedule for all hosts.
 * - Per host: a deadline each tick (`sampleTimeoutSeconds`, < interval); a host that misses it, or is
 *   unreachable, gets an error sample for that tick; the others are not delayed. A lost connection is
 *   re-established with exponential backoff (capped) while the others go on.
 * - Samples are filed under the requested host name; each sample's `hostname` is what the host says.
 * - Never throws or rejects because of a host: failures are error samples and {@link hostStatus}.
 *
 * @example
 * const collector = new MultiHostTimeSeriesCollector({ hosts: 'node1,node2,localhost', intervalSeconds: 5 });
 * collector.start();
 * await runBenchmark();
 * const byHost = await collector.stop();
 * await writeTimeSeriesDocument('run_timeseries.json', collector); // streamed, atomic
 */
export class MultiHostTimeSeriesCollector implements DescribesRun {
  /** The configured interval in seconds. */
  readonly intervalSeconds: number;
  /** The in-memory cap per host. */
  readonly maxSamples: number;
  /** The overflow policy. */
  readonly overflow: OverflowPolicy;
  /** The journal path, if any. */
  readonly journalPath: string | undefined;
  /** The per-host deadline of a tick, in seconds. */
  readonly sampleTimeoutSeconds: number;

  private readonly clock: Clock;
  private readonly logger: MultiHostLogger;
  private readonly sessions: HostSession[];
  private readonly stores = new Map<string, SampleStore>();
  /** The one host-health rule, per host: counts and connect-failed/lost/recovered warnings. */
  private readonly health = new Map<string, HostHealthTracker>();
  private readonly scheduler: TickScheduler;
  private readonly sampleLatency = new StreamingStats();
  private readonly tickLatency = new StreamingStats();
  private state: State = 'idle';
  private journal: JournalWriter | null = null;
  private started: Date | null = null;
  private ended: Date | null = null;
  private stopPromise: Promise<Record<string, TimeSeriesSample[]>> | null = null;
  private finalSamples: Record<string, TimeSeriesSample[]> | null = null;
  private journalErrors = 0;
  private capWarned = false;

  /** @throws MlpsError `INVALID_ARGUMENT` naming the bad option or host entry. */
  constructor(options: MultiHostTimeSeriesCollectorOptions) {
    if (typeof options !== 'object' || options === null) {
      throw invalidArgument(`${NAME} options must be an object, got ${options === null ? 'null' : typeof options}`);
    }
    const o = options;
    const { intervalSeconds, maxSamples, overflow } = validateCollectionSettings(o);
    const maxConcurrency = o.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    if (typeof maxConcurrency !== 'number' || !Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw invalidArgument(`maxConcurrency must be an integer >= 1, got ${describeValue(maxConcurrency)}`);
    }
    const timeout = o.sampleTimeoutSeconds ?? intervalSeconds * 0.8;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout >= intervalSeconds) {
      throw invalidArgument(
        `sampleTimeoutSeconds must be > 0 and less than intervalSeconds (${intervalSeconds}), got ${describeValue(o.sampleTimeoutSeconds)}`,
      );
    }
    if (o.remoteReader !== undefined && o.remoteReader !== 'auto' && o.remoteReader !== 'cat') {
      throw invalidArgument(`remoteReader must be 'auto' or 'cat', got ${describeValue(o.remoteReader)}`);
    }
    const clock = o.clock;
    const planned = planHosts(o.hosts);
    const ssh = resolveSshOptions(o.ssh);

    this.intervalSeconds = intervalSeconds;
    this.maxSamples = maxSamples;
    this.overflow = overflow;
    this.journalPath = o.journalPath;
    this.sampleTimeoutSeconds = timeout;
    this.clock = clock ?? systemClock;
    this.logger = o.logger ?? { warn: (message) => console.warn(message) };
    const intervalMs = intervalSeconds * 1000;
    const ctx = {
      clock: this.clock,
      ssh,
      limiter: new ConcurrencyLimiter(maxConcurrency),
      ...(o.procRoot !== undefined ? { procRoot: o.procRoot } : {}),
      remoteReader: o.remoteReader ?? 'auto',
      // First retry soon (a blip), then back off to at most 30 s (or one interval, if longer).
      backoffInitialMs: Math.min(1000, intervalMs),
      backoffMaxMs: Math.max(30_000, intervalMs),
      maxConsecutiveTimeouts: 3,
      warn: (message: string) => this.warn(message),
    };
    this.sessions = planned.map((p) => {
      const target: { host: string; port?: number; username?: string } = { host: p.host };
      if (p.port !== undefined) target.port = p.port;
      if (p.user !== undefined) target.username = p.user;
      return new HostSession(p.name, p.local ? 'local' : 'ssh', target, ctx);
    });
    for (const s of this.sessions) {
      this.stores.set(s.name, new SampleStore({ maxSamples, overflow, onCapReached: (info) => this.warnCap(s.name, info) }));
      this.health.set(s.name, new HostHealthTracker(s.name));
    }
    this.scheduler = new TickScheduler({
      intervalMs,
      clock: this.clock,
      onTick: (tick) => this.onTick(tick),
      unref: o.unref ?? false,
    });
  }

  /** The requested host names, in order (keys of {@link samplesByHost}). */
  get hosts(): string[] {
    return this.sessions.map((s) => s.name);
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

  /** Samples kept so far per requested host name, oldest first (decoded copies; after stop, the result). */
  get samplesByHost(): Record<string, TimeSeriesSample[]> {
    if (this.finalSamples) {
      const copy: Record<string, TimeSeriesSample[]> = {};
      for (const [k, v] of Object.entries(this.finalSamples)) copy[k] = v.slice();
      return copy;
    }
    const out: Record<string, TimeSeriesSample[]> = {};
    for (const s of this.sessions) out[s.name] = this.stores.get(s.name)?.toArray() ?? [];
    return out;
  }

  /** Requested names of the hosts with at least one good sample (data, not only errors). */
  getHostsWithData(): string[] {
    return this.sessions.filter((s) => (this.health.get(s.name)?.counts.goodSamples ?? 0) > 0).map((s) => s.name);
  }

  /** Health of every host: `ok | partial | failed`, counts, reconnects, last error, connection state. */
  hostStatus(): Record<string, HostStatus> {
    const out: Record<string, HostStatus> = {};
    for (const s of this.sessions) {
      const h = this.trackerOf(s).snapshot();
      const status: HostStatus = {
        status: h.status,
        samples: h.samples,
        goodSamples: h.goodSamples,
        errors: h.errorSamples,
        sourceErrorSamples: h.sourceErrorSamples,
        link: h.link,
        reconnects: s.counters.reconnects,
        method: s.method,
        connection: s.state,
      };
      if (h.lastError !== undefined) status.lastError = h.lastError;
      if (s.lastHostname !== undefined) status.hostname = s.lastHostname;
      out[s.name] = status;
    }
    return out;
  }

  /** Measured schedule, sample counts and per-host latencies. */
  get stats(): MultiHostCollectorStats {
    const s = this.scheduler.stats;
    const interval = s.measuredIntervalMs;
    let samples = 0;
    let failed = 0;
    let stored = 0;
    let dropped = 0;
    for (const session of this.sessions) {
      samples += session.counters.samples;
      failed += session.counters.failedSamples;
      const store = this.stores.get(session.name);
      stored += store?.length ?? 0;
      dropped += store?.dropped ?? 0;
    }
    return {
      ticks: s.ticks,
      samples,
      skippedTicks: s.skippedTicks,
      failedSamples: failed,
      storedSamples: this.finalSamples ? Object.values(this.finalSamples).reduce((n, v) => n + v.length, 0) : stored,
      droppedSamples: dropped,
      journalErrors: this.journalErrors,
      measuredIntervalSeconds: interval
        ? { mean: interval.mean / 1000, p50: interval.p50 / 1000, p99: interval.p99 / 1000, max: interval.max / 1000 }
        : null,
      intervalErrorMs: s.intervalErrorMs,
      sampleLatencyMs: this.sampleLatency.summary(),
      tickLatencyMs: this.tickLatency.summary(),
    };
  }

  /**
   * Optional, before `start()`: connects to every remote host now and resolves once each one is connected
   * (its remote loop answered once) or its first attempt failed, so the first tick meets warm connections.
   * Never rejects because of a host; the outcome is in {@link hostStatus}'s `connection`.
   *
   * @throws MlpsError `INVALID_STATE` after `stop()`.
   */
  async connect(): Promise<void> {
    if (this.state === 'stopped') throw new MlpsError('INVALID_STATE', `${NAME} already stopped; create a new instance`);
    await Promise.all(this.sessions.map((s) => s.open()));
  }

  /**
   * Starts collecting: opens the journal (if any), starts connecting to the remote hosts and runs the
   * first tick now (a host still connecting is waited for up to its deadline).
   *
   * @throws MlpsError `INVALID_STATE` when already started or stopped; `IO_ERROR` when the journal cannot
   * be created (the collector is then not started).
   */
  start(): void {
    if (this.state === 'running') throw new MlpsError('INVALID_STATE', `${NAME} already started`);
    if (this.state === 'stopped') throw new MlpsError('INVALID_STATE', `${NAME} already stopped; create a new instance`);
    const started = new Date(this.clock.wallMs());
    if (this.journalPath !== undefined) {
      this.journal = JournalWriter.open(this.journalPath, {
        collection_interval_seconds: this.intervalSeconds,
        hosts_requested: this.hosts,
        collection_method: methodOf(this.sessions.map((s) => s.method)),
        start_time: formatReferenceTimestamp(started.getTime()),
        start_time_ms: toEpochMs(started.getTime()),
      });
    }
    this.started = started;
    this.state = 'running';
    for (const s of this.sessions) void s.open();
    this.scheduler.start();
  }

  /**
   * Stops collecting. Waits for the in-flight tick (hosts still not answering after a short grace get
   * their error sample); when it finished within the grace, samples every host once more (the closing
   * sample, kept beyond `maxSamples` if need be, counted in `stats.samples`, not in `stats.ticks`); then
   * closes every connection and flushes and closes the journal. Resolves with the kept samples per host;
   * nothing of the collector keeps the process alive afterwards. A second call returns the same result.
   *
   * Rejects with MlpsError `INVALID_STATE` ("not started") before `start()`.
   */
  stop(): Promise<Record<string, TimeSeriesSample[]>> {
    if (this.stopPromise) return this.stopPromise;
    if (this.state === 'idle') {
      // Connections opened by connect() must not outlive a collector that never started.
      for (const s of this.sessions) void s.close();
      return Promise.reject(new MlpsError('INVALID_STATE', `${NAME} not started; call start() first`));
    }
    this.state = 'stopped';
    this.stopPromise = (async () => {
      const schedulerStopped = this.scheduler.stop();
      const grace = Math.min(STOP_GRACE_MS, this.sampleTimeoutSeconds * 1000);
      // The closing sample (DESIGN §4): once the last tick is done, every host is sampled once more so the
      // run is observed to its end. A tick still waiting for a host after the grace is not followed by one.
      if (await raceTimeout(schedulerStopped, grace)) await this.sampleAll(grace, true);
      // Cancels what is still waited for (their error samples complete the tick) and closes connections.
      await Promise.all(this.sessions.map((s) => s.close()));
      await schedulerStopped;
      this.ended = new Date(this.clock.wallMs());
      this.closeJournal();
      const final: Record<string, TimeSeriesSample[]> = {};
      for (const s of this.sessions) final[s.name] = this.stores.get(s.name)?.toArray() ?? [];
      this.finalSamples = final;
      return this.samplesByHost;
    })();
    return this.stopPromise;
  }

  /** The run as the document builder needs it (`buildTimeSeriesData(collector)`). */
  describeRun(): RunDescription {
    const hostStatus: Record<string, HostStatusRecord> = {};
    for (const s of this.sessions) hostStatus[s.name] = this.trackerOf(s).toStatusRecord({ reconnects: s.counters.reconnects });
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
      hostsRequested: this.hosts,
      samplesByHost: this.samplesByHost,
      collectionMethod: this.collectionMethod(),
      hostStatus,
      intervalStats,
    };
  }

  /**
   * How samples were really collected: from the hosts that produced good samples (`local`, `ssh` or
   * `mixed`); before any good sample, from how the hosts are configured.
   */
  collectionMethod(): CollectionMethod {
    const productive = this.sessions.filter((s) => s.counters.goodSamples > 0);
    return methodOf((productive.length > 0 ? productive : this.sessions).map((s) => s.method));
  }

  private onTick(tick: TickInfo): Promise<void> {
    return this.sampleAll(this.sampleTimeoutSeconds * 1000, false, tick.startedMs);
  }

  /** Samples every host once (a tick, or the closing sample with `closing`) and flushes the journal. */
  private async sampleAll(timeoutMs: number, closing: boolean, startedMs = this.clock.monotonicMs()): Promise<void> {
    const wallMs = this.clock.wallMs();
    let last = 0;
    // Remote requests go out first, so local sampling overlaps their round trips.
    const order = [...this.sessions.filter((s) => s.method === 'ssh'), ...this.sessions.filter((s) => s.method === 'local')];
    const pending = order.map((session) =>
      session.sample(wallMs, timeoutMs).then((sample) => {
        const latency = this.clock.monotonicMs() - startedMs;
        this.sampleLatency.add(latency);
        if (latency > last) last = latency;
        this.record(session, sample, closing);
      }),
    );
    await Promise.all(pending);
    this.tickLatency.add(last);
    this.flushJournal();
  }

  private trackerOf(session: HostSession): HostHealthTracker {
    let tracker = this.health.get(session.name);
    if (tracker === undefined) {
      tracker = new HostHealthTracker(session.name);
      this.health.set(session.name, tracker);
    }
    return tracker;
  }

  private record(session: HostSession, sample: TimeSeriesSample, closing: boolean): void {
    session.count(sample);
    const transition = this.trackerOf(session).record(sample);
    if (transition !== null) this.warn(describeHostTransition(transition));
    const store = this.stores.get(session.name);
    if (closing) store?.pushClosing(sample);
    else store?.push(sample);
    const journal = this.journal;
    if (journal) {
      try {
        journal.append(session.name, sample);
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
  }

  private journalFailed(error: unknown): void {
    // The samples stay in memory; the journal retries unwritten bytes on the next flush.
    if (this.journalErrors++ === 0) this.warn(`${NAME}: journal write failed (${messageOf(error)}); samples stay in memory`);
  }

  private closeJournal(): void {
    const journal = this.journal;
    if (!journal) return;
    this.journal = null;
    try {
      journal.close();
    } catch (error) {
      this.journalErrors++;
      this.warn(`${NAME}: closing journal ${this.journalPath} failed: ${messageOf(error)}`);
    }
  }

  private warnCap(host: string, info: CapReachedInfo): void {
    if (this.capWarned) return;
    this.capWarned = true;
    const tail = this.journalPath ? ` (the journal ${this.journalPath} keeps every sample)` : '';
    this.warn(
      info.overflow === 'decimate'
        ? `${NAME}: maxSamples (${info.maxSamples}) reached for ${host} after ${info.totalPushed} samples; decimating: ` +
            `keeping every 2nd sample from now on so the whole run stays covered${tail}`
        : `${NAME}: maxSamples (${info.maxSamples}) reached for ${host} after ${info.totalPushed} samples; overflow ` +
            `'keep-first': later samples are not kept in memory${tail}`,
    );
  }

  private warn(message: string): void {
    try {
      this.logger.warn(message);
    } catch {
      // A logger that throws must not cost a sample.
    }
  }
}

/** Resolves true when `p` settles within `ms`, false when the time ran out first. */
function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    p.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
