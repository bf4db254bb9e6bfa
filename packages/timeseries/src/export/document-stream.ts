/**
 * Streaming readers of a run's time series: one sample at a time, so memory stays flat however large the
 * file. A document (`*_timeseries.json`) is read by a small structural JSON scanner that only materialises
 * one sample object (and the small top-level fields) at a time; a journal (`*_timeseries.jsonl`) is read
 * line by line.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { MlpsError } from '../errors';
import { normalizeSampleFields } from '../format';
import { JournalDecoder, readLines } from '../journal';
import type { TimeSeriesSample } from '../types';

/** One sample with the requested host name it belongs to. */
export interface StreamedSample {
  host: string;
  sample: TimeSeriesSample;
}

/** What a streaming read learned besides the samples (available once the generator finished). */
export interface StreamSummary {
  /** `document` for a `*_timeseries.json`, `journal` for a `*_timeseries.jsonl`. */
  kind: 'document' | 'journal';
  /** Top-level fields of the document (everything but `samples_by_host`), or the journal header. */
  fields: Record<string, unknown>;
  /** Samples yielded. */
  samples: number;
  /** Sample entries or lines that could not be parsed and were skipped. */
  badEntries: number;
}

const READ_CHUNK_BYTES = 1 << 20;

function isSampleLike(value: unknown): value is TimeSeriesSample {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { timestamp?: unknown }).timestamp === 'string'
  );
}

interface Frame {
  isArray: boolean;
  /** Current key of an object frame (only tracked for the two outer levels). */
  key: string | null;
  expectKey: boolean;
}

type CaptureKind = 'object' | 'array' | 'string' | 'primitive';

interface Capture {
  kind: CaptureKind;
  /** Stack depth of the container holding the captured value. */
  depth: number;
  parts: string[];
  start: number;
  target: 'field' | 'sample';
  name: string;
}

/**
 * Incremental scanner over the text of a `TimeSeriesData` document. Feed it chunks; it collects each sample
 * of `samples_by_host.<host>[]` as soon as its closing brace arrives, and the other top-level fields whole.
 * It never holds more than one sample's text (plus one chunk).
 */
export class DocumentScanner {
  private readonly stack: Frame[] = [];
  private inString = false;
  private escape = false;
  private inPrimitive = false;
  private stringIsKey = false;
  private keyParts: string[] | null = null;
  private keyStart = 0;
  private capture: Capture | null = null;
  private sawRoot = false;
  /** Samples completed by the last {@link feed}; the caller drains it. */
  readonly ready: StreamedSample[] = [];
  readonly fields: Record<string, unknown> = {};
  /** The keys of `samples_by_host` whose value is a list, in file order (hosts with no samples too). */
  readonly sampleHosts: string[] = [];
  /** True once `samples_by_host` was seen as an object. */
  sawSamplesByHost = false;
  /**
   * Sample entries that could not be parsed or are not samples, and `samples_by_host` values that are not
   * lists: skipped.
   */
  badEntries = 0;

