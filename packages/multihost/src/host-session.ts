/**
 * One host of a multi-host run: how it is sampled (in-process or over its persistent SSH connection),
 * its connection state, reconnection with capped exponential backoff. It is a `HostSource` of the
 * collection engine, which counts its samples; `sample()` never rejects: every failure becomes an error
 * sample for that tick.
 */
import { hostname as osHostname } from 'node:os';
import {
  MlpsError,
  buildSampleFromSourceTexts,
  buildErrorSample,
  formatTimestamp,
  isMlpsError,
  type Clock,
  type TimeSeriesSample,
} from '@mlps/timeseries';
import { LocalSampler, PROC_SOURCES, WorkloadIoTracker, type HostSource, type PackedSample, type SampleRequest } from '@mlps/timeseries/engine';
import { RemoteSampler } from './remote-sampler';
import type { RemoteReader } from './remote-script';
import { openSshConnection, type ResolvedSshOptions, type SshConnection, type SshTarget } from './transport';

/** How a host is sampled. */
export type HostMethod = 'local' | 'ssh';

/** Connection state of a remote host (`local` hosts are always `ready`). */
export type HostConnectionState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

/** Connection counters of one host (its samples are counted by the collection engine's host-health rule). */
export interface HostCounters {
  /** Successful connections after the first one. */
  reconnects: number;
  /** Connection attempts that failed. */
  connectFailures: number;
}

/** Limits how many SSH handshakes run at once (they cost CPU on both ends). */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

/** Options common to all hosts of a run. */
export interface HostSessionContext {
  clock: Clock;
  ssh: ResolvedSshOptions;
  limiter: ConcurrencyLimiter;
  procRoot?: string;
  /** How remote hosts read their files. */
  remoteReader: RemoteReader;
  /** First reconnection delay; doubles per failure up to {@link HostSessionContext.backoffMaxMs}. */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Consecutive unanswered requests after which the connection is dropped and re-established. */
  maxConsecutiveTimeouts: number;
  warn: (message: string) => void;
  /** The workload whose own I/O this machine's samples carry (`workload_io`), when tracked. */
  workload?: WorkloadIoTracker;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** One host's sampling. */
export class HostSession implements HostSource {
  /** The requested name (key in `samplesByHost`). */
  readonly name: string;
  readonly method: HostMethod;
  readonly target: SshTarget;
  readonly counters: HostCounters = { reconnects: 0, connectFailures: 0 };
  /** What the host last said its name was. */
  lastHostname: string | undefined;
  /** This machine's sampler (local method only), created at the first sample; its descriptors close with the session. */
  private localSampler: LocalSampler | undefined;

  private readonly ctx: HostSessionContext;
  private stateValue: HostConnectionState = 'idle';
  private connection: SshConnection | null = null;
  private sampler: RemoteSampler | null = null;
  private connecting: Promise<void> | null = null;
  private backoffTimer: unknown = null;
  private backoffUntilMs = 0;
  private consecutiveFailures = 0;
  private consecutiveTimeouts = 0;
  private everConnected = false;
  private lastConnectError: string | undefined;
  private inFlight: Promise<TimeSeriesSample> | null = null;
  private readonly abort = new AbortController();

  constructor(name: string, method: HostMethod, target: SshTarget, ctx: HostSessionContext) {
    this.name = name;
    this.method = method;
    this.target = target;
    this.ctx = ctx;
    if (method === 'local') this.stateValue = 'ready';
  }

  /** Connection state (`ready` for local hosts). */
  get state(): HostConnectionState {
    return this.stateValue;
  }

  // Methods, not property reads: TypeScript would otherwise keep a narrowing across awaits.
  private currentState(): HostConnectionState {
    return this.stateValue;
  }

  private isClosed(): boolean {
    return this.stateValue === 'closed';
  }

  /**
   * Starts connecting now (remote hosts), so the first tick finds the connection ready. Resolves when
   * connected or the attempt failed (never rejects).
   */
  open(): Promise<void> {
    if (this.method !== 'ssh') return Promise.resolve();
    if (this.stateValue === 'idle') return this.connect();
    return this.connecting ?? Promise.resolve();
  }

  /**
   * Takes this tick's sample; resolves within `timeoutMs` (plus a timer's lateness), never rejects.
   * `wallMs` is the tick's wall-clock time, used for error samples and local samples.
   */
  sample(request: SampleRequest): TimeSeriesSample | PackedSample | Promise<TimeSeriesSample> {
    const { wallMs, timeoutMs } = request;
    if (this.method === 'local') return this.sampleLocal(wallMs);
    const p = this.sampleRemote(wallMs, timeoutMs).catch((err: unknown) => this.errorSample(wallMs, err));
    this.inFlight = p;
    return p;
  }

