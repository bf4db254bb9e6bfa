/**
 * A drift-free tick scheduler (DESIGN §4): tick 0 runs at `start()`, tick k is due at
 * `start + k × interval` on the monotonic clock. Due times are absolute, so neither timer lateness nor the
 * work's own duration accumulates; a tick whose due time passes while the previous tick is still running
 * is skipped and counted, never queued. Shared by the local and the multi-host collectors.
 */
import { systemClock } from './clock';
import { invalidArgument, MlpsError } from './errors';
import { StreamingStats, type Summary } from './stats';
import type { Clock } from './types';

/** What the scheduler tells `onTick` about the tick it runs. */
export interface TickInfo {
  /** Tick number: this tick was due at `start + index × interval`. */
  index: number;
  /** Monotonic due time of this tick, in milliseconds. */
  dueMs: number;
  /** Monotonic time the tick really started, in milliseconds. */
  startedMs: number;
  /** Ticks skipped just before this one (their due time passed while earlier work was running). */
  skippedBefore: number;
}

/** Options of {@link TickScheduler}. */
export interface TickSchedulerOptions {
  /** Interval between due times, in milliseconds (> 0, finite). */
  intervalMs: number;
  /** Clock for due times and timers (default {@link systemClock}). */
  clock?: Clock;
  /** The work of one tick. A returned promise is awaited before the next tick can start. */
  onTick: (tick: TickInfo) => Promise<void> | void;
  /** Called when `onTick` throws or rejects; the schedule continues. Default: ignore. */
  onError?: (error: unknown, tick: TickInfo) => void;
  /**
   * When true, pending timers do not keep the Node.js process alive (like the reference's daemon thread).
   * Default false: a running schedule keeps the process alive until `stop()`.
   */
  unref?: boolean;
  /** Values kept for percentiles of the interval statistics (default 8192). */
  reservoirSize?: number;
}

/** Measured behaviour of a {@link TickScheduler}. */
export interface TickSchedulerStats {
  /** Ticks whose `onTick` was started. */
  ticks: number;
  /** Ticks skipped because earlier work overran their due time. */
  skippedTicks: number;
  /** Start error (`startedMs − dueMs`) of retained ticks, in ms; a bounded reservoir sample. */
  intervalErrorsMs: number[];
  /** Summary of the start error in ms, `null` before the first tick. */
  intervalErrorMs: Summary | null;
  /** Summary of the time between consecutive tick starts in ms, `null` before the second tick. */
  measuredIntervalMs: Summary | null;
  /** Monotonic time of `start()`, `null` before. */
  startedAtMs: number | null;
}

type State = 'idle' | 'running' | 'stopped';

// Node.js timers can fire up to ~1 ms before the requested time as measured by performance.now()
// (libuv rounds its loop time); only re-arm when a timer is clearly early.
const EARLY_TOLERANCE_MS = 1;

/**
 * Runs `onTick` on an absolute, drift-free schedule. See the module comment for the rules.
 *
 * @example
 * const s = new TickScheduler({ intervalMs: 1000, onTick: (t) => console.log(t.index) });
 * s.start();
 * // … later
 * await s.stop();
 */
export class TickScheduler {
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly onTick: (tick: TickInfo) => Promise<void> | void;
  private readonly onError: ((error: unknown, tick: TickInfo) => void) | undefined;
  private readonly unref: boolean;
  private state: State = 'idle';
  private startMs = 0;
  private timer: unknown = null;
  private timerArmed = false;
  private inFlight: Promise<void> | null = null;
  private stopPromise: Promise<void> | null = null;
  private tickCount = 0;
  private skipped = 0;
  private lastStartedMs = NaN;
  private readonly errors: StreamingStats;
  private readonly intervals: StreamingStats;

  constructor(options: TickSchedulerOptions) {
    const { intervalMs } = options;
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw invalidArgument(`intervalMs must be a finite number > 0, got ${String(intervalMs)}`);
    }
    if (typeof options.onTick !== 'function') throw invalidArgument('onTick must be a function');
    this.intervalMs = intervalMs;
    this.clock = options.clock ?? systemClock;
    this.onTick = options.onTick;
    this.onError = options.onError;
    this.unref = options.unref ?? false;
    this.errors = new StreamingStats(options.reservoirSize);
    this.intervals = new StreamingStats(options.reservoirSize);
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Starts the schedule and runs tick 0 now. Throws `INVALID_STATE` when started before. */
  start(): void {
    if (this.state === 'running') throw new MlpsError('INVALID_STATE', 'TickScheduler already started');
    if (this.state === 'stopped') {
      throw new MlpsError('INVALID_STATE', 'TickScheduler already stopped; create a new instance');
    }
    this.state = 'running';
    this.startMs = this.clock.monotonicMs();
    this.runTick(0, this.startMs, 0);
  }

