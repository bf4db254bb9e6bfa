/**
 * The collection settings every collector shares (DESIGN §4), validated in one place so the single-host
 * and multi-host collectors accept and reject exactly the same values with the same messages.
 */
import { invalidArgument } from './errors';
import { OVERFLOW_POLICIES, type OverflowPolicy } from './store';
import type { Clock } from './types';

/** Default seconds between samples (as `mlpstorage`). */
export const DEFAULT_INTERVAL_SECONDS = 10;
/** Default cap of samples kept per host in memory and in the document (as `mlpstorage`). */
export const DEFAULT_MAX_SAMPLES = 3600;
/** Shortest interval accepted: below it a sampler would spin rather than sample. */
export const MIN_INTERVAL_SECONDS = 0.01;
/**
 * Longest interval accepted: the longest timer Node.js can set (2^31 − 1 ms, ~24.8 days). Beyond it
 * `setTimeout` fires after 1 ms with a TimeoutOverflowWarning each time, a flood instead of a schedule.
 */
export const MAX_INTERVAL_SECONDS = 2_147_483;

/** Interval, cap and overflow policy of a collection, after defaults and validation. */
export interface CollectionSettings {
  intervalSeconds: number;
  maxSamples: number;
  overflow: OverflowPolicy;
}

/**
 * Applies the defaults and validates `intervalSeconds` (finite, {@link MIN_INTERVAL_SECONDS} to
 * {@link MAX_INTERVAL_SECONDS}),
 * `maxSamples` (an integer ≥ 1) and `overflow` (`decimate` | `keep-first`), and, when given, the options
 * every collector shares: `journalPath` and `procRoot` (non-empty paths), `journalMaxPendingBytes` (an
 * integer ≥ 0), `logger` (has `warn`) and `clock` (implements {@link Clock}).
 *
 * @throws MlpsError `INVALID_ARGUMENT` whose message names the option and the value given.
 */
export function validateCollectionSettings(options: {
  intervalSeconds?: unknown;
  maxSamples?: unknown;
  overflow?: unknown;
  journalPath?: unknown;
  journalMaxPendingBytes?: unknown;
  procRoot?: unknown;
  logger?: unknown;
  clock?: unknown;
}): CollectionSettings {
  const intervalSeconds = options.intervalSeconds === undefined ? DEFAULT_INTERVAL_SECONDS : options.intervalSeconds;
  if (typeof intervalSeconds !== 'number' || !Number.isFinite(intervalSeconds) || intervalSeconds < MIN_INTERVAL_SECONDS) {
    throw invalidArgument(
      `intervalSeconds must be a finite number >= ${MIN_INTERVAL_SECONDS} (seconds), got ${describeValue(intervalSeconds)}`,
    );
  }
  if (intervalSeconds > MAX_INTERVAL_SECONDS) {
    throw invalidArgument(
      `intervalSeconds must be at most ${MAX_INTERVAL_SECONDS} (seconds; the longest timer Node.js can set), got ${describeValue(intervalSeconds)}`,
    );
  }
  const maxSamples = options.maxSamples === undefined ? DEFAULT_MAX_SAMPLES : options.maxSamples;
  if (typeof maxSamples !== 'number' || !Number.isInteger(maxSamples) || maxSamples < 1) {
    throw invalidArgument(`maxSamples must be an integer >= 1, got ${describeValue(maxSamples)}`);
  }
  const overflow = options.overflow === undefined ? 'decimate' : options.overflow;
  if (!OVERFLOW_POLICIES.includes(overflow as OverflowPolicy)) {
    throw invalidArgument(`overflow must be 'decimate' or 'keep-first', got ${describeValue(overflow)}`);
  }
  for (const name of ['journalPath', 'procRoot'] as const) {
    const path = options[name];
    if (path !== undefined && (typeof path !== 'string' || path === '')) {
      throw invalidArgument(`${name} must be a non-empty path, got ${describeValue(path)}`);
    }
  }
  const pendingBound = options.journalMaxPendingBytes;
  if (pendingBound !== undefined && (typeof pendingBound !== 'number' || !Number.isSafeInteger(pendingBound) || pendingBound < 0)) {
    throw invalidArgument(`journalMaxPendingBytes must be an integer >= 0 (bytes), got ${describeValue(pendingBound)}`);
  }
  const logger = options.logger as { warn?: unknown } | null | undefined;
  if (logger !== undefined && (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function')) {
    throw invalidArgument('logger must be an object with a warn(message) method');
  }
  const clock = options.clock as Partial<Record<keyof Clock, unknown>> | null | undefined;
  if (
    clock !== undefined &&
    (typeof clock !== 'object' ||
      clock === null ||
      typeof clock.monotonicMs !== 'function' ||
      typeof clock.wallMs !== 'function' ||
      typeof clock.setTimer !== 'function' ||
      typeof clock.clearTimer !== 'function')
  ) {
    throw invalidArgument('clock must implement monotonicMs(), wallMs(), setTimer() and clearTimer()');
  }
  return { intervalSeconds, maxSamples, overflow: overflow as OverflowPolicy };
}

/** A short rendering of a bad option value for error messages (strings quoted, objects named). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
