import type { Clock } from './types';

/** The real clock: `performance.now()` for schedules, `Date.now()` for timestamps, Node timers. */
export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * A manual clock for tests: time moves only through {@link ManualClock.advance}, which fires due timers in
 * order, so schedules can be asserted exactly.
 */
export class ManualClock implements Clock {
  private nowMs: number;
  private readonly wallOffsetMs: number;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(options: { startMs?: number; wallStartMs?: number } = {}) {
    this.nowMs = options.startMs ?? 0;
    this.wallOffsetMs = (options.wallStartMs ?? Date.UTC(2026, 0, 24, 12, 0, 0)) - this.nowMs;
  }

  monotonicMs(): number {
    return this.nowMs;
  }

  wallMs(): number {
    return this.nowMs + this.wallOffsetMs;
  }

  setTimer(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.nowMs + Math.max(0, ms), fn });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in due order, with the clock set to
   * each timer's due time. Awaits microtasks between timers so async work started by a timer can settle.
   */
  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, t] of this.timers) {
        if (t.at < nextAt || (t.at === nextAt && id < nextId)) {
          nextAt = t.at;
          nextId = id;
        }
      }
      if (nextId < 0 || nextAt > target) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.nowMs = Math.max(this.nowMs, timer.at);
      timer.fn();
      await flushMicrotasks();
    }
    // A timer callback may have spent() past the target: time never goes backwards.
    this.nowMs = Math.max(this.nowMs, target);
    await flushMicrotasks();
  }

  /** Moves time forward without firing timers (simulates work that takes time). */
  spend(ms: number): void {
    this.nowMs += ms;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
