/**
 * The crash-safe journal (`*_timeseries.jsonl`, DESIGN §3): one JSON line per sample, appended while
 * collecting and handed to the kernel every tick, so a SIGKILL loses at most the tick being written.
 * `readJournal` rebuilds the run document from it, tolerating the torn line a crash leaves behind.
 *
 * Line format: a header line
 * `{"type":"header","format":"mlps-timeseries-journal","format_version":1,"collection_interval_seconds":10,
 * "hosts_requested":["h1"],"collection_method":"local","start_time":"2026-01-24T12:00:00Z","start_time_ms":1769256000000}`
 * then one line per sample `{"host":"<requested name>","sample":{...TimeSeriesSample}}`.
 */
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlpsError } from './errors';
import { FORMAT_VERSION, deriveHostStatus, isGoodSample, validateSample } from './format';
import { fieldTimeMs, formatReferenceTimestamp, sampleTimeMs } from './timestamps';
import type { CollectionMethod, HostStatusRecord, TimeSeriesData, TimeSeriesSample } from './types';

/** The `format` value of a journal header line. */
export const JOURNAL_FORMAT = 'mlps-timeseries-journal';

/**
 * The journal's own line-format version, in its header's `format_version` (independent of the document's
 * {@link FORMAT_VERSION}): 1 = one JSON sample per line.
 */
export const JOURNAL_FORMAT_VERSION = 1;

/** What the first line of a journal records about the run (wire keys, as in the document). */
export interface JournalHeader {
  collection_interval_seconds: number;
  hosts_requested: string[];
  collection_method: CollectionMethod;
  /** Start of collection in the reference's form `%Y-%m-%dT%H:%M:%SZ`, or null when not known yet. */
  start_time: string | null;
  /** Start of collection exactly, integer epoch milliseconds (absent in journals of older mlps). */
  start_time_ms?: number | null;
}

function ioError(target: string, action: string, err: unknown): MlpsError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  let hint = '';
  if (code === 'ENOENT' && action === 'create') hint = `; the directory ${path.dirname(target)} does not exist, create it first`;
  else if (code === 'EEXIST') hint = '; a journal is never overwritten, choose a new path';
  else if (code === 'ENOSPC') hint = '; the filesystem is full';
  else if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') hint = '; check that the directory is writable';
  return new MlpsError('IO_ERROR', `cannot ${action} journal ${target}: ${reason}${hint}`, { cause: err });
}

/**
 * Appends samples to a journal file. {@link JournalWriter.append} only buffers; {@link JournalWriter.flush}
 * (called once per tick) hands every buffered line to the kernel in a single `write`, so the data
 * survives the process being killed (not a power cut: that needs the fsync done by `close()`).
 */
export class JournalWriter {
  /** The journal's path. */
  readonly path: string;
  private fd: number | null;
  private pending: string[] = [];
  // Bytes a failed write did not get to the kernel; written first next time, so no line is torn or lost.
  private unwritten: Buffer | null = null;
  private lines = 0;
  private bytes = 0;

  private constructor(target: string, fd: number) {
    this.path = target;
    this.fd = fd;
  }

  /**
   * Creates the journal (never overwrites an existing file) and writes the header line. The directory
   * must exist.
   *
   * @throws MlpsError `IO_ERROR` naming the path (missing directory, file exists, not writable).
   */
  static open(target: string, header: JournalHeader): JournalWriter {
    let fd: number;
    try {
      fd = fs.openSync(target, 'wx', 0o644);
    } catch (err) {
      throw ioError(target, 'create', err);
    }
    const writer = new JournalWriter(target, fd);
    const line = {
      type: 'header',
      format: JOURNAL_FORMAT,
      format_version: JOURNAL_FORMAT_VERSION,
      collection_interval_seconds: header.collection_interval_seconds,
      hosts_requested: header.hosts_requested,
      collection_method: header.collection_method,
      start_time: header.start_time,
      start_time_ms: header.start_time_ms ?? fieldTimeMs(header.start_time, undefined),
    };
    writer.pending.push(`${JSON.stringify(line)}\n`);
    try {
      writer.flush();
    } catch (err) {
      writer.closeQuietly();
      throw err;
    }
    writer.lines = 0;
    return writer;
  }

  /** Buffers one sample of `host` (the requested host name) until the next {@link JournalWriter.flush}. */
  append(host: string, sample: TimeSeriesSample): void {
    if (this.fd === null) throw new MlpsError('INVALID_STATE', `journal ${this.path} is closed; cannot append`);
    this.pending.push(`${JSON.stringify({ host, sample })}\n`);
  }

  /** Lines appended but not yet handed to the kernel. */
  get pendingLines(): number {
    return this.pending.length;
  }

  /** Sample lines handed to the kernel so far. */
  get linesWritten(): number {
    return this.lines;
  }

  /** Bytes handed to the kernel so far (header included). */
  get bytesWritten(): number {
    return this.bytes;
  }

