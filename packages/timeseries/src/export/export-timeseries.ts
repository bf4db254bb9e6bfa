/**
 * `exportTimeSeries`: a run's time series as long-form CSV, OpenMetrics text or JSON Lines, streamed one
 * sample at a time so memory does not grow with the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { MlpsError, invalidArgument, isMlpsError } from '../errors';
import { parseTimeSeriesData } from '../format';
import type { TimeSeriesSample } from '../types';
import { streamTimeSeriesSamples } from './document-stream';
import type { StreamedSample, StreamSummary } from './document-stream';
import { sampleMetricPoints } from './metric-points';
import { OpenMetricsSpill } from './openmetrics-spill';
import { rateRows } from './rate-rows';
import { TextSink } from './text-sink';
import { sampleTimeMs } from '../timestamps';

/**
 * A document must be what `parseTimeSeriesData` (and so `timeseries report`) accepts: its top-level fields
 * checked by the same rules, and no sample entry that is not a sample. Otherwise the export would be an
 * empty or partial file, written with exit 0, of a document the report rejects. (A journal stays lenient:
 * a torn or garbled line is what a crash leaves, and its readers skip it everywhere.)
 */
function checkStreamedDocument(input: string, summary: StreamSummary): void {
  try {
    parseTimeSeriesData({ ...summary.fields, samples_by_host: {} });
  } catch (err) {
    if (isMlpsError(err)) throw new MlpsError('INVALID_FORMAT', `${input} is not a valid time-series document: ${err.message}`, { cause: err });
    throw err;
  }
  if (summary.badEntries > 0) {
    const entries = summary.badEntries === 1 ? '1 entry' : `${summary.badEntries} entries`;
    throw new MlpsError('INVALID_FORMAT', `${input} is not a valid time-series document: ${entries} of samples_by_host ${summary.badEntries === 1 ? 'is' : 'are'} not a sample`);
  }
}

/** The export formats. */
export type ExportFormat = 'csv' | 'openmetrics' | 'jsonl';

/** The export formats, for validation and help text. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'openmetrics', 'jsonl'];

/** Options of {@link exportTimeSeries}. */
export interface ExportTimeSeriesOptions {
  /** A `*_timeseries.json` document or a `*_timeseries.jsonl` journal. */
  input: string;
  format: ExportFormat;
  /** A file path (written atomically) or a writable stream (e.g. `process.stdout`, not ended). */
  output: string | Writable;
  /** Directory for OpenMetrics' temporary per-series files; default: beside `output`, else the OS temp dir. */
  tempDir?: string;
}

/** What an export wrote. */
export interface ExportResult {
  format: ExportFormat;
  /** Samples read per host. */
  samplesByHost: Record<string, number>;
  samples: number;
  /** Rows (CSV, without header), lines (JSON Lines) or sample lines (OpenMetrics) written. */
  records: number;
  /** Entries of the input that could not be parsed and were skipped. */
  badEntries: number;
  /** OpenMetrics only: distinct series written. */
  series?: number;
  /** Characters written. */
  chars: number;
}

/** The CSV header of the long form. */
export const CSV_HEADER = 'timestamp,host,source,device,metric,value,unit';

/** Quotes a CSV field when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Exports a run's time series. CSV: one row per value, `timestamp,host,source,device,metric,value,unit`
 * (`timestamp` to the millisecond from the sample's `timestamp_ms` when it has one, else as written), with the counters and gauges as recorded plus the derived rates (source `rates`). OpenMetrics: counters
 * (`_total`) and gauges in base units with node_exporter names, timestamps in seconds, families grouped,
 * ending with `# EOF` — loadable by `promtool tsdb create-blocks-from openmetrics`. JSON Lines: one
 * `{"host", "sample"}` object per line (a valid journal body).
 *
 * @throws MlpsError `INVALID_ARGUMENT` for an unknown format, `IO_ERROR` when the input cannot be read or
 *   the output written, `INVALID_FORMAT` when the input is not a time-series file, or is a document that
 *   `parseTimeSeriesData` would reject (then no output file is written).
 */