  /** Successful reconnections after the first connection. */
  get reconnects(): number {
    return this.counters.reconnects;
  }

  /** The name error samples carry: what the host last said it was, else the address. */
  get hostname(): string {
    return this.lastHostname ?? this.target.host;
  }

  /**
   * Closes the connection and cancels reconnection. A sample still in flight ends at once as an error
   * sample (its promise resolves). Idempotent.
   */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    // Cancels a handshake in progress, so no socket outlives stop().
    this.abort.abort();
    if (this.backoffTimer !== null) {
      this.ctx.clock.clearTimer(this.backoffTimer);
      this.backoffTimer = null;
    }
    this.dropConnection();
    // A closing sample after close() still works: the sampler then opens files per read.
    this.localSampler?.close();
    const inFlight = this.inFlight;
    if (inFlight) await inFlight;
  }

  private sampleLocal(wallMs: number): TimeSeriesSample | PackedSample {
    try {
      // This machine through the engine's zero-allocation sampler (descriptors kept open, learned byte
      // templates): the same samples as `collectTimeseriesSampleSync`, without an object per tick.
      const sampler = (this.localSampler ??= new LocalSampler({
        hostname: osHostname(),
        ...(this.ctx.procRoot !== undefined ? { procRoot: this.ctx.procRoot } : {}),
        ...(this.ctx.workload !== undefined ? { sources: [...PROC_SOURCES, this.ctx.workload.source] } : {}),
      }));
      const sample = sampler.sample(wallMs);
      this.lastHostname = sample.hostname;
      return sample;
    } catch (err) {
      return this.errorSample(wallMs, err);
    }
  }

  private async sampleRemote(wallMs: number, timeoutMs: number): Promise<TimeSeriesSample> {
    const clock = this.ctx.clock;
    const deadline = clock.monotonicMs() + timeoutMs;
    if (this.stateValue === 'closed') throw new MlpsError('INVALID_STATE', 'collector stopped');
    if (this.stateValue === 'backoff') {
      const waitS = Math.max(0, (this.backoffUntilMs - clock.monotonicMs()) / 1000);
      throw new MlpsError(
        'HOST_UNREACHABLE',
        `not connected (next attempt in ${waitS.toFixed(1)} s): ${this.lastConnectError ?? 'connection lost'}`,
      );
    }
    if (this.stateValue !== 'ready') {
      const connecting = this.connecting ?? this.connect();
      await withTimeout(connecting, timeoutMs, clock);
      // Read through the getter: the await above may have changed the state.
      if (this.currentState() !== 'ready' || !this.sampler) {
        throw new MlpsError(
          this.currentState() === 'connecting' ? 'TIMEOUT' : 'HOST_UNREACHABLE',
          this.currentState() === 'connecting'
            ? `still connecting after ${Math.round(timeoutMs)} ms`
            : `not connected: ${this.lastConnectError ?? 'connection failed'}`,
        );
      }
    }
    const sampler = this.sampler;
    if (!sampler) throw new MlpsError('HOST_UNREACHABLE', 'not connected');
    const remaining = Math.max(1, deadline - clock.monotonicMs());
    const sentMono = clock.monotonicMs();
    const sentWall = clock.wallMs();
    let result;
    try {
      result = await sampler.request(remaining);
    } catch (err) {
      if (isMlpsError(err) && err.code === 'TIMEOUT') {
        this.consecutiveTimeouts++;
        if (this.consecutiveTimeouts >= this.ctx.maxConsecutiveTimeouts) {
          this.ctx.warn(`${this.name}: ${this.consecutiveTimeouts} requests unanswered; reconnecting`);
          this.connectionLost(`${this.consecutiveTimeouts} requests in a row unanswered`);
        }
      }
      throw err;
    }
    this.consecutiveTimeouts = 0;
    const rtt = clock.monotonicMs() - sentMono;
    // The host's /proc was read somewhere inside the round trip; its midpoint is the best estimate, on our
    // clock, so samples of all hosts share one time base (the host's own clock is in uptime_seconds).
    const timestampMs = sentWall + rtt / 2;
    const timestamp = formatTimestamp(timestampMs);
    const hostname = result.hostname || this.lastHostname || this.target.host;
    this.lastHostname = hostname;
    return buildSampleFromSourceTexts({ timestamp, timestampMs, hostname, texts: result.texts, errors: result.errors });
  }