  /** True after {@link JournalWriter.close}. */
  get closed(): boolean {
    return this.fd === null;
  }

  /**
   * Writes every buffered line with one `write(2)`. On failure (disk full…) the unwritten bytes stay
   * buffered and are written first by the next flush, so the file never gets a torn line from us.
   *
   * @throws MlpsError `IO_ERROR`.
   */
  flush(): void {
    if (this.fd === null) return;
    if (this.pending.length === 0 && this.unwritten === null) return;
    const fresh = this.pending.length > 0 ? Buffer.from(this.pending.join(''), 'utf8') : null;
    const freshLines = this.pending.length;
    const buffer = this.unwritten && fresh ? Buffer.concat([this.unwritten, fresh]) : (this.unwritten ?? fresh)!;
    this.pending = [];
    this.unwritten = null;
    let offset = 0;
    try {
      while (offset < buffer.length) offset += fs.writeSync(this.fd, buffer, offset, buffer.length - offset);
    } catch (err) {
      this.unwritten = buffer.subarray(offset);
      this.bytes += offset;
      throw ioError(this.path, 'write', err);
    }
    this.bytes += offset;
    this.lines += freshLines;
  }

  /**
   * Flushes, fsyncs and closes the file. Idempotent: later calls do nothing.
   *
   * @throws MlpsError `IO_ERROR` when the final write fails (the file is closed anyway).
   */
  close(): void {
    if (this.fd === null) return;
    try {
      this.flush();
      fs.fsyncSync(this.fd);
    } catch (err) {
      this.closeQuietly();
      throw err instanceof MlpsError ? err : ioError(this.path, 'fsync', err);
    }
    this.closeQuietly();
  }

  private closeQuietly(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fs.closeSync(fd);
    } catch {
      // Nothing useful to do: the descriptor is gone either way.
    }
  }
}

/** What {@link readJournalWithReport} found besides the samples. */
export interface JournalReadReport {
  /** The rebuilt run document. */
  data: TimeSeriesData;
  /** Samples recovered per host. */
  samplesPerHost: Record<string, number>;
  /** Same as {@link JournalReadReport.samplesPerHost} (the name used in the module contracts). */
  samplesByHost: Record<string, number>;
  /** True when the last line was incomplete or unreadable (a crash mid-write) and was dropped. */
  tornLastLine: boolean;
  /** Unreadable lines before the last one, skipped. */
  badLines: number;
  /** The header line, or null when the journal has none. */
  header: JournalHeader | null;
}

const NEWLINE = 0x0a;

// Trailing whitespace and NUL bytes: a crash on some filesystems leaves a run of zeros at the end.
function trimLine(text: string): string {
  return text.replace(/^[\s\0]+|[\s\0]+$/g, '');
}