  /**
   * Stops the schedule: no tick starts after this call; resolves once the in-flight `onTick` (if any) has
   * finished and the timer is cleared. Idempotent; stopping a scheduler never started just marks it stopped.
   */
  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.state = 'stopped';
    this.clearTimer();
    const inFlight = this.inFlight;
    this.stopPromise = inFlight ? inFlight.then(() => this.clearTimer()) : Promise.resolve();
    return this.stopPromise;
  }

  /** A snapshot of the measured schedule. */
  get stats(): TickSchedulerStats {
    return {
      ticks: this.tickCount,
      skippedTicks: this.skipped,
      intervalErrorsMs: this.errors.values(),
      intervalErrorMs: this.errors.summary(),
      measuredIntervalMs: this.intervals.summary(),
      startedAtMs: this.state === 'idle' ? null : this.startMs,
    };
  }

  /** Monotonic due time of tick `index`. */
  dueTime(index: number): number {
    return this.startMs + index * this.intervalMs;
  }

  /** The tick the armed timer runs, and the ticks skipped before it (one timer is armed at a time). */
  private armedIndex = 0;
  private armedSkipped = 0;
  /** The timer callback, made once: arming a tick allocates no closure. */
  private readonly fire = (): void => this.onTimer(this.armedIndex, this.armedSkipped);

  private runTick(index: number, dueMs: number, skippedBefore: number): void {
    if (this.state !== 'running') return;
    const startedMs = this.clock.monotonicMs();
    this.tickCount++;
    this.errors.add(startedMs - dueMs);
    if (!Number.isNaN(this.lastStartedMs)) this.intervals.add(startedMs - this.lastStartedMs);
    this.lastStartedMs = startedMs;
    const info: TickInfo = { index, dueMs, startedMs, skippedBefore };
    let result: Promise<void> | void;
    try {
      result = this.onTick(info);
    } catch (error) {
      this.reportError(error, info);
      result = undefined;
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<void>).then === 'function') {
      this.inFlight = Promise.resolve(result).then(
        () => this.afterTick(index),
        (error: unknown) => {
          this.reportError(error, info);
          this.afterTick(index);
        },
      );
    } else {
      this.afterTick(index);
    }
  }

  private afterTick(index: number): void {
    this.inFlight = null;
    if (this.state !== 'running') return;
    const now = this.clock.monotonicMs();
    let next = index + 1;
    if (now > this.dueTime(next)) {
      // The work overran: the next tick to run is the first one still due at or after now.
      next = Math.max(next, Math.ceil((now - this.startMs) / this.intervalMs));
      if (this.dueTime(next) < now) next++;
    }
    const skippedNow = next - index - 1;
    this.skipped += skippedNow;
    this.arm(next, skippedNow);
  }

  private arm(index: number, skippedBefore: number): void {
    const delay = this.dueTime(index) - this.clock.monotonicMs();
    this.armedIndex = index;
    this.armedSkipped = skippedBefore;
    const handle = this.clock.setTimer(this.fire, Math.max(0, delay));
    if (this.unref) (handle as { unref?: () => void } | null)?.unref?.();
    this.timer = handle;
    this.timerArmed = true;
  }

  private onTimer(index: number, skippedBefore: number): void {
    this.timerArmed = false;
    this.timer = null;
    if (this.state !== 'running') return;
    const now = this.clock.monotonicMs();
    if (this.dueTime(index) - now > EARLY_TOLERANCE_MS) {
      this.arm(index, skippedBefore);
      return;
    }
    // A timer that fires very late (event loop blocked by the host program) lands on the latest due
    // tick; the ticks in between are skipped, as if they had been overrun.
    const latest = Math.floor((now - this.startMs) / this.intervalMs);
    if (latest > index && this.dueTime(latest) <= now) {
      this.skipped += latest - index;
      skippedBefore += latest - index;
      index = latest;
    }
    this.runTick(index, this.dueTime(index), skippedBefore);
  }

  private clearTimer(): void {
    if (this.timerArmed) {
      this.clock.clearTimer(this.timer);
      this.timerArmed = false;
      this.timer = null;
    }
  }

  private reportError(error: unknown, tick: TickInfo): void {
    if (!this.onError) return;
    try {
      this.onError(error, tick);
    } catch {
      // An error handler that throws must not break the schedule.
    }
  }
}
