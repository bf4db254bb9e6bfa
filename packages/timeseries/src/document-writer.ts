/**
 * The streamed run document (DESIGN §3): written host by host, sample by sample, through a file stream
 * into a temporary file that is fsynced and renamed over the target — never built as one string (V8
 * strings stop at ~512 MB; 16 hosts × 3600 samples is ~1.1 GB of JSON). The text is exactly
 * `serializeTimeSeriesData(data)` (`JSON.stringify(data, null, 2)`): same keys, order and indentation.
 *
 * Two sources: a document object whose `samples_by_host` lists may be any (async) iterables (the end of
 * a run: the collector's samples), and a journal (`recover`), read in two passes — the run's fields
 * first, then each host's rows by their offsets — so memory stays bounded by one host's offsets, not by
 * hosts × samples.
 */
import * as fs from 'node:fs';
import { AtomicFileStream } from './atomic';
import { MlpsError } from './errors';
import {
  assembleTimeSeriesData,
  buildTimeSeriesData,
  documentHosts,
  type DescribesRun,
  type KeptSamples,
  type RunDescription,
} from './format';
import { HostHealthTracker, isGoodSample } from './host-health';
import {
  JournalDecoder,
  JournalRunSummary,
  JournalSampleRecord,
  TornLineTracker,
  type JournalHeader,
} from './journal';
import type { HostStatusRecord, TimeSeriesData, TimeSeriesSample } from './types';
import type { StorageUnderTestMap } from './storage/resolve';

/** Indent of a sample inside `samples_by_host.<host>[]` (three levels of two spaces). */
const SAMPLE_INDENT = '      ';

/** What a streamed document's host lists may hold: sample objects, or journal records written from their rows. */
export type DocumentSampleItem = TimeSeriesSample | JournalSampleRecord;

/** A run document whose host lists are streamed: any iterable or async iterable per host. */
export type StreamedTimeSeriesData = Omit<TimeSeriesData, 'samples_by_host'> & {
  samples_by_host: Record<string, Iterable<DocumentSampleItem> | AsyncIterable<DocumentSampleItem>>;
};

/** What {@link writeTimeSeriesDocument} wrote. */
export interface DocumentWriteResult {
  /** The document's path. */
  path: string;
  /** Bytes written. */
  bytes: number;
  /** Samples written, over all hosts. */
  samples: number;
  /**
   * The document's fields as written, everything but `samples_by_host` (`num_samples`, `hosts_collected`,
   * `host_status`, `interval_stats`…): what a caller keeps of a run after writing it, a few KB however
   * many samples.
   */
  fields: Omit<TimeSeriesData, 'samples_by_host'>;
  /** Samples written per host, in document order. */
  samplesPerHost: Record<string, number>;
}

/** Options of {@link writeTimeSeriesDocument}. */
export interface DocumentWriteOptions {
  /**
   * Called with each sample as it is written, host by host, oldest first: figures that need every sample
   * (per-host rates, means) are computed in the same pass, without keeping the samples. It must not
   * keep or change the sample; a throw aborts the write (the target is left as it was).
   */
  onSample?: (host: string, sample: TimeSeriesSample) => void;
  /**
   * The storage under test of each host (`resolveStorageUnderTest`), written as the document's
   * `storage_under_test` key after the reference's keys, so a report of the document alone leads with it.
   */
  storageUnderTest?: StorageUnderTestMap;
}

function sampleText(item: DocumentSampleItem): string {
  if (item instanceof JournalSampleRecord) {
    if (item.layout !== null && item.row !== null) return item.layout.sampleJson(item.row, 1, SAMPLE_INDENT);
    return sampleText(item.toSample());
  }
  const text = JSON.stringify(item, null, 2) as string | undefined;
  // JSON.stringify writes an array element it cannot express as null; so does the whole document.
  return text === undefined ? 'null' : text.replace(/\n/g, `\n${SAMPLE_INDENT}`);
}

function isDescribesRun(value: unknown): value is DescribesRun {
  return typeof (value as DescribesRun | null)?.describeRun === 'function';
}

