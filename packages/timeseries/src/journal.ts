/**
 * The crash-safe journal (`*_timeseries.jsonl`, DESIGN §3), appended while collecting and handed to the
 * kernel every tick, so a SIGKILL loses at most the tick being written. `readJournal` rebuilds the run
 * document from it, tolerating the torn line a crash leaves behind.
 *
 * Format v2, one JSON value per line:
 * - a header: `{"type":"header","format":"mlps-timeseries-journal","format_version":2,
 *   "collection_interval_seconds":10,"hosts_requested":["h1"],"collection_method":"local",
 *   "start_time":"2026-01-24T12:00:00Z","start_time_ms":1769256000000}`;
 * - a layout when a host's sample shape changes (first sample, devices or interfaces changed):
 *   `{"type":"layout","id":1,"host":"h1","template":{"timestamp":null,"timestamp_ms":null,"hostname":"node1",
 *   "diskstats":[{"major":null,…,"device_name":"sda",…}],…}}` (strings filled in, numbers `null`);
 * - a row per sample: `[1,1769256000001,8,0,…]`: layout id, `timestamp_ms`, then the template's numeric
 *   leaves in depth-first document order (`null` for a missing or non-finite value);
 * - a whole sample `{"host":"h1","sample":{…}}` for what a row cannot express (error samples, odd shapes).
 * Format v1 journals (a header, then only whole-sample lines) read the same way.
 */
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlpsError } from './errors';
import { invalidArgument } from './errors';
import { FORMAT_VERSION, isGoodSample, validateSample } from './format';
import { HostHealthTracker, lastSampleError, type SampleOutcome } from './host-health';
import { JournalLayout, matchSample, templateOfSample, type WriterLayout } from './journal-layout';
import { fieldTimeMs, formatReferenceTimestamp, sampleTimeMs } from './timestamps';
import type { CollectionMethod, HostStatusRecord, TimeSeriesData, TimeSeriesSample } from './types';

/** The `format` value of a journal header line. */
export const JOURNAL_FORMAT = 'mlps-timeseries-journal';

/**
 * The journal's own line-format version, in its header's `format_version` (independent of the document's
 * {@link FORMAT_VERSION}): 1 = one JSON sample per line; 2 = layouts and rows. Readers take both.
 */
export const JOURNAL_FORMAT_VERSION = 2;

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