  private errorSample(wallMs: number, err: unknown): TimeSeriesSample {
    return buildErrorSample({ wallMs, hostname: this.lastHostname ?? this.target.host, error: err });
  }

  private connect(): Promise<void> {
    if (this.connecting) return this.connecting;
    this.stateValue = 'connecting';
    const attempt = this.ctx.limiter
      .run(async () => {
        if (this.stateValue === 'closed') return;
        const connection = await openSshConnection(this.target, this.ctx.ssh, this.abort.signal);
        if (this.isClosed()) {
          connection.close();
          return;
        }
        for (const w of connection.warnings) this.ctx.warn(`${this.name}: ${w}`);
        let sampler: RemoteSampler | undefined;
        try {
          sampler = await RemoteSampler.start(connection, {
            reader: this.ctx.remoteReader,
            ...(this.ctx.procRoot === undefined ? {} : { procRoot: this.ctx.procRoot }),
          });
          // The loop's first answer includes starting sh (and awk): take it now, within the connect
          // timeout, so the first tick's request meets a warm loop.
          await sampler.request(this.ctx.ssh.connectTimeoutMs);
        } catch (err) {
          sampler?.close();
          connection.close();
          throw err;
        }
        if (this.isClosed()) {
          sampler.close();
          connection.close();
          return;
        }
        this.connection = connection;
        this.sampler = sampler;
        this.stateValue = 'ready';
        if (this.everConnected) this.counters.reconnects++;
        this.everConnected = true;
        this.consecutiveFailures = 0;
        this.consecutiveTimeouts = 0;
        this.lastConnectError = undefined;
        sampler.onClose((err) => {
          if (this.sampler === sampler) this.connectionLost(err.message);
        });
        connection.onClose((err) => {
          if (this.connection === connection) this.connectionLost(err?.message ?? 'connection closed');
        });
      })
      .catch((err: unknown) => {
        this.counters.connectFailures++;
        this.lastConnectError = messageOf(err);
        if (isMlpsError(err) && (err.code === 'HOST_KEY_MISMATCH' || err.code === 'HOST_KEY_UNKNOWN' || err.code === 'AUTH_FAILED')) {
          // Worth saying once: retrying will not fix these by itself. A first connection that fails is
          // already reported by the collector's host-health rule (connect-failed), with this reason.
          if (this.counters.connectFailures === 1 && this.everConnected) this.ctx.warn(`${this.name}: ${this.lastConnectError}`);
        }
        this.scheduleReconnect();
      })
      .finally(() => {
        if (this.connecting === attempt) this.connecting = null;
      });
    this.connecting = attempt;
    return attempt;
  }

  private dropConnection(): void {
    const sampler = this.sampler;
    const connection = this.connection;
    this.sampler = null;
    this.connection = null;
    sampler?.close();
    connection?.close();
  }

  private connectionLost(reason: string): void {
    if (this.stateValue === 'closed') return;
    this.lastConnectError = `connection lost: ${reason}`;
    this.dropConnection();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stateValue === 'closed') return;
    this.consecutiveFailures++;
    const delay = Math.min(this.ctx.backoffMaxMs, this.ctx.backoffInitialMs * 2 ** Math.min(30, this.consecutiveFailures - 1));
    this.stateValue = 'backoff';
    this.backoffUntilMs = this.ctx.clock.monotonicMs() + delay;
    if (this.backoffTimer !== null) this.ctx.clock.clearTimer(this.backoffTimer);
    const handle = this.ctx.clock.setTimer(() => {
      this.backoffTimer = null;
      if (this.stateValue === 'backoff') void this.connect();
    }, delay);
    // A pending reconnection must never keep the process alive by itself.
    (handle as { unref?: () => void } | null)?.unref?.();
    this.backoffTimer = handle;
  }
}

/** Resolves when `p` settles or after `ms`, whichever is first (never rejects). */
function withTimeout(p: Promise<unknown>, ms: number, clock: Clock): Promise<void> {
  return new Promise<void>((resolve) => {
    const handle = clock.setTimer(resolve, ms);
    (handle as { unref?: () => void } | null)?.unref?.();
    p.then(
      () => {
        clock.clearTimer(handle);
        resolve();
      },
      () => {
        clock.clearTimer(handle);
        resolve();
      },
    );
  });
}