/**
 * A described run as a streamed document: each host's list walks `kept` one decoded sample at a time, and
 * what depends on the samples and is written after them (`hosts_collected`, derived `host_status`) is
 * filled in as each host's list ends. `num_samples` comes from the counts, before any sample is decoded;
 * a host whose samples change under the writer fails the write rather than publish a document that
 * contradicts itself.
 */
function streamedRunDocument(run: RunDescription, kept: KeptSamples): StreamedTimeSeriesData {
  const hosts = documentHosts(run);
  const samplesByHost: Record<string, Iterable<TimeSeriesSample>> = {};
  const hostsCollected: string[] = [];
  const hostStatus: Record<string, HostStatusRecord> = {};
  let numSamples = 0;
  for (const host of hosts) {
    const expected = kept.count(host);
    numSamples += expected;
    samplesByHost[host] = {
      *[Symbol.iterator](): Generator<TimeSeriesSample> {
        const given = run.hostStatus?.[host];
        // Without the collector's record, host_status is derived from the samples by the one host-health rule.
        const tracker = given === undefined ? new HostHealthTracker('') : null;
        let good = false;
        let n = 0;
        for (const sample of kept.samples(host)) {
          if (!good && isGoodSample(sample)) good = true;
          tracker?.record(sample);
          n++;
          yield sample;
        }
        if (n !== expected) {
          throw new MlpsError('INVALID_STATE', `host ${host}: ${n} samples read, ${expected} announced; samples were added while the document was written`);
        }
        if (good) hostsCollected.push(host);
        hostStatus[host] = given ?? (tracker as HostHealthTracker).toStatusRecord();
      },
    };
  }
  return assembleTimeSeriesData(run, { numSamples, samplesByHost, hostsCollected, hostStatus });
}

/**
 * Writes a run document to `target` atomically and with bounded memory (see the module comment): from a
 * collector (anything with `describeRun()`), a {@link TimeSeriesData}, or a {@link StreamedTimeSeriesData}
 * whose host lists are iterables. The file's text equals `serializeTimeSeriesData` of the same document
 * (for a collector: of `buildTimeSeriesData(collector)`).
 *
 * From a collector whose description has `keptSamples` (both collectors) the samples are decoded one at a
 * time, host by host, and dropped once written: memory holds one decoded sample and the output buffer,
 * whatever hosts × samples. A description without it is built whole first (`buildTimeSeriesData`).
 *
 * @example
 * const written = await writeTimeSeriesDocument('run_timeseries.json', collector); // after collector.stop()
 * console.log(written.fields.num_samples, written.fields.hosts_collected);
 *
 * @throws MlpsError `IO_ERROR` naming the path (missing directory, disk full…); the target is then left
 *   as it was and the temporary file removed. `INVALID_STATE` when a collector's samples change while
 *   they are written (write after `stop()`).
 */
export async function writeTimeSeriesDocument(
  target: string,
  source: DescribesRun | TimeSeriesData | StreamedTimeSeriesData,
  options: DocumentWriteOptions = {},
): Promise<DocumentWriteResult> {
  let data: StreamedTimeSeriesData;
  if (isDescribesRun(source)) {
    const run = source.describeRun();
    data = run.keptSamples === undefined ? buildTimeSeriesData({ describeRun: () => run }) : streamedRunDocument(run, run.keptSamples);
  } else {
    data = source;
  }
  if (options.storageUnderTest !== undefined) data = { ...data, storage_under_test: options.storageUnderTest };
  const out = await AtomicFileStream.open(target);
  let samplesPerHost: Record<string, number> = {};
  try {
    await out.write('{');
    let first = true;
    for (const key of Object.keys(data)) {
      const value = (data as Record<string, unknown>)[key];
      if (key === 'samples_by_host' && typeof value === 'object' && value !== null) {
        await out.write(`${first ? '' : ','}\n  "samples_by_host": `);
        first = false;
        samplesPerHost = await writeHosts(out, value as StreamedTimeSeriesData['samples_by_host'], options.onSample);
        continue;
      }
      const text = JSON.stringify(value, null, 2) as string | undefined;
      if (text === undefined) continue; // JSON.stringify leaves such keys out
      await out.write(`${first ? '' : ','}\n  ${JSON.stringify(key)}: ${text.replace(/\n/g, '\n  ')}`);
      first = false;
    }
    await out.write(first ? '}' : '\n}');
    await out.commit();
  } catch (err) {
    await out.abort();
    throw err;
  }
  // Read after the write: the streamed run's late fields are complete only now.
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(data)) if (key !== 'samples_by_host') fields[key] = (data as Record<string, unknown>)[key];
  let samples = 0;
  for (const host in samplesPerHost) samples += samplesPerHost[host] as number;
  return {
    path: target,
    bytes: out.bytesWritten,
    samples,
    fields: fields as unknown as Omit<TimeSeriesData, 'samples_by_host'>,
    samplesPerHost,
  };
}

