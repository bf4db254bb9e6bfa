/**
 * The report of a run read as a stream: a document or a journal is scanned one sample at a time, each
 * host's sample feeds that host's {@link HostSeriesBuilder} and the {@link StorageSummaryBuilder}, and only
 * the derived series, a few numbers per device and the top-level fields stay in memory — never the whole
 * text nor every sample object. The result equals `buildReport(parseTimeSeriesData(text))` for the same
 * file; a 1 GB document (16 hosts × 3600 samples) that cannot become one string is reported all the same.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { MlpsError, isMlpsError } from '../errors';
import { parseTimeSeriesData, validateSample } from '../format';
import { JournalDecoder, JournalRunSummary, TornLineTracker, readLines } from '../journal';
import { DocumentScanner } from '../export/document-stream';
import type { TimeSeriesData, TimeSeriesSample } from '../types';
import { keyPath } from '../validation';
import { buildAllHostSeries, buildReportFromSeries, type ReportMeta, type ReportRunFields, type RunReport } from './build-report';
import { HostSeriesBuilder, type HostSeries } from './host-series';
import { StorageSummaryBuilder, buildStorageSummary, storageUnderTestOf } from './storage-summary';

/** A report built from a streamed file, with the per-host series the charts use. */
export interface StreamedRunReport {
  report: RunReport;
  /** Every host's derived series (what `chartDataFromSeries` charts). */
  series: HostSeries[];
  /** The run's top-level fields (the document's, or those a journal implies); never the samples. */
  fields: ReportRunFields;
  /** `document` or `journal`: what was read. */
  kind: 'document' | 'journal';
  /** For a journal: its last line was torn (a crash mid-write) and was dropped. */
  tornLastLine?: boolean;
}

/** Options of {@link reportTimeSeriesFile}. */
export interface ReportFileOptions {
  /** `document` (a `*_timeseries.json`) or `journal` (a `*_timeseries.jsonl`). */
  kind: 'document' | 'journal';
  /** Header context (metadata, `devicesGlob`, …), as {@link buildReport} takes it. */
  meta?: ReportMeta;
  /**
   * Documents up to this size whose streamed read fails are read whole once more, so a bad file gets the
   * exact error of `parseTimeSeriesData` (line and column of invalid JSON) and whatever it accepts (a BOM)
   * is accepted. Default 64 MiB.
   */
  wholeReadFallbackBytes?: number;
}

const READ_CHUNK_BYTES = 1 << 16;
const DEFAULT_FALLBACK_BYTES = 64 * 1024 * 1024;

/** Every host's series builder plus the storage section's, fed one sample at a time. */
class RunSeriesBuilder {
  private readonly hosts = new Map<string, HostSeriesBuilder>();
  readonly storage: StorageSummaryBuilder;

  constructor(
    private readonly intervalSeconds: number,
    devicesGlob: string | undefined,
  ) {
    this.storage = new StorageSummaryBuilder({ devicesGlob });
  }

  add(host: string, sample: TimeSeriesSample): void {
    let b = this.hosts.get(host);
    if (b === undefined) this.hosts.set(host, (b = new HostSeriesBuilder(host, this.intervalSeconds)));
    b.add(sample);
    this.storage.add(host, sample);
  }

  /** The series of `names` (a host without samples gets an empty series), as `buildAllHostSeries` orders them. */
  series(names: readonly string[]): HostSeries[] {
    return names.map((h) => (this.hosts.get(h) ?? new HostSeriesBuilder(h, this.intervalSeconds)).result());
  }
}

/** Hosts in report order: `hosts_requested`, then every other host of the run. */
function reportHosts(hostsRequested: readonly string[] | undefined, others: Iterable<string>): string[] {
  const names = [...(hostsRequested ?? [])];
  for (const h of others) if (!names.includes(h)) names.push(h);
  return names;
}