/** Whether `value` is a usable {@link JournalWriterOptions.maxPendingBytes}: a non-negative safe integer. */
function validMaxPending(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
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

/** Rows buffered before the first flush grow the write buffer from this size (doubling). */
const FIRST_BUFFER_BYTES = 64 * 1024;

/**
 * Default {@link JournalWriterOptions.maxPendingBytes}: unwritten journal bytes kept for retry while the disk
 * refuses them (~1,300 rows of a local sample; 64 hosts x ~20 ticks).
 */
export const DEFAULT_JOURNAL_MAX_PENDING_BYTES = 4 * 1024 * 1024;

/** Options of {@link JournalWriter.open}. */
export interface JournalWriterOptions {
  /**
   * Most bytes buffered and not yet handed to the kernel (lines whose write failed, e.g. a full disk, and
   * the lines of the tick being built). When a line would pass it, the buffer is written at once; if that
   * write fails, the journal stops for good ({@link JournalWriter.stopped}): the file keeps every complete
   * line it got, later lines are counted in {@link JournalWriter.droppedLines}, nothing more is buffered.
   * A single line longer than the bound is still taken. Default {@link DEFAULT_JOURNAL_MAX_PENDING_BYTES}.
   */
  maxPendingBytes?: number;
}
/** Most recent layouts tried per host before a new one is declared (devices that come and go). */
const RECENT_LAYOUTS_PER_HOST = 4;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Appends samples to a journal file (format v2: layouts and rows, see the module comment).
 * {@link JournalWriter.append} and the row methods only buffer; {@link JournalWriter.flush} (called once
 * per tick) hands every buffered line to the kernel in a single `write`, so the data survives the process
 * being killed (not a power cut: that needs the fsync done by `close()`). Lines the disk refuses are
 * retried each flush, up to {@link JournalWriterOptions.maxPendingBytes}; past it the journal stops (see
 * {@link JournalWriter.stopped}) rather than grow without bound.
 *
 * Two ways in: `append(host, sample)` takes a sample object and derives its layout and row itself
 * (declaring a layout only when the host's shape changed); `appendLayout(host, template)` and
 * `appendRow(layoutId, values, count)` are the zero-allocation path for a writer that already holds the
 * numbers in columns: the row is formatted straight into the write buffer.
 */
export class JournalWriter {
  /** The journal's path. */
  readonly path: string;
  private fd: number | null;
  // The write queue: bytes [0, len) not yet handed to the kernel (a failed write leaves its rest here).
  private buf: Buffer = Buffer.alloc(0);
  private len = 0;
  private pending = 0;
  private lines = 0;
  private bytes = 0;
  // File offset just past the last complete line: where a stopped journal is cut back to.
  private completeBytes = 0;
  private readonly maxPending: number;
  private isStopped = false;
  private dropped = 0;
  private stopError: MlpsError | null = null;
  private nextLayoutId = 1;
  private readonly leavesById = new Map<number, number>();
  private readonly recentByHost = new Map<string, WriterLayout[]>();
  private scratch = new Float64Array(1024);

  private constructor(target: string, fd: number, maxPendingBytes: number) {
    this.path = target;
    this.fd = fd;
    this.maxPending = maxPendingBytes;
  }

  /**
   * Creates the journal (never overwrites an existing file) and writes the header line. The directory
   * must exist.
   *
   * @throws MlpsError `IO_ERROR` naming the path (missing directory, file exists, not writable);
   *   `INVALID_ARGUMENT` for a `maxPendingBytes` that is not a non-negative integer.
   */
  static open(target: string, header: JournalHeader, options: JournalWriterOptions = {}): JournalWriter {
    const maxPendingBytes = options.maxPendingBytes ?? DEFAULT_JOURNAL_MAX_PENDING_BYTES;
    if (!validMaxPending(maxPendingBytes)) {
      throw invalidArgument(`maxPendingBytes must be a non-negative integer, got ${String(maxPendingBytes)}`);
    }
    let fd: number;
    try {
      fd = fs.openSync(target, 'wx', 0o644);
    } catch (err) {
      throw ioError(target, 'create', err);
    }
    const writer = new JournalWriter(target, fd, maxPendingBytes);
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
    writer.text(`${JSON.stringify(line)}\n`);
    try {
      writer.flush();
    } catch (err) {
      writer.closeQuietly();
      // Ours and without its header (a full disk): no file is left that a reader would take for a journal.
      try {
        fs.unlinkSync(target);
      } catch {
        // Already gone.
      }
      throw err;
    }
    writer.lines = 0;
    return writer;
  }

  /**
   * Buffers one sample of `host` (the requested host name, the `samples_by_host` key) until the next
   * {@link JournalWriter.flush}: as a row of its host's current layout (a layout line first when the
   * shape changed), or whole as a `{host, sample}` line when a row cannot express it (an error sample,
   * a timestamp not in the reference form of its `timestamp_ms`, odd values).
   */
  append(host: string, sample: TimeSeriesSample): void {
    if (!this.checkOpen()) {
      this.dropped++;
      return;
    }
    let recent = this.recentByHost.get(host);
    if (recent === undefined) this.recentByHost.set(host, (recent = []));
    for (let r = 0; r < recent.length; r++) {
      const layout = recent[r] as WriterLayout;
      this.ensureScratch(layout.leaves + 1);
      if (matchSample(layout, sample, this.scratch)) {
        if (r > 0) {
          recent.splice(r, 1);
          recent.unshift(layout);
        }
        this.appendRow(layout.id, this.scratch, layout.leaves + 1);
        return;
      }
    }
    const template = templateOfSample(sample);
    if (template !== null) {
      const id = this.declareLayout(host, template.text, template.leaves);
      const layout: WriterLayout = { id, root: template.root, leaves: template.leaves };
      this.ensureScratch(layout.leaves + 1);
      if (matchSample(layout, sample, this.scratch)) {
        recent.unshift(layout);
        if (recent.length > RECENT_LAYOUTS_PER_HOST) recent.pop();
        this.appendRow(id, this.scratch, layout.leaves + 1);
        return;
      }
    }
    if (this.text(`${JSON.stringify({ host, sample })}\n`)) this.pending++;
    else this.dropped++;
  }

  /**
   * Declares a sample shape of `host` and returns its layout id for {@link JournalWriter.appendRow}.
   * `template` is the sample's JSON skeleton: every key in document order, strings filled in, every
   * numeric leaf `null` (the root's `timestamp`/`timestamp_ms`, if present, are filled from each row).
   *
   * @throws MlpsError `INVALID_ARGUMENT` when `template` is not such a skeleton (a number in it, not an object).
   */
  appendLayout(host: string, template: unknown): number {
    const open = this.checkOpen();
    const parsed = JournalLayout.fromTemplate(0, host, template);
    if (parsed === null) throw invalidArgument('appendLayout: the template must be a JSON object whose numeric leaves are null');
    // A stopped journal hands out ids all the same: the rows of it are counted as dropped.
    if (!open) return this.nextLayoutId++;
    return this.declareLayout(host, JSON.stringify(template), parsed.leaves);
  }

  /**
   * Buffers one row: `values[0]` is the sample's `timestamp_ms` (integer epoch ms), then the layout's
   * numeric leaves in depth-first document order; `count` is how many of `values` to write (the
   * layout's leaves + 1). NaN and ±Infinity are written `null`. Formats straight into the write buffer.
   *
   * @throws MlpsError `INVALID_ARGUMENT` for an unknown layout or a count that does not fit it.
   */
  appendRow(layoutId: number, values: ArrayLike<number>, count: number): void {
    if (!this.checkOpen()) {
      this.dropped++;
      return;
    }
    const leaves = this.leavesById.get(layoutId);
    if (leaves === undefined || count !== leaves + 1 || values.length < count) {
      throw invalidArgument(`appendRow: layout ${layoutId} takes ${leaves === undefined ? '(unknown layout)' : leaves + 1} values, got ${count}`);
    }
    if (!this.reserve(24 * (count + 1) + 4)) {
      this.dropped++;
      return;
    }
    this.buf[this.len++] = 0x5b; // [
    this.integer(layoutId);
    for (let i = 0; i < count; i++) {
      this.buf[this.len++] = 0x2c; // ,
      this.number(values[i] as number);
    }
    this.buf[this.len++] = 0x5d; // ]
    this.buf[this.len++] = 0x0a;
    this.pending++;
  }

  /** Lines appended but not yet handed to the kernel. */
  get pendingLines(): number {
    return this.pending;
  }

  /** Sample lines (rows and whole samples) handed to the kernel so far. */
  get linesWritten(): number {
    return this.lines;
  }

  /** Bytes handed to the kernel so far (header and layouts included). */
  get bytesWritten(): number {
    return this.bytes;
  }

  /** Bytes buffered and not yet handed to the kernel (bounded by `maxPendingBytes`, plus one line). */
  get pendingBytes(): number {
    return this.len;
  }

  /** The `maxPendingBytes` bound in force. */
  get maxPendingBytes(): number {
    return this.maxPending;
  }

  /**
   * True once the journal gave up (see {@link JournalWriterOptions.maxPendingBytes}): the file holds
   * {@link JournalWriter.linesWritten} complete sample lines and no more will be added; appends are
   * counted in {@link JournalWriter.droppedLines} and do nothing else.
   */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** Sample lines (rows and whole samples) that are not in the file: the journal stopped, or `close()` could not write them. */
  get droppedLines(): number {
    return this.dropped;
  }

  /** The write failure that stopped the journal, or null. */
  get stopReason(): MlpsError | null {
    return this.stopError;
  }

  /** True after {@link JournalWriter.close} (or once the journal stopped, which closes the file). */
  get closed(): boolean {
    return this.fd === null;
  }

  /**
   * Writes every buffered line with one `write(2)`. On failure (disk full…) the lines written whole stay
   * in the file, a line cut by the failure is cut back out of it, and the rest stays buffered and is
   * written first by the next flush, so the file never ends in a torn line of ours. Does nothing once
   * the journal stopped or closed.
   *
   * @throws MlpsError `IO_ERROR`.
   */
  flush(): void {
    if (this.fd === null || this.len === 0) return;
    let offset = 0;
    try {
      while (offset < this.len) offset += fs.writeSync(this.fd, this.buf, offset, this.len - offset);
    } catch (err) {
      this.keepCompleteLines(this.fd, offset);
      throw ioError(this.path, 'write', err);
    }
    this.bytes += offset;
    this.completeBytes = this.bytes;
    this.len = 0;
    this.lines += this.pending;
    this.pending = 0;
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
      // What the last write could not take is lost with the descriptor: counted, like a stopped journal's.
      this.dropped += this.pending;
      this.pending = 0;
      this.len = 0;
      this.closeQuietly();
      throw err instanceof MlpsError ? err : ioError(this.path, 'fsync', err);
    }
    this.closeQuietly();
  }

  /** True when lines may be appended; false once stopped (the caller counts the line as dropped). */
  private checkOpen(): boolean {
    if (this.isStopped) return false;
    if (this.fd === null) throw new MlpsError('INVALID_STATE', `journal ${this.path} is closed; cannot append`);
    return true;
  }

  /**
   * After a write that failed having written `written` bytes of the buffer: keeps the lines written whole
   * (counted), cuts a line the failure tore back out of the file (`ftruncate`; if even that fails, the
   * rest of the line stays buffered to complete it) and keeps the unwritten rest buffered. Runs only on
   * failure, so scanning the written bytes for line starts costs nothing in a healthy run.
   */
  private keepCompleteLines(fd: number, written: number): void {
    let whole = written;
    while (whole > 0 && this.buf[whole - 1] !== NEWLINE) whole--;
    let kept = written;
    if (whole < written) {
      try {
        fs.ftruncateSync(fd, this.bytes + whole);
        kept = whole;
      } catch {
        // The torn part stays in the file; its rest stays buffered and completes it on a later write.
      }
    }
    const samples = this.countSampleLines(0, whole);
    this.lines += samples;
    this.pending -= samples;
    this.bytes += kept;
    this.completeBytes += whole;
    this.buf.copyWithin(0, kept, this.len);
    this.len -= kept;
  }

  /** Sample lines (a row `[…` or a whole sample `{"host"…`, not a header or layout `{"type"…`) in buf[from, to). */
  private countSampleLines(from: number, to: number): number {
    let n = 0;
    let start = from;
    for (let i = from; i < to; i++) {
      if (this.buf[i] !== NEWLINE) continue;
      const first = this.buf[start];
      if (first === 0x5b || (first === 0x7b && this.buf[start + 2] === 0x68)) n++;
      start = i + 1;
    }
    return n;
  }

  /**
   * Gives up for good (the bound was reached and the disk still refuses): every buffered line is dropped
   * and counted, the file is cut back to its last complete line, fsynced if possible and closed.
   */
  private stop(error: MlpsError): void {
    this.isStopped = true;
    this.stopError = error;
    this.dropped += this.pending;
    this.pending = 0;
    this.len = 0;
    this.buf = Buffer.alloc(0);
    const fd = this.fd;
    if (fd === null) return;
    try {
      if (this.completeBytes < this.bytes) fs.ftruncateSync(fd, this.completeBytes);
      fs.fsyncSync(fd);
    } catch {
      // The lines it has are in the page cache all the same; close() below releases the descriptor.
    }
    this.closeQuietly();
  }

  private declareLayout(host: string, templateText: string, leaves: number): number {
    const id = this.nextLayoutId++;
    this.leavesById.set(id, leaves);
    this.text(`{"type":"layout","id":${id},"host":${JSON.stringify(host)},"template":${templateText}}\n`);
    return id;
  }

  private ensureScratch(n: number): void {
    if (this.scratch.length < n) this.scratch = new Float64Array(Math.max(n, this.scratch.length * 2));
  }

  /**
   * Makes room for `extra` more bytes; false when the journal stopped instead. Past `maxPendingBytes` the
   * buffer is written at once (a tick bigger than the bound); if that fails the journal stops. Allocates
   * only when the buffer grows.
   */
  private reserve(extra: number): boolean {
    if (this.len > 0 && this.len + extra > this.maxPending) {
      try {
        this.flush();
      } catch (err) {
        this.stop(err instanceof MlpsError ? err : ioError(this.path, 'write', err));
        return false;
      }
    }
    if (this.len + extra <= this.buf.length) return true;
    let size = Math.max(FIRST_BUFFER_BYTES, this.buf.length * 2);
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
    return true;
  }

  /** Buffers a whole line; false when the journal stopped instead. */
  private text(line: string): boolean {
    if (!this.reserve(Buffer.byteLength(line, 'utf8'))) return false;
    this.len += this.buf.write(line, this.len, 'utf8');
    return true;
  }

  // Digits written backwards then reversed: no string for the common integer counter.
  private integer(value: number): void {
    let x = value;
    if (x < 0) {
      this.buf[this.len++] = 0x2d;
      x = -x;
    }
    if (x === 0) {
      this.buf[this.len++] = 0x30;
      return;
    }
    const start = this.len;
    while (x > 0) {
      const q = Math.floor(x / 10);
      this.buf[this.len++] = 0x30 + (x - q * 10);
      x = q;
    }
    for (let i = start, j = this.len - 1; i < j; i++, j--) {
      const t = this.buf[i] as number;
      this.buf[i] = this.buf[j] as number;
      this.buf[j] = t;
    }
  }

  private number(value: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.len += this.buf.write('null', this.len, 'latin1');
    } else if (Number.isInteger(value) && value <= MAX_SAFE && value >= -MAX_SAFE) {
      this.integer(value);
    } else if (!this.centi(value)) {
      this.len += this.buf.write(String(value), this.len, 'latin1');
    }
  }

  /**
   * Writes a value that is exactly `c / 100` (loadavg, PSI averages, uptime) as `String(value)` would,
   * without making the string; false (nothing written) for any other value. Below 1e12 the doubles are
   * dense enough that the shortest text of `c / 100` is its two decimals without trailing zeros.
   */
  private centi(value: number): boolean {
    if (!(value < 1e12 && value > -1e12)) return false;
    const c = Math.round(value * 100);
    if (c / 100 !== value) return false;
    let a = c;
    if (a < 0) {
      this.buf[this.len++] = 0x2d;
      a = -a;
    }
    const whole = Math.floor(a / 100);
    const cents = a - whole * 100;
    this.integer(whole);
    if (cents !== 0) {
      this.buf[this.len++] = 0x2e;
      const tens = Math.floor(cents / 10);
      const ones = cents - tens * 10;
      this.buf[this.len++] = 0x30 + tens;
      if (ones !== 0) this.buf[this.len++] = 0x30 + ones;
    }
    return true;
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

function median(values: ArrayLike<number>, count: number): number | null {
  if (count === 0) return null;
  const sorted = Float64Array.from({ length: count }, (_, i) => values[i] as number).sort();
  const mid = count >> 1;
  return count % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One sample of a journal: a row of a layout, or a whole `{host, sample}` line. Rebuilt lazily. */
export class JournalSampleRecord {
  readonly kind = 'sample' as const;
  /** The `samples_by_host` key. */
  readonly host: string;
  /** The sample's exact time (its `timestamp_ms`, else its parsed `timestamp`), or null. */
  readonly timeMs: number | null;
  /** The row's layout (null for a whole sample). */
  readonly layout: JournalLayout | null;
  /** The row (`[id, timestamp_ms, …leaves]`; values start at index 1), or null for a whole sample. */
  readonly row: ArrayLike<number | null> | null;
  private whole: TimeSeriesSample | null;

  constructor(host: string, timeMs: number | null, layout: JournalLayout | null, row: ArrayLike<number | null> | null, whole: TimeSeriesSample | null) {
    this.host = host;
    this.timeMs = timeMs;
    this.layout = layout;
    this.row = row;
    this.whole = whole;
  }

  /** True when the sample holds a collected source (see `isGoodSample`). */
  get isGood(): boolean {
    return this.layout !== null ? this.layout.hasData : isGoodSample(this.whole as TimeSeriesSample);
  }

  /** The sample's `errors`, when it has any (rows never do). */
  get errors(): Record<string, string> | undefined {
    return this.whole?.errors;
  }

  /** The sample object (built on each call for a row: callers that only write text use the row). */
  toSample(): TimeSeriesSample {
    if (this.whole !== null) return this.whole;
    return (this.layout as JournalLayout).toSample(this.row as ArrayLike<number | null>, 1) as unknown as TimeSeriesSample;
  }
}

/** What {@link JournalDecoder.parseLine} makes of one line. */
export type JournalRecord =
  | { kind: 'blank' }
  | { kind: 'invalid' }
  | { kind: 'header'; header: JournalHeader; fields: Record<string, unknown> }
  | { kind: 'layout'; layout: JournalLayout }
  | JournalSampleRecord;

/**
 * The one journal reader (recover, export, report and the live tail all use it): turns each line of a
 * v1 or v2 journal into a record, keeping the layouts seen so far. Never throws for bad input (an
 * unreadable line is `invalid`), except `INVALID_FORMAT` for a header of a newer journal format.
 */
export class JournalDecoder {
  /** The header, once its line was read. */
  header: JournalHeader | null = null;
  /** The header's fields as written. */
  headerFields: Record<string, unknown> | null = null;
  /** Layouts by id. */
  readonly layouts = new Map<number, JournalLayout>();

  constructor(private readonly source = 'journal') {}

  /** Parses one line (without its newline). */
  parseLine(raw: string): JournalRecord {
    const text = trimLine(raw);
    if (text === '') return { kind: 'blank' };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { kind: 'invalid' };
    }
    if (Array.isArray(value)) return this.row(value);
    if (!isRecord(value)) return { kind: 'invalid' };
    if (value.type === 'header' && (value.format === JOURNAL_FORMAT || value.format === undefined)) {
      const header = parseHeader(value, this.source);
      if (this.header === null) {
        this.header = header;
        this.headerFields = value;
      }
      return { kind: 'header', header, fields: value };
    }
    if (value.type === 'layout') {
      const { id, host } = value;
      if (typeof id !== 'number' || !Number.isInteger(id) || typeof host !== 'string') return { kind: 'invalid' };
      const layout = JournalLayout.fromTemplate(id, host, value.template);
      if (layout === null) return { kind: 'invalid' };
      this.layouts.set(id, layout);
      return { kind: 'layout', layout };
    }
    if (typeof value.host === 'string') {
      let sample: TimeSeriesSample;
      try {
        sample = validateSample(value.sample, 'sample');
      } catch {
        return { kind: 'invalid' };
      }
      return new JournalSampleRecord(value.host, sampleTimeMs(sample), null, null, sample);
    }
    return { kind: 'invalid' };
  }

  private row(row: unknown[]): JournalRecord {
    const layout = this.layouts.get(row[0] as number);
    if (layout === undefined || row.length !== layout.leaves + 2) return { kind: 'invalid' };
    const ms = row[1];
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return { kind: 'invalid' };
    for (let i = 2; i < row.length; i++) {
      const v = row[i];
      if (v !== null && typeof v !== 'number') return { kind: 'invalid' };
    }
    return new JournalSampleRecord(layout.host, ms, layout, row as Array<number | null>, null);
  }
}

/**
 * Parses one journal line with `decoder` (which keeps the layouts): the shared entry point of every
 * journal reader. See {@link JournalDecoder}.
 */
export function parseJournalLine(decoder: JournalDecoder, line: string): JournalRecord {
  return decoder.parseLine(line);
}

/**
 * Everything about a run a journal tells besides the samples themselves, accumulated record by record
 * (bounded: numbers per host and one gap per sample), so the document's fields can be written before
 * its samples.
 */
export class JournalRunSummary {
  private readonly counts = new Map<string, number>();
  // The one host-health rule (host-health.ts), fed outcomes so rows need no sample object.
  private readonly health = new Map<string, HostHealthTracker>();
  private readonly lastMs = new Map<string, number>();
  private gaps = new Float64Array(1024);
  private gapCount = 0;
  private earliest: number | null = null;
  private latest: number | null = null;

  /** Adds one sample record. */
  add(record: JournalSampleRecord): void {
    const host = record.host;
    this.counts.set(host, (this.counts.get(host) ?? 0) + 1);
    let tracker = this.health.get(host);
    if (tracker === undefined) this.health.set(host, (tracker = new HostHealthTracker(host)));
    const ms = record.timeMs;
    const outcome: SampleOutcome = { good: record.isGood, atMs: ms ?? NaN };
    const errors = record.errors;
    if (errors !== undefined) {
      const last = lastSampleError(record.toSample());
      if (last !== undefined) outcome.error = last;
    }
    tracker.recordOutcome(outcome);
    if (ms === null) return;
    const previous = this.lastMs.get(host);
    if (previous !== undefined && ms > previous) {
      if (this.gapCount === this.gaps.length) {
        const next = new Float64Array(this.gaps.length * 2);
        next.set(this.gaps);
        this.gaps = next;
      }
      this.gaps[this.gapCount++] = ms - previous;
    }
    this.lastMs.set(host, ms);
    if (this.earliest === null || ms < this.earliest) this.earliest = ms;
    if (this.latest === null || ms > this.latest) this.latest = ms;
  }

  /** Samples seen per host, in first-seen order. */
  get samplesPerHost(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /**
   * The document without `samples_by_host`, in the document's key order (`samples_by_host` goes after
   * `num_samples`), as {@link readJournalWithReport} documents it.
   */
  documentFields(header: JournalHeader | null): { fields: Omit<TimeSeriesData, 'samples_by_host'>; hosts: string[] } {
    const hostsRequested = header !== null && header.hosts_requested.length > 0 ? [...header.hosts_requested] : [...this.counts.keys()];
    const hosts = [...hostsRequested];
    for (const host of this.counts.keys()) if (!hosts.includes(host)) hosts.push(host);
    const hostStatus: Record<string, HostStatusRecord> = {};
    let numSamples = 0;
    for (const host of hosts) {
      numSamples += this.counts.get(host) ?? 0;
      hostStatus[host] = (this.health.get(host) ?? new HostHealthTracker(host)).toStatusRecord();
    }
    let interval = header !== null && Number.isFinite(header.collection_interval_seconds) ? header.collection_interval_seconds : NaN;
    if (!Number.isFinite(interval)) {
      const gap = median(this.gaps, this.gapCount);
      interval = gap === null ? 0 : Math.round(gap) / 1000;
    }
    const startMs = header?.start_time_ms ?? this.earliest;
    const endMs = this.latest;
    const fields = {
      collection_interval_seconds: interval,
      start_time: startMs === null ? null : formatReferenceTimestamp(startMs),
      end_time: endMs === null ? null : formatReferenceTimestamp(endMs),
      num_samples: numSamples,
      collection_method: header?.collection_method ?? 'local',
      hosts_requested: hostsRequested,
      hosts_collected: hosts.filter((host) => (this.health.get(host)?.counts.goodSamples ?? 0) > 0),
      format_version: FORMAT_VERSION,
      start_time_ms: startMs === null ? null : Math.round(startMs),
      end_time_ms: endMs === null ? null : Math.round(endMs),
      host_status: hostStatus,
    };
    return { fields, hosts };
  }
}

/**
 * Rebuilds the run document from a journal and reports what it had to skip. The file is streamed
 * (memory grows with the samples kept, not with the file's size in text). Tolerates a torn last line,
 * a missing header, blank lines and unreadable lines in the middle (counted in `badLines`). Reads v1
 * (one JSON sample per line) and v2 (layouts and rows) journals.
 *
 * - `collection_interval_seconds`: from the header, else the median gap between consecutive samples of
 *   a host (rounded to the millisecond), else 0 (unknown);
 * - `hosts_requested`: from the header, else the hosts in the order their first sample appears;
 * - `start_time`: the header's, else the earliest sample; `end_time`: the latest sample;
 * - `collection_method`: the header's, else `local`.
 *
 * For a journal too large to hold as objects, `writeTimeSeriesDocumentFromJournal` writes the document
 * with bounded memory instead.
 *
 * @throws MlpsError `IO_ERROR` when the file cannot be read, `INVALID_FORMAT` for a newer journal format.
 */
export async function readJournalWithReport(target: string): Promise<JournalReadReport> {
  const decoder = new JournalDecoder(`journal ${target}`);
  const summary = new JournalRunSummary();
  const samplesByHost = new Map<string, TimeSeriesSample[]>();
  const lines = new TornLineTracker();
  try {
    for await (const line of readLines(target)) {
      const record = decoder.parseLine(line);
      lines.see(record);
      if (record.kind !== 'sample') continue;
      summary.add(record);
      let list = samplesByHost.get(record.host);
      if (list === undefined) samplesByHost.set(record.host, (list = []));
      list.push(record.toSample());
    }
  } catch (err) {
    if (err instanceof MlpsError) throw err;
    throw ioError(target, 'read', err);
  }
  const { fields, hosts } = summary.documentFields(decoder.header);
  const samples_by_host: Record<string, TimeSeriesSample[]> = {};
  for (const host of hosts) samples_by_host[host] = samplesByHost.get(host) ?? [];
  const { num_samples, ...rest } = fields;
  const data: TimeSeriesData = {
    collection_interval_seconds: rest.collection_interval_seconds,
    start_time: rest.start_time,
    end_time: rest.end_time,
    num_samples,
    samples_by_host,
    collection_method: rest.collection_method,
    hosts_requested: rest.hosts_requested,
    hosts_collected: rest.hosts_collected,
    format_version: rest.format_version,
    start_time_ms: rest.start_time_ms,
    end_time_ms: rest.end_time_ms,
    host_status: rest.host_status,
  };
  const samplesPerHost: Record<string, number> = {};
  for (const host of hosts) samplesPerHost[host] = samples_by_host[host]!.length;
  return { data, samplesPerHost, samplesByHost: samplesPerHost, tornLastLine: lines.torn, badLines: lines.bad, header: decoder.header };
}

/** Rebuilds the run document from a journal; see {@link readJournalWithReport} for what is tolerated. */
export async function readJournal(target: string): Promise<TimeSeriesData> {
  return (await readJournalWithReport(target)).data;
}

/**
 * Counts unreadable lines the way a crash leaves them: an unreadable line only counts as bad once a
 * readable one follows it; if none does, it was the line being written when the writer died (torn).
 */
export class TornLineTracker {
  /** Unreadable lines followed by a readable one. */
  bad = 0;
  private trailingInvalid = false;

  /** Notes one parsed line. */
  see(record: JournalRecord): void {
    if (record.kind === 'blank') return;
    if (this.trailingInvalid) this.bad++;
    this.trailingInvalid = record.kind === 'invalid';
  }

  /** True when the last non-blank line was unreadable. */
  get torn(): boolean {
    return this.trailingInvalid;
  }
}

/**
 * The lines of a file, streamed in 1 MB chunks (a last line without newline included: every journal
 * line ends with `}` or `]`, so a strict prefix of one does not parse and counts as torn).
 */
export async function* readLines(target: string): AsyncGenerator<string> {
  const stream = createReadStream(target, { highWaterMark: 1 << 20 });
  let carry: Buffer[] = [];
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      let at = chunk.indexOf(NEWLINE, start);
      while (at !== -1) {
        const piece = chunk.subarray(start, at);
        if (carry.length > 0) {
          carry.push(piece);
          yield Buffer.concat(carry).toString('utf8');
          carry = [];
        } else {
          yield piece.toString('utf8');
        }
        start = at + 1;
        at = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length) carry.push(Buffer.from(chunk.subarray(start)));
    }
    if (carry.length > 0) yield Buffer.concat(carry).toString('utf8');
  } finally {
    stream.destroy();
  }
}