  /** Scans one chunk of text. Throws `INVALID_FORMAT` when the text is not a JSON object document. */
  feed(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
        } else if (c === 92 /* \ */) {
          this.escape = true;
        } else if (c === 34 /* " */) {
          this.inString = false;
          if (this.stringIsKey) this.finishKey(text, i);
          else if (this.capture?.kind === 'string' && this.stack.length === this.capture.depth) this.endCapture(text, i + 1);
        }
        i++;
        continue;
      }
      if (this.inPrimitive) {
        if (c === 44 || c === 125 || c === 93 || c === 32 || c === 10 || c === 13 || c === 9) {
          this.inPrimitive = false;
          if (this.capture?.kind === 'primitive' && this.stack.length === this.capture.depth) this.endCapture(text, i);
        } else {
          i++;
          continue;
        }
      }
      switch (c) {
        case 34: {
          const top = this.stack[this.stack.length - 1];
          if (top !== undefined && !top.isArray && top.expectKey) {
            this.stringIsKey = true;
            if (this.stack.length <= 2) {
              this.keyParts = [];
              this.keyStart = i + 1;
            }
          } else {
            this.stringIsKey = false;
            this.valueStart('string', i);
          }
          this.inString = true;
          break;
        }
        case 123:
        case 91: {
          this.valueStart(c === 123 ? 'object' : 'array', i);
          this.stack.push({ isArray: c === 91, key: null, expectKey: c === 123 });
          break;
        }
        case 125:
        case 93: {
          const frame = this.stack.pop();
          if (frame === undefined || frame.isArray !== (c === 93)) {
            throw new MlpsError('INVALID_FORMAT', `not a time-series document: unbalanced '${String.fromCharCode(c)}'`);
          }
          const cap = this.capture;
          if (cap !== null && (cap.kind === 'object' || cap.kind === 'array') && this.stack.length === cap.depth) {
            this.endCapture(text, i + 1);
          }
          break;
        }
        case 44: {
          const top = this.stack[this.stack.length - 1];
          if (top !== undefined && !top.isArray) {
            top.expectKey = true;
            top.key = null;
          }
          break;
        }
        case 58:
        case 32:
        case 10:
        case 13:
        case 9:
          break;
        default:
          this.valueStart('primitive', i);
          this.inPrimitive = true;
      }
      i++;
    }
    if (this.capture !== null) {
      this.capture.parts.push(text.slice(this.capture.start));
      this.capture.start = 0;
    }
    if (this.keyParts !== null && this.inString) {
      this.keyParts.push(text.slice(this.keyStart));
      this.keyStart = 0;
    }
  }

  /** Call after the last chunk: throws `INVALID_FORMAT` when the document was cut short. */
  finish(): void {
    if (this.inPrimitive && this.capture?.kind === 'primitive') this.endCapture('', 0);
    if (!this.sawRoot) throw new MlpsError('INVALID_FORMAT', 'not a time-series document: the file is empty');
    if (this.stack.length > 0 || this.inString) {
      throw new MlpsError(
        'INVALID_FORMAT',
        'the time-series document ends early (truncated file); rebuild it from the journal with `mlpstorage timeseries recover <run>_timeseries.jsonl`',
      );
    }
  }

  private finishKey(text: string, end: number): void {
    const top = this.stack[this.stack.length - 1];
    this.stringIsKey = false;
    if (top === undefined) return;
    top.expectKey = false;
    if (this.keyParts === null) return;
    const raw = this.keyParts.join('') + text.slice(this.keyStart, end);
    this.keyParts = null;
    try {
      top.key = JSON.parse(`"${raw}"`) as string;
    } catch {
      top.key = raw;
    }
  }

  private valueStart(kind: CaptureKind, at: number): void {
    const depth = this.stack.length;
    if (depth === 0) {
      if (kind !== 'object' || this.sawRoot) {
        throw new MlpsError('INVALID_FORMAT', 'not a time-series document: the top level must be one JSON object');
      }
      this.sawRoot = true;
      return;
    }
    if (this.capture !== null) return;
    const root = this.stack[0];
    if (root === undefined) return;
    if (depth === 1) {
      if (root.key === 'samples_by_host' && kind === 'object') this.sawSamplesByHost = true;
      // `samples_by_host` of another kind is kept as a field, so a validator can name what it is.
      else if (root.key !== null) this.capture = { kind, depth, parts: [], start: at, target: 'field', name: root.key };
      return;
    }
    if (root.key !== 'samples_by_host') return;
    const hosts = this.stack[1];
    if (hosts === undefined || hosts.isArray || hosts.key === null) return;
    if (depth === 2) {
      if (kind === 'array') this.sampleHosts.push(hosts.key);
      else this.badEntries++;
      return;
    }
    if (depth === 3) {
      const list = this.stack[2];
      if (list === undefined || !list.isArray) return;
      if (kind === 'object') this.capture = { kind, depth, parts: [], start: at, target: 'sample', name: hosts.key };
      else this.badEntries++;
    }
  }

  private endCapture(text: string, end: number): void {
    const cap = this.capture;
    if (cap === null) return;
    this.capture = null;
    const body = cap.parts.length === 0 ? text.slice(cap.start, end) : cap.parts.join('') + text.slice(cap.start, end);
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      this.badEntries++;
      return;
    }
    if (cap.target === 'field') {
      this.fields[cap.name] = value;
    } else if (isSampleLike(value)) {
      this.ready.push({ host: cap.name, sample: normalizeSampleFields(value) });
    } else {
      this.badEntries++;
    }
  }
}