export async function exportTimeSeries(options: ExportTimeSeriesOptions): Promise<ExportResult> {
  const { input, format, output } = options;
  if (!EXPORT_FORMATS.includes(format)) {
    throw invalidArgument(`unknown export format '${String(format)}'; use one of ${EXPORT_FORMATS.join(', ')}`);
  }
  if (typeof input !== 'string' || input === '') throw invalidArgument('exportTimeSeries: input must be a file path');
  const samplesByHost: Record<string, number> = {};
  let records = 0;
  let spillDir: string | null = null;
  let spill: OpenMetricsSpill | null = null;
  if (format === 'openmetrics') {
    const base = options.tempDir ?? (typeof output === 'string' ? dirname(output) : tmpdir());
    try {
      spillDir = mkdtempSync(join(base, '.mlps-export-'));
    } catch (err) {
      throw new MlpsError('IO_ERROR', `cannot create a temporary directory in ${base}: ${(err as Error).message}`, { cause: err });
    }
    spill = new OpenMetricsSpill(spillDir);
  }
  let sink: TextSink;
  try {
    sink = typeof output === 'string' ? TextSink.toFile(output) : TextSink.toStream(output);
  } catch (err) {
    if (spillDir !== null) rmSync(spillDir, { recursive: true, force: true });
    throw new MlpsError('IO_ERROR', `cannot write ${String(output)}: ${(err as Error).message}`, { cause: err });
  }
  const previous = new Map<string, TimeSeriesSample>();
  let summary: StreamSummary | undefined;
  try {
    if (format === 'csv') await sink.write(`${CSV_HEADER}\n`);
    const gen = streamTimeSeriesSamples(input);
    for (;;) {
      const next: IteratorResult<StreamedSample, StreamSummary> = await gen.next();
      if (next.done === true) {
        summary = next.value;
        break;
      }
      const { host, sample } = next.value;
      samplesByHost[host] = (samplesByHost[host] ?? 0) + 1;
      if (format === 'jsonl') {
        await sink.write(`${JSON.stringify({ host, sample })}\n`);
        records++;
        continue;
      }
      const ms = sampleTimeMs(sample) ?? NaN;
      if (format === 'openmetrics') {
        if (!Number.isFinite(ms)) continue;
        for (const point of sampleMetricPoints(sample)) spill?.add(host, point, ms);
        continue;
      }
      // The exact time when the sample has it (the reference form in `timestamp` is whole seconds).
      const ts = csvField(typeof sample.timestamp_ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : sample.timestamp);
      const h = csvField(host);
      let rows = '';
      for (const p of sampleMetricPoints(sample)) {
        rows += `${ts},${h},${p.source},${csvField(p.device)},${csvField(p.metric)},${p.value},${p.unit}\n`;
        records++;
      }
      const prev = previous.get(host);
      if (prev !== undefined) {
        for (const r of rateRows(prev, sample)) {
          rows += `${ts},${h},rates,${csvField(r.device)},${r.metric},${r.value},${r.unit}\n`;
          records++;
        }
      }
      previous.set(host, sample);
      await sink.write(rows);
    }
    if (summary?.kind === 'document') checkStreamedDocument(input, summary);
    if (spill !== null) {
      await spill.writeTo(sink);
      records = spill.points;
    }
    await sink.close();
  } catch (err) {
    await sink.abort();
    throw err;
  } finally {
    if (spillDir !== null) rmSync(spillDir, { recursive: true, force: true });
  }
  const samples = Object.values(samplesByHost).reduce((a, b) => a + b, 0);
  return {
    format,
    samplesByHost,
    samples,
    records,
    badEntries: summary?.badEntries ?? 0,
    ...(spill !== null ? { series: spill.seriesCount } : {}),
    chars: sink.written,
  };
}
