import { InvalidArgumentError } from 'commander';
import { MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS, isMlpsError } from '@mlps/timeseries';
import { parseHostList } from '@mlps/multihost';

/**
 * Value parsers for commander options. Each throws commander's `InvalidArgumentError` with a short reason;
 * commander prefixes the option and the value, and the CLI prints that as one line and exits 2.
 */

/** A plain decimal number (`10`, `0.5`, `.5`, `1e-1`): not `0x10`, `0b1`, `Infinity` or an empty string. */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/**
 * Seconds between samples: a decimal number from the collector's floor (0.01 s) to the longest timer
 * Node.js can set (~24.8 days). `0x10` is not read as 16 (Python's `float()` rejects it too), and an
 * interval beyond the timer limit is refused here rather than flooding stderr with TimeoutOverflowWarning.
 */
export function parseIntervalSeconds(value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a decimal number of seconds greater than 0.');
  if (n < MIN_INTERVAL_SECONDS) throw new InvalidArgumentError(`must be at least ${MIN_INTERVAL_SECONDS} seconds.`);
  if (n > MAX_INTERVAL_SECONDS) throw new InvalidArgumentError(`must be at most ${MAX_INTERVAL_SECONDS} seconds (about 24.8 days, the longest timer Node.js can set).`);
  return n;
}

/** An integer ≥ 1. */
export function parsePositiveInt(value: string): number {
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('must be an integer of at least 1.');
  }
  return Number(value);
}

/** An integer ≥ 0. */
export function parseNonNegativeInt(value: string): number {
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('must be an integer of at least 0.');
  return Number(value);
}

/** A finite decimal number > 0. */
export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a decimal number greater than 0.');
  return n;
}

/** A TCP port, 1–65535. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port number from 1 to 65535.');
  return n;
}

/**
 * One `--hosts` value (`host`, `host:slots`, `user@host`, `[v6]:slots`, comma-separated lists too),
 * validated now so a bad host is an argument error; accumulated over repeated and variadic values.
 */
export function collectHosts(value: string, previous: string[] | undefined): string[] {
  let parsed;
  try {
    parsed = parseHostList(value);
  } catch (err) {
    throw new InvalidArgumentError(isMlpsError(err) ? err.message : String(err));
  }
  // `--hosts ""` (an unset shell variable, say) would otherwise quietly mean "this machine only".
  if (parsed.length === 0) throw new InvalidArgumentError('no host given; expected host, host:slots, user@host or [v6addr]:slots.');
  return [...(previous ?? []), value];
}

/** `--params key=value` (variadic, repeatable). */
export function collectParams(value: string, previous: string[] | undefined): string[] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('must be key=value.');
  return [...(previous ?? []), value];
}

/** `--mpi-params`: each value split on whitespace (no shell), so `--mpi-params "--bind-to none"` works. */
export function collectMpiParams(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(/\s+/).filter((s) => s !== '')];
}

/** Repeatable string option. */
export function collectStrings(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