function observedSample(item: DocumentSampleItem): TimeSeriesSample {
  return item instanceof JournalSampleRecord ? item.toSample() : item;
}

async function writeHosts(
  out: AtomicFileStream,
  byHost: StreamedTimeSeriesData['samples_by_host'],
  onSample: DocumentWriteOptions['onSample'],
): Promise<Record<string, number>> {
  const perHost: Record<string, number> = {};
  const hosts = Object.keys(byHost);
  if (hosts.length === 0) {
    await out.write('{}');
    return perHost;
  }
  await out.write('{');
  for (let h = 0; h < hosts.length; h++) {
    const host = hosts[h] as string;
    await out.write(`${h > 0 ? ',' : ''}\n    ${JSON.stringify(host)}: `);
    let n = 0;
    const list = byHost[host] ?? [];
    if (Symbol.asyncIterator in list) {
      for await (const item of list) {
        if (onSample !== undefined) onSample(host, observedSample(item));
        const pending = out.write(`${n === 0 ? '[' : ','}\n${SAMPLE_INDENT}${sampleText(item)}`);
        if (pending !== undefined) await pending;
        n++;
      }
    } else {
      // Arrays and the collector's sync iterators: no promise per sample.
      for (const item of list) {
        if (onSample !== undefined) onSample(host, observedSample(item));
        const pending = out.write(`${n === 0 ? '[' : ','}\n${SAMPLE_INDENT}${sampleText(item)}`);
        if (pending !== undefined) await pending;
        n++;
      }
    }
    await out.write(n === 0 ? '[]' : '\n    ]');
    perHost[host] = n;
  }
  await out.write('\n  }');
  return perHost;
}

// ---------------------------------------------------------------------------------------------------
// From a journal, in two passes.

/** What {@link writeTimeSeriesDocumentFromJournal} found and wrote. */
export interface JournalDocumentReport extends DocumentWriteResult {
  /** True when the last line was incomplete or unreadable (a crash mid-write) and was dropped. */
  tornLastLine: boolean;
  /** Unreadable lines before the last one, skipped. */
  badLines: number;
  /** The journal's header, or null when it has none. */
  header: JournalHeader | null;
}

const READ_CHUNK = 1 << 20;

/** Where one host's sample lines are in the journal: byte offsets and lengths, packed. */
class LineIndex {
  private data = new Float64Array(256);
  length = 0;

  push(offset: number, bytes: number): void {
    if (this.length * 2 + 2 > this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length * 2] = offset;
    this.data[this.length * 2 + 1] = bytes;
    this.length++;
  }

  offset(i: number): number {
    return this.data[i * 2] as number;
  }

  bytes(i: number): number {
    return this.data[i * 2 + 1] as number;
  }
}