function finish(builder: RunSeriesBuilder, fields: ReportRunFields, hosts: Iterable<string>, meta: ReportMeta, kind: 'document' | 'journal'): StreamedRunReport {
  builder.storage.setStorage(storageUnderTestOf(fields, meta.metadata));
  const hostList = [...hosts];
  const series = builder.series(reportHosts(fields.hosts_requested, hostList));
  const report = buildReportFromSeries(fields, series, meta, { storage: builder.storage.result(hostList) });
  return { report, series, fields, kind };
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** One streamed pass over a document; null when the interval was not known by the first sample. */
async function documentPass(path: string, meta: ReportMeta, knownInterval: number | null): Promise<StreamedRunReport | null> {
  const scanner = new DocumentScanner();
  let builder: RunSeriesBuilder | null = null;
  const perHost = new Map<string, number>();
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      scanner.feed(chunk);
      if (scanner.ready.length === 0) continue;
      if (builder === null) {
        // The reference writes `collection_interval_seconds` first; a document that puts it after its
        // samples is read twice (gaps are measured against the interval).
        const interval = knownInterval ?? numberOrNull(scanner.fields.collection_interval_seconds);
        if (interval === null) return null;
        builder = new RunSeriesBuilder(interval, meta.devicesGlob);
      }
      for (const { host, sample } of scanner.ready) {
        const index = perHost.get(host) ?? 0;
        perHost.set(host, index + 1);
        // The checks and normalisation `parseTimeSeriesData` applies, one sample at a time.
        builder.add(host, validateSample(sample, `${keyPath('samples_by_host', host)}[${index}]`));
      }
      scanner.ready.length = 0;
    }
  } catch (err) {
    if (isMlpsError(err)) throw err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    throw new MlpsError('IO_ERROR', code === 'EISDIR' ? `${path} is a directory` : `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    stream.destroy();
  }
  scanner.finish();
  if (scanner.badEntries > 0) {
    throw new MlpsError('INVALID_FORMAT', `samples_by_host: ${scanner.badEntries} entr${scanner.badEntries === 1 ? 'y is' : 'ies are'} not valid JSON samples or sample lists`);
  }
  const byHost = scanner.sawSamplesByHost ? Object.fromEntries(scanner.sampleHosts.map((h) => [h, []])) : scanner.fields.samples_by_host;
  // The top-level fields get every check of `parseTimeSeriesData` (the samples got theirs above).
  const { samples_by_host: _none, ...fields } = parseTimeSeriesData({ ...scanner.fields, samples_by_host: byHost });
  const interval = fields.collection_interval_seconds;
  if (builder === null) builder = new RunSeriesBuilder(interval, meta.devicesGlob);
  else if (knownInterval === null && numberOrNull(scanner.fields.collection_interval_seconds) !== interval) return null;
  return finish(builder, fields, scanner.sampleHosts, meta, 'document');
}

async function reportDocument(path: string, meta: ReportMeta, fallbackBytes: number): Promise<StreamedRunReport> {
  try {
    let result = await documentPass(path, meta, null);
    if (result === null) {
      // Only the interval was missing on the first pass: the second knows it (or the document is invalid).
      const fields = await documentFieldsOnly(path);
      result = await documentPass(path, meta, numberOrNull(fields.collection_interval_seconds) ?? 0);
    }
    return result as StreamedRunReport;
  } catch (err) {
    if (!isMlpsError(err) || err.code !== 'INVALID_FORMAT') throw err;
    let size = Infinity;
    try {
      size = statSync(path).size;
    } catch {
      throw err;
    }
    if (size > fallbackBytes) throw err;
    // A small file read whole: the exact error of the whole-document reader, or its result when it
    // accepts what the scanner does not.
    const data: TimeSeriesData = parseTimeSeriesData(readFileSync(path, 'utf8'));
    const series = buildAllHostSeries(data);
    const { samples_by_host: _samples, ...fields } = data;
    return {
      report: buildReportFromSeries(data, series, meta, { storage: buildStorageSummary(data, { ...(meta.metadata !== undefined ? { metadata: meta.metadata } : {}), devicesGlob: meta.devicesGlob }) }),
      series,
      fields,
      kind: 'document',
    };
  }
}

/** The top-level fields of a document, streamed (its samples skipped as they come). */
async function documentFieldsOnly(path: string): Promise<Record<string, unknown>> {
  const scanner = new DocumentScanner();
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      scanner.feed(chunk);
      scanner.ready.length = 0;
    }
  } finally {
    stream.destroy();
  }
  scanner.finish();
  return scanner.fields;
}

/** One pass over a journal; null when the interval was not known by the first sample. */
async function journalPass(path: string, meta: ReportMeta, knownInterval: number | null): Promise<StreamedRunReport | null> {
  const decoder = new JournalDecoder(`journal ${path}`);
  const summary = new JournalRunSummary();
  const lines = new TornLineTracker();
  let builder: RunSeriesBuilder | null = null;
  try {
    for await (const line of readLines(path)) {
      const record = decoder.parseLine(line);
      lines.see(record);
      if (record.kind !== 'sample') continue;
      if (builder === null) {
        // The header (first line) names the interval; a journal without one implies it from its samples'
        // median gap, known at the end: then the journal is read twice.
        const interval = knownInterval ?? numberOrNull(decoder.header?.collection_interval_seconds);
        if (interval === null) return null;
        builder = new RunSeriesBuilder(interval, meta.devicesGlob);
      }
      summary.add(record);
      builder.add(record.host, record.toSample());
    }
  } catch (err) {
    if (err instanceof MlpsError) throw err;
    throw new MlpsError('IO_ERROR', `cannot read journal ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const { fields, hosts } = summary.documentFields(decoder.header);
  if (builder === null) builder = new RunSeriesBuilder(fields.collection_interval_seconds, meta.devicesGlob);
  else if (knownInterval === null && fields.collection_interval_seconds !== numberOrNull(decoder.header?.collection_interval_seconds)) return null;
  return { ...finish(builder, fields, hosts, meta, 'journal'), tornLastLine: lines.torn };
}

async function reportJournal(path: string, meta: ReportMeta): Promise<StreamedRunReport> {
  const first = await journalPass(path, meta, null);
  if (first !== null) return first;
  // Count-only pass for the implied interval, then the real one with it.
  const decoder = new JournalDecoder(`journal ${path}`);
  const summary = new JournalRunSummary();
  try {
    for await (const line of readLines(path)) {
      const record = decoder.parseLine(line);
      if (record.kind === 'sample') summary.add(record);
    }
  } catch (err) {
    if (err instanceof MlpsError) throw err;
    throw new MlpsError('IO_ERROR', `cannot read journal ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const interval = summary.documentFields(decoder.header).fields.collection_interval_seconds;
  return (await journalPass(path, meta, interval)) as StreamedRunReport;
}

/**
 * The report of a `*_timeseries.json` document or a `*_timeseries.jsonl` journal (v1 or v2), read as a
 * stream: one sample at a time, keeping only each host's derived series ({@link HostSeries}) and a few
 * numbers per device, so memory follows the hosts × intervals of the series, not the file's size. The
 * report equals `buildReport(parseTimeSeriesData(text), meta)` (document) or
 * `buildReport((await readJournalWithReport(path)).data, meta)` (journal); the storage under test is the
 * document's (it comes after the samples) or else `meta.metadata`'s.
 * @throws MlpsError `IO_ERROR` (unreadable file), `INVALID_FORMAT` (not a valid time-series file; for a
 *   document, the same messages as `parseTimeSeriesData`).
 */
export async function reportTimeSeriesFile(path: string, options: ReportFileOptions): Promise<StreamedRunReport> {
  const meta = options.meta ?? {};
  if (options.kind === 'journal') return reportJournal(path, meta);
  return reportDocument(path, meta, options.wholeReadFallbackBytes ?? DEFAULT_FALLBACK_BYTES);
}