/**
 * Streams the samples of a `*_timeseries.json` document, one at a time, in file order (host by host).
 * The generator's return value is the {@link StreamSummary}. Throws `IO_ERROR` when the file cannot be read
 * and `INVALID_FORMAT` when it is not a document (after yielding what it could).
 */
export async function* streamDocumentSamples(path: string): AsyncGenerator<StreamedSample, StreamSummary> {
  const scanner = new DocumentScanner();
  let samples = 0;
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      scanner.feed(chunk);
      if (scanner.ready.length > 0) {
        const batch = scanner.ready.splice(0, scanner.ready.length);
        for (const item of batch) {
          samples++;
          yield item;
        }
      }
    }
  } catch (err) {
    throw asReadError(err, path);
  } finally {
    stream.destroy();
  }
  scanner.finish();
  return { kind: 'document', fields: scanner.fields, samples, badEntries: scanner.badEntries };
}

/**
 * Streams the samples of a `*_timeseries.jsonl` journal (v1 or v2) line by line, in file order
 * (interleaved hosts), through the one journal reader (`JournalDecoder`). Lines that do not parse (a torn
 * last line, garbage) are skipped and counted.
 */
export async function* streamJournalSamples(path: string): AsyncGenerator<StreamedSample, StreamSummary> {
  const decoder = new JournalDecoder(`journal ${path}`);
  let samples = 0;
  let bad = 0;
  try {
    for await (const line of readLines(path)) {
      const record = decoder.parseLine(line);
      if (record.kind === 'invalid') bad++;
      if (record.kind !== 'sample') continue;
      samples++;
      yield { host: record.host, sample: record.toSample() };
    }
  } catch (err) {
    throw asReadError(err, path);
  }
  return { kind: 'journal', fields: { ...(decoder.headerFields ?? {}) }, samples, badEntries: bad };
}

/**
 * True when `path` holds a journal rather than a document: by its `.jsonl` name, else by its first line
 * being a complete JSON object with a journal header or a `{host, sample}` record.
 */
export async function isJournalFile(path: string): Promise<boolean> {
  if (path.endsWith('.jsonl')) return true;
  if (path.endsWith('.json')) return false;
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw asReadError(err, path);
  }
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead).toString('utf8');
    const nl = head.indexOf('\n');
    if (nl === -1) return false;
    try {
      const first = JSON.parse(head.slice(0, nl)) as { type?: unknown; sample?: unknown };
      return first.type === 'header' || first.type === 'layout' || (typeof first.sample === 'object' && first.sample !== null);
    } catch {
      return false;
    }
  } finally {
    await fh.close();
  }
}

/** Streams the samples of a document or a journal, whichever `path` is (see {@link isJournalFile}). */
export async function* streamTimeSeriesSamples(path: string): AsyncGenerator<StreamedSample, StreamSummary> {
  const journal = await isJournalFile(path);
  return yield* journal ? streamJournalSamples(path) : streamDocumentSamples(path);
}

function asReadError(err: unknown, path: string): unknown {
  if (err instanceof MlpsError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new MlpsError('IO_ERROR', `no such file: ${path}`, { cause: err });
  if (code === 'EISDIR') return new MlpsError('IO_ERROR', `${path} is a directory; give the *_timeseries.json file`, { cause: err });
  return new MlpsError('IO_ERROR', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
}