function parseHeader(value: Record<string, unknown>, target: string): JournalHeader {
  const version = value.format_version;
  if (typeof version === 'number' && version > JOURNAL_FORMAT_VERSION) {
    throw new MlpsError(
      'INVALID_FORMAT',
      `journal ${target}: format_version ${version} is newer than this mlps reads (${JOURNAL_FORMAT_VERSION}); upgrade @mlps/timeseries`,
    );
  }
  const interval = value.collection_interval_seconds;
  const hosts = value.hosts_requested;
  const method = value.collection_method;
  const start = value.start_time;
  const startMs = fieldTimeMs(start, value.start_time_ms);
  return {
    collection_interval_seconds: typeof interval === 'number' && Number.isFinite(interval) && interval >= 0 ? interval : NaN,
    hosts_requested: Array.isArray(hosts) ? hosts.filter((h): h is string => typeof h === 'string') : [],
    collection_method: method === 'local' || method === 'ssh' || method === 'mixed' ? method : 'local',
    start_time: startMs === null ? null : formatReferenceTimestamp(startMs),
    start_time_ms: startMs === null ? null : Math.round(startMs),
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Rebuilds the run document from a journal and reports what it had to skip. The file is streamed
 * (memory grows with the samples kept, not with the file's size in text). Tolerates a torn last line,
 * a missing header, blank lines and unreadable lines in the middle (counted in `badLines`).
 *
 * - `collection_interval_seconds`: from the header, else the median gap between consecutive samples of
 *   a host (rounded to the millisecond), else 0 (unknown);
 * - `hosts_requested`: from the header, else the hosts in the order their first sample appears;
 * - `start_time`: the header's, else the earliest sample; `end_time`: the latest sample;
 * - `collection_method`: the header's, else `local`.
 *
 * @throws MlpsError `IO_ERROR` when the file cannot be read, `INVALID_FORMAT` for a newer journal format.
 */
export async function readJournalWithReport(target: string): Promise<JournalReadReport> {
  let header: JournalHeader | null = null;
  const samplesByHost = new Map<string, TimeSeriesSample[]>();
  const lastMsByHost = new Map<string, number>();
  const deltasMs: number[] = [];
  let earliest: { ms: number; text: string } | null = null;
  let latest: { ms: number; text: string } | null = null;
  let badLines = 0;
  // An unreadable line only counts as bad once a readable one follows it; if none does, it was the
  // line being written when the writer died.
  let trailingInvalid = false;
  let lineNumber = 0;

  const handle = (raw: string): void => {
    lineNumber++;
    const text = trimLine(raw);
    if (text === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (trailingInvalid) badLines++;
      trailingInvalid = true;
      return;
    }
    let ok = false;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      if (record.type === 'header' && (record.format === JOURNAL_FORMAT || record.format === undefined)) {
        if (header === null) header = parseHeader(record, target);
        ok = true;
      } else if (typeof record.host === 'string') {
        let sample: TimeSeriesSample | null = null;
        try {
          sample = validateSample(record.sample, `line ${lineNumber}.sample`);
        } catch {
          sample = null;
        }
        if (sample !== null) {
          ok = true;
          const host = record.host;
          let list = samplesByHost.get(host);
          if (list === undefined) samplesByHost.set(host, (list = []));
          list.push(sample);
          const ms = sampleTimeMs(sample)!;
          const previous = lastMsByHost.get(host);
          if (previous !== undefined && ms > previous) deltasMs.push(ms - previous);
          lastMsByHost.set(host, ms);
          if (earliest === null || ms < earliest.ms) earliest = { ms, text: sample.timestamp };
          if (latest === null || ms > latest.ms) latest = { ms, text: sample.timestamp };
        }
      }
    }
    if (trailingInvalid) badLines++;
    trailingInvalid = !ok;
  };

  try {
    const stream = createReadStream(target, { highWaterMark: 1 << 20 });
    let carry: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      let at = chunk.indexOf(NEWLINE, start);
      while (at !== -1) {
        const piece = chunk.subarray(start, at);
        if (carry.length > 0) {
          carry.push(piece);
          handle(Buffer.concat(carry).toString('utf8'));
          carry = [];
        } else {
          handle(piece.toString('utf8'));
        }
        start = at + 1;
        at = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length) carry.push(chunk.subarray(start));
    }
    // A last line without its newline is complete only if it parses: every line ends with `}`, so any
    // strict prefix of one is invalid JSON.
    if (carry.length > 0) handle(Buffer.concat(carry).toString('utf8'));
  } catch (err) {
    if (err instanceof MlpsError) throw err;
    throw ioError(target, 'read', err);
  }

  const head = header as JournalHeader | null;
  const hostsRequested = head !== null && head.hosts_requested.length > 0 ? [...head.hosts_requested] : [...samplesByHost.keys()];
  const samples_by_host: Record<string, TimeSeriesSample[]> = {};
  for (const host of hostsRequested) samples_by_host[host] = samplesByHost.get(host) ?? [];
  for (const [host, list] of samplesByHost) if (!(host in samples_by_host)) samples_by_host[host] = list;

  const samplesPerHost: Record<string, number> = {};
  const hostStatus: Record<string, HostStatusRecord> = {};
  let numSamples = 0;
  for (const [host, list] of Object.entries(samples_by_host)) {
    samplesPerHost[host] = list.length;
    numSamples += list.length;
    hostStatus[host] = deriveHostStatus(list);
  }
  let interval = head !== null && Number.isFinite(head.collection_interval_seconds) ? head.collection_interval_seconds : NaN;
  if (!Number.isFinite(interval)) {
    const gap = median(deltasMs);
    interval = gap === null ? 0 : Math.round(gap) / 1000;
  }
  const first = earliest as { ms: number; text: string } | null;
  const last = latest as { ms: number; text: string } | null;
  const startMs = head?.start_time_ms ?? first?.ms ?? null;
  const endMs = last?.ms ?? null;
  const data: TimeSeriesData = {
    collection_interval_seconds: interval,
    start_time: startMs === null ? null : formatReferenceTimestamp(startMs),
    end_time: endMs === null ? null : formatReferenceTimestamp(endMs),
    num_samples: numSamples,
    samples_by_host,
    collection_method: head?.collection_method ?? 'local',
    hosts_requested: hostsRequested,
    hosts_collected: Object.keys(samples_by_host).filter((host) => (samples_by_host[host] ?? []).some(isGoodSample)),
    format_version: FORMAT_VERSION,
    start_time_ms: startMs === null ? null : Math.round(startMs),
    end_time_ms: endMs === null ? null : Math.round(endMs),
    host_status: hostStatus,
  };
  return { data, samplesPerHost, samplesByHost: samplesPerHost, tornLastLine: trailingInvalid, badLines, header: head };
}

/** Rebuilds the run document from a journal; see {@link readJournalWithReport} for what is tolerated. */
export async function readJournal(target: string): Promise<TimeSeriesData> {
  return (await readJournalWithReport(target)).data;
}
