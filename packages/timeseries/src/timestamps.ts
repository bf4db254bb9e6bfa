/**
 * Time stamps as the files carry them (DESIGN §3). The reference (`mlpstorage`, Python) writes UTC in
 * the exact form `%Y-%m-%dT%H:%M:%SZ` and reads it back with `datetime.strptime(ts, '%Y-%m-%dT%H:%M:%SZ')`,
 * which rejects a fraction (`.803Z`). So mlps writes that form in `timestamp`, `start_time`, `end_time`
 * and keeps the exact time beside it as integer epoch milliseconds (`timestamp_ms`, `start_time_ms`,
 * `end_time_ms`), which mlps's own readers prefer. Older mlps files (millisecond ISO stamps, no `_ms`
 * keys) and Python files (whole seconds, maybe zone-less) still load through {@link parseTimestampMs}.
 */

/** The largest time a JavaScript `Date` holds (±8.64e15 ms). */
const MAX_DATE_MS = 8.64e15;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Formats epoch milliseconds in the reference's form `%Y-%m-%dT%H:%M:%SZ` (UTC, whole seconds, the
 * fraction truncated as Python's `strftime` does): `formatReferenceTimestamp(1769256000803)` is
 * `'2026-01-24T12:00:00Z'`. A value that is not a valid time gives the epoch rather than throwing: a sample
 * must never be lost to its timestamp.
 */
export function formatReferenceTimestamp(ms: number): string {
  const valid = typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;
  const date = new Date(valid ? Math.floor(ms / 1000) * 1000 : 0);
  const year = date.getUTCFullYear();
  // Years outside 0..9999 cannot be written as %Y by Python; toISOString's expanded form is the honest
  // fallback and still parses in mlps.
  if (year < 0 || year > 9999) return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    `${String(year).padStart(4, '0')}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}` +
    `T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}Z`
  );
}

/**
 * Integer epoch milliseconds as written in `timestamp_ms`/`start_time_ms`/`end_time_ms`: rounded to the
 * millisecond, null when `ms` is not a valid time.
 */
export function toEpochMs(ms: number): number | null {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return null;
  return Math.round(ms);
}

// Date, then optional time with optional fraction and zone. Python writes `strftime('%Y-%m-%dT%H:%M:%SZ')`
// or `isoformat()` (naive or `+00:00`, maybe microseconds); older mlps writes `.123Z`.
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Milliseconds since the epoch of an ISO-8601 timestamp as either tool writes it; a timestamp without
 * a zone (Python's naive `isoformat()`) is taken as UTC, since both tools sample in UTC. Null when the
 * text is not such a timestamp.
 */
export function parseTimestampMs(text: string): number | null {
  if (typeof text !== 'string') return null;
  const m = ISO_TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const ms = frac === '' ? 0 : Number(`0.${frac}`) * 1000;
  let offsetMin = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) + ms - offsetMin * 60_000;
  // Reject dates that Date.UTC silently rolls over (Feb 30 → Mar 2).
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day) return null;
  return Number.isFinite(utc) ? utc : null;
}

/** The time fields a sample (or any record with `timestamp`/`timestamp_ms`) may carry. */
export interface TimestampedRecord {
  timestamp?: unknown;
  timestamp_ms?: unknown;
}

/**
 * The exact time of a sample in epoch milliseconds: its `timestamp_ms` when it has a finite one (mlps
 * files), else its parsed `timestamp` (Python files and older mlps files), else null. Every reader of
 * sample times (rates, report, export, live view, journal) goes through this, so they agree.
 */
export function sampleTimeMs(sample: TimestampedRecord): number | null {
  const exact = sample.timestamp_ms;
  if (typeof exact === 'number' && Number.isFinite(exact)) return exact;
  return typeof sample.timestamp === 'string' ? parseTimestampMs(sample.timestamp) : null;
}

/**
 * The exact time of a document-level field pair (`start_time`/`start_time_ms`, `end_time`/`end_time_ms`):
 * the `_ms` value when finite, else the parsed text, else null.
 */
export function fieldTimeMs(text: unknown, exactMs: unknown): number | null {
  if (typeof exactMs === 'number' && Number.isFinite(exactMs)) return exactMs;
  return typeof text === 'string' ? parseTimestampMs(text) : null;
}
