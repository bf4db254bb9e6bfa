/**
 * `MultiHostTimeSeriesCollector`: samples many hosts on one drift-free schedule (DESIGN §4). Hosts that
 * are this machine are sampled in-process; every other host over one persistent SSH connection running
 * one long-lived remote loop. Every host gets a deadline each tick; a host that misses it gets an error
 * sample for that tick and never delays the others; a dropped connection reconnects with backoff.
 */
import {
  describeValue,
  invalidArgument,
  validateCollectionSettings,
  systemClock,
  type Clock,
  type CollectionMethod,
  type OverflowPolicy,
  type HostHealth,
  type HostLinkState,
  type TimeSeriesSample,
} from '@mlps/timeseries';
import { CollectionRun, EngineCollector, WorkloadIoTracker, type CollectionRunStats } from '@mlps/timeseries/engine';
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
  /**
   * Most journal bytes kept for retry while its disk refuses them (a full disk); past it the journal stops,
   * keeping the samples it has, and later samples are in memory only (`stats.journalStopped`). Default 4 MiB.
   */
  journalMaxPendingBytes?: number;
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
  /**
   * Sample the workload's own I/O with this machine's samples (`workload_io`; see `WorkloadIoTracker` in
   * `@mlps/timeseries/engine`): this process's workload threads and reaped children, and the process trees
   * given to {@link MultiHostTimeSeriesCollector.trackProcess}. Local hosts only. Default false.
   */
  workloadIo?: boolean;
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
export type MultiHostCollectorStats = CollectionRunStats;

const NAME = 'MultiHostTimeSeriesCollector';
const DEFAULT_MAX_CONCURRENCY = 32;
/** How long stop() lets an in-flight tick finish before cancelling hosts still being waited for. */
const STOP_GRACE_MS = 2000;



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
export class MultiHostTimeSeriesCollector extends EngineCollector {
  /** The per-host deadline of a tick, in seconds. */
  readonly sampleTimeoutSeconds: number;

  private readonly sessions: HostSession[];

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
    const planned = planHosts(o.hosts);
    const ssh = resolveSshOptions(o.ssh);
    const clock = o.clock ?? systemClock;
    const logger = o.logger ?? { warn: (message: string) => console.warn(message) };
    const warn = (message: string): void => {
      try {
        logger.warn(message);
      } catch {
        // A logger that throws must not cost a sample.
      }
    };
    const intervalMs = intervalSeconds * 1000;
    const workload = o.workloadIo === true ? new WorkloadIoTracker() : undefined;
    const ctx = {
      clock,
      ssh,
      limiter: new ConcurrencyLimiter(maxConcurrency),
      ...(o.procRoot !== undefined ? { procRoot: o.procRoot } : {}),
      remoteReader: o.remoteReader ?? 'auto',
      // First retry soon (a blip), then back off to at most 30 s (or one interval, if longer).
      backoffInitialMs: Math.min(1000, intervalMs),
      backoffMaxMs: Math.max(30_000, intervalMs),
      maxConsecutiveTimeouts: 3,
      warn,
      ...(workload !== undefined ? { workload } : {}),
    };
    const sessions = planned.map((p) => {
      const target: { host: string; port?: number; username?: string } = { host: p.host };
      if (p.port !== undefined) target.port = p.port;
      if (p.user !== undefined) target.username = p.user;
      return new HostSession(p.name, p.local ? 'local' : 'ssh', target, ctx);
    });
    super(
      new CollectionRun({
        name: NAME,
        sources: sessions,
        intervalSeconds,
        maxSamples,
        overflow,
        journalPath: o.journalPath,
        journalMaxPendingBytes: o.journalMaxPendingBytes,
        clock,
        logger: { warn },
        unref: o.unref ?? false,
        sampleTimeoutMs: timeout * 1000,
        stopGraceMs: Math.min(STOP_GRACE_MS, timeout * 1000),
      }),
      workload,
    );
    this.sessions = sessions;
    this.sampleTimeoutSeconds = timeout;
  }

  /** The requested host names, in order (keys of {@link samplesByHost}). */
  get hosts(): string[] {
    return this.run.hostNames;
  }

  /**
   * Samples kept so far per requested host name, oldest first. Each host's samples are decoded when its
   * key is first read, so looking at one host does not decode them all.
   */
  get samplesByHost(): Record<string, TimeSeriesSample[]> {
    return this.run.samplesByHost();
  }

  /** Requested names of the hosts with at least one good sample (data, not only errors). */
  getHostsWithData(): string[] {
    return this.run.hostsWithData();
  }

  /** Health of every host: `ok | partial | failed`, counts, reconnects, last error, connection state. */
  hostStatus(): Record<string, HostStatus> {
    const health = this.run.hostHealth();
    const out: Record<string, HostStatus> = {};
    for (const s of this.sessions) {
      const h = health[s.name];
      const status: HostStatus = {
        status: h?.status ?? 'failed',
        samples: h?.samples ?? 0,
        goodSamples: h?.goodSamples ?? 0,
        errors: h?.errorSamples ?? 0,
        sourceErrorSamples: h?.sourceErrorSamples ?? 0,
        link: h?.link ?? 'pending',
        reconnects: s.reconnects,
        method: s.method,
        connection: s.state,
      };
      if (h?.lastError !== undefined) status.lastError = h.lastError;
      if (s.lastHostname !== undefined) status.hostname = s.lastHostname;
      out[s.name] = status;
    }
    return out;
  }

  /** Measured schedule, sample counts and per-host latencies. */
  get stats(): MultiHostCollectorStats {
    return this.run.stats;
  }

  /**
   * Stops collecting. Waits for the in-flight tick (hosts still not answering after a short grace get
   * their error sample); when it finished within the grace, samples every host once more (the closing
   * sample, kept beyond `maxSamples` if need be, counted in `stats.samples`, not in `stats.ticks`); then
   * closes every connection and flushes and closes the journal. Resolves with the kept samples per host
   * (decoded when read); nothing of the collector keeps the process alive afterwards. A second call
   * returns the same result.
   *
   * Rejects with MlpsError `INVALID_STATE` ("not started") before `start()`; connections opened by
   * `connect()` are closed all the same.
   */
  stop(): Promise<Record<string, TimeSeriesSample[]>> {
    return this.stopThen(() => this.samplesByHost);
  }

  /**
   * How samples were really collected: from the hosts that produced good samples (`local`, `ssh` or
   * `mixed`); before any good sample, from how the hosts are configured.
   */
  collectionMethod(): CollectionMethod {
    return this.run.collectionMethod();
  }
}