/** Calls `onLine(text, offset, bytes)` for each line of the open file `fd` (a last line without newline too). */
function scanLines(fd: number, onLine: (text: string, offset: number, bytes: number) => void): void {
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let lineStart = 0;
  let position = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, READ_CHUNK, position);
    if (n <= 0) break;
    let start = 0;
    let at = buf.indexOf(0x0a, start);
    while (at !== -1 && at < n) {
      const piece = buf.subarray(start, at);
      const bytes = carryBytes + piece.length;
      const text = carry.length > 0 ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8');
      onLine(text, lineStart, bytes);
      carry = [];
      carryBytes = 0;
      lineStart += bytes + 1;
      start = at + 1;
      at = buf.indexOf(0x0a, start);
    }
    if (start < n) {
      carry.push(Buffer.from(buf.subarray(start, n)));
      carryBytes += n - start;
    }
    position += n;
  }
  if (carry.length > 0) onLine(Buffer.concat(carry).toString('utf8'), lineStart, carryBytes);
}

/** One host's samples read back by their offsets (the layouts are the decoder's from the first pass). */
function* hostRecords(fd: number, index: LineIndex, decoder: JournalDecoder): Generator<JournalSampleRecord> {
  let buf = Buffer.allocUnsafe(64 * 1024);
  for (let i = 0; i < index.length; i++) {
    const bytes = index.bytes(i);
    if (bytes > buf.length) buf = Buffer.allocUnsafe(bytes * 2);
    let got = 0;
    while (got < bytes) {
      const n = fs.readSync(fd, buf, got, bytes - got, index.offset(i) + got);
      if (n <= 0) break;
      got += n;
    }
    const record = decoder.parseLine(buf.toString('utf8', 0, got));
    if (record.kind === 'sample') yield record;
  }
}

/**
 * Turns a journal (v1 or v2) into its run document at `target` with bounded memory: a first pass reads
 * the header, the layouts and where each host's sample lines are (and the run's fields: interval, times,
 * host status, as `readJournalWithReport` derives them); the second writes each host's samples in file
 * order, rows straight from their layout's text pieces. A torn last line loses only that line. This is
 * what `mlpstorage timeseries recover` runs.
 *
 * @throws MlpsError `IO_ERROR` when the journal cannot be read or the document written,
 *   `INVALID_FORMAT` for a newer journal format.
 */
export async function writeTimeSeriesDocumentFromJournal(journalPath: string, target: string): Promise<JournalDocumentReport> {
  let fd: number;
  try {
    fd = fs.openSync(journalPath, 'r');
  } catch (err) {
    throw new MlpsError('IO_ERROR', `cannot read journal ${journalPath}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const decoder = new JournalDecoder(`journal ${journalPath}`);
    const summary = new JournalRunSummary();
    const tracker = new TornLineTracker();
    const byHost = new Map<string, LineIndex>();
    try {
      scanLines(fd, (text, offset, bytes) => {
        const record = decoder.parseLine(text);
        tracker.see(record);
        if (record.kind !== 'sample') return;
        summary.add(record);
        let index = byHost.get(record.host);
        if (index === undefined) byHost.set(record.host, (index = new LineIndex()));
        index.push(offset, bytes);
      });
    } catch (err) {
      if (err instanceof MlpsError) throw err;
      throw new MlpsError('IO_ERROR', `cannot read journal ${journalPath}: ${(err as Error).message}`, { cause: err });
    }
    const { fields, hosts } = summary.documentFields(decoder.header);
    const samplesByHost: StreamedTimeSeriesData['samples_by_host'] = {};
    const samplesPerHost: Record<string, number> = {};
    const empty = new LineIndex();
    for (const host of hosts) {
      const index = byHost.get(host) ?? empty;
      samplesPerHost[host] = index.length;
      samplesByHost[host] = { [Symbol.iterator]: () => hostRecords(fd, index, decoder) };
    }
    const { num_samples, collection_interval_seconds, start_time, end_time, ...rest } = fields;
    const document: StreamedTimeSeriesData = {
      collection_interval_seconds,
      start_time,
      end_time,
      num_samples,
      samples_by_host: samplesByHost,
      ...rest,
    };
    const written = await writeTimeSeriesDocument(target, document);
    return { ...written, fields, samplesPerHost, tornLastLine: tracker.torn, badLines: tracker.bad, header: decoder.header };
  } finally {
    fs.closeSync(fd);
  }
}
