/**
 * Finding and loading a run's time series from what a user points at: the document, the journal, or the
 * run directory holding them (and the run's `*_metadata.json`, for the report's header).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MlpsError, isMlpsError } from '../errors';
import { parseTimeSeriesData } from '../format';
import { readJournalWithReport } from '../journal';
import type { TimeSeriesData } from '../types';
import type { ReportMeta, RunReport } from './build-report';
import type { HostSeries } from './host-series';
import { reportTimeSeriesFile } from './report-stream';

/** The files of one run. */
export interface RunFiles {
  dir: string;
  /** `*_timeseries.json`, when present. */
  document: string | null;
  /** `*_timeseries.jsonl`, when present. */
  journal: string | null;
  /** `*_metadata.json`, when present. */
  metadata: string | null;
  /**
   * How many runs (distinct `*_timeseries.json[l]` stems) the directory holds when a directory was given:
   * above 1, the newest was chosen and callers should say so. 1 when a file was given.
   */
  runsInDirectory: number;
}

const DOC = '_timeseries.json';
const JOURNAL = '_timeseries.jsonl';
const META = '_metadata.json';

function stemOf(name: string): string | null {
  for (const suffix of [JOURNAL, DOC, META]) if (name.endsWith(suffix)) return name.slice(0, -suffix.length);
  return null;
}

function newest(dir: string, names: string[]): string | null {
  let best: string | null = null;
  let bestKey = '';
  for (const n of names) {
    // Run stems end in YYYYMMDD_HHMMSS, so the name orders runs; mtime breaks ties between other names.
    let mtime = 0;
    try {
      mtime = statSync(join(dir, n)).mtimeMs;
    } catch {
      continue;
    }
    const key = `${n.replace(/_(timeseries\.jsonl?|metadata\.json)$/, '')}|${String(mtime).padStart(16, '0')}`;
    if (best === null || key > bestKey) {
      best = n;
      bestKey = key;
    }
  }
  return best;
}

/**
 * The run files for `target`: a `*_timeseries.json` or `*_timeseries.jsonl` (its siblings of the same run
 * are found too), or a run directory (its newest run; `runsInDirectory` says how many it holds). Throws
 * `IO_ERROR` when nothing is there or `target` is neither a file nor a directory (a device, a FIFO).
 */
export function findRunFiles(target: string): RunFiles {
  let st;
  try {
    st = statSync(target);
  } catch (err) {
    throw new MlpsError('IO_ERROR', `no such file or directory: ${target}`, { cause: err });
  }
  if (st.isFile()) {
    const dir = dirname(target);
    const stem = stemOf(basename(target));
    const sibling = (suffix: string): string | null => {
      if (stem === null) return null;
      const p = join(dir, stem + suffix);
      try {
        return statSync(p).isFile() ? p : null;
      } catch {
        return null;
      }
    };
    const isJournal = target.endsWith('.jsonl');
    return {
      dir,
      document: isJournal ? sibling(DOC) : target,
      journal: isJournal ? target : sibling(JOURNAL),
      metadata: sibling(META),
      runsInDirectory: 1,
    };
  }
  if (!st.isDirectory()) {
    throw new MlpsError('IO_ERROR', `${target} is neither a file nor a directory; give a *${DOC}, a *${JOURNAL} or a run directory`);
  }
  let names: string[];
  try {
    names = readdirSync(target);
  } catch (err) {
    throw new MlpsError('IO_ERROR', `cannot list ${target}: ${(err as Error).message}`, { cause: err });
  }
  const doc = newest(target, names.filter((n) => n.endsWith(DOC)));
  const journal = newest(target, names.filter((n) => n.endsWith(JOURNAL)));
  const chosen = doc ?? journal;
  if (chosen === null) {
    throw new MlpsError('IO_ERROR', `no *${DOC} or *${JOURNAL} in ${target}; give the run directory (…/<datetime>/) or the file itself`);
  }
  const stem = stemOf(chosen);
  const same = (suffix: string): string | null => (stem !== null && names.includes(stem + suffix) ? join(target, stem + suffix) : null);
  const runs = new Set(names.filter((n) => n.endsWith(DOC) || n.endsWith(JOURNAL)).map((n) => stemOf(n)));
  return {
    dir: target,
    runsInDirectory: runs.size,
    document: same(DOC),
    journal: same(JOURNAL),
    metadata: same(META) ?? (() => {
      const m = newest(target, names.filter((n) => n.endsWith(META)));
      return m === null ? null : join(target, m);
    })(),
  };
}

/** A loaded run, ready for {@link buildReport}. */
export interface LoadedRun {
  data: TimeSeriesData;
  meta: ReportMeta;
  files: RunFiles;
  /** The file the data came from. */
  source: string;
  /** True when the document was missing and the data was rebuilt from the journal. */
  fromJournal: boolean;
  /** When rebuilt from the journal: whether its last line was torn. */
  tornLastLine?: boolean;
}

/** Report header fields from a run's metadata document (mlps or mlpstorage layout; unknown keys shown as is). */
export function reportMetaFromMetadata(metadata: Record<string, unknown>, source?: string): ReportMeta {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const benchmark = str(metadata.benchmark_type) ?? str(metadata.benchmark);
  const params = [metadata.parameters, metadata.params, metadata.args, metadata.combined_params].find(
    (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v),
  );
  const titleParts = [benchmark, str(metadata.model), str(metadata.command), str(metadata.run_datetime) ?? str(metadata.datetime)].filter(
    (x): x is string => x !== undefined,
  );
  return {
    ...(titleParts.length > 0 ? { title: `mlps time series: ${titleParts.join(' ')}` } : {}),
    ...(benchmark !== undefined ? { benchmark } : {}),
    ...(params !== undefined ? { parameters: params } : {}),
    metadata,
    ...(source !== undefined ? { source } : {}),
  };
}

/** A run reported as a stream (see {@link reportTimeSeriesRun}). */
export interface ReportedRun {
  report: RunReport;
  /** Every host's derived series, for the HTML report's charts (`chartDataFromSeries`). */
  series: HostSeries[];
  /** The header context the report was built with (the metadata's, plus `devicesGlob`). */
  meta: ReportMeta;
  files: RunFiles;
  /** The file the report was read from. */
  source: string;
  /** True when the document was missing and the journal was read. */
  fromJournal: boolean;
  /** When read from the journal: whether its last line was torn. */
  tornLastLine?: boolean;
}

/** The run's metadata document, or null when absent or unreadable (the report does not depend on it). */
function readRunMetadata(files: RunFiles): Record<string, unknown> | null {
  if (files.metadata === null) return null;
  try {
    const parsed: unknown = JSON.parse(readFileSync(files.metadata, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The report of the run at `target` (see {@link findRunFiles}): the document when there is one, else the
 * journal, read as a stream ({@link reportTimeSeriesFile}) so a document of any size (one that cannot be
 * one string) is reported with memory for the derived series only. The same report as
 * `buildReport((await loadTimeSeriesRun(target)).data, meta)`.
 * @throws MlpsError `IO_ERROR` (nothing to read), `INVALID_FORMAT` (not a time-series file; the document's
 *   errors name the file).
 */
export async function reportTimeSeriesRun(target: string, options: { devicesGlob?: string | undefined } = {}): Promise<ReportedRun> {
  const files = findRunFiles(target);
  const metadata = readRunMetadata(files);
  const withGlob = (meta: ReportMeta): ReportMeta => (options.devicesGlob !== undefined ? { ...meta, devicesGlob: options.devicesGlob } : meta);
  const explicitJournal = target.endsWith('.jsonl');
  if (files.document !== null && !explicitJournal) {
    const meta = withGlob(metadata !== null ? reportMetaFromMetadata(metadata, files.document) : { source: files.document });
    let streamed;
    try {
      streamed = await reportTimeSeriesFile(files.document, { kind: 'document', meta });
    } catch (err) {
      // Name the file: "start_time: expected …" alone does not say which file was wrong.
      if (isMlpsError(err) && err.code === 'INVALID_FORMAT') throw new MlpsError(err.code, `${files.document} is not a valid time-series document: ${err.message}`, { cause: err });
      throw err;
    }
    return { report: streamed.report, series: streamed.series, meta, files, source: files.document, fromJournal: false };
  }
  if (files.journal === null) throw new MlpsError('IO_ERROR', `no time-series document or journal found for ${target}`);
  const meta = withGlob(metadata !== null ? reportMetaFromMetadata(metadata, files.journal) : { source: files.journal });
  const streamed = await reportTimeSeriesFile(files.journal, { kind: 'journal', meta });
  return { report: streamed.report, series: streamed.series, meta, files, source: files.journal, fromJournal: true, tornLastLine: streamed.tornLastLine ?? false };
}

/**
 * Loads the run at `target` (see {@link findRunFiles}): the document when there is one, else the data
 * recovered from the journal; plus the metadata for the header when present (an unreadable metadata file
 * is ignored, the report does not depend on it).
 * @throws MlpsError `IO_ERROR` (nothing to read), `INVALID_FORMAT` (not a time-series file).
 */
export async function loadTimeSeriesRun(target: string): Promise<LoadedRun> {
  const files = findRunFiles(target);
  const metadata = readRunMetadata(files);
  const explicitJournal = target.endsWith('.jsonl');
  if (files.document !== null && !explicitJournal) {
    let text: string;
    try {
      text = readFileSync(files.document, 'utf8');
    } catch (err) {
      throw new MlpsError('IO_ERROR', `cannot read ${files.document}: ${(err as Error).message}`, { cause: err });
    }
    let data: TimeSeriesData;
    try {
      data = parseTimeSeriesData(text);
    } catch (err) {
      // Name the file: "start_time: expected …" alone does not say which file was wrong.
      if (isMlpsError(err)) throw new MlpsError(err.code, `${files.document} is not a valid time-series document: ${err.message}`, { cause: err });
      throw err;
    }
    const meta = metadata !== null ? reportMetaFromMetadata(metadata, files.document) : { source: files.document };
    return { data, meta, files, source: files.document, fromJournal: false };
  }
  if (files.journal === null) throw new MlpsError('IO_ERROR', `no time-series document or journal found for ${target}`);
  const rec = await readJournalWithReport(files.journal);
  const meta = metadata !== null ? reportMetaFromMetadata(metadata, files.journal) : { source: files.journal };
  return { data: rec.data, meta, files, source: files.journal, fromJournal: true, tornLastLine: rec.tornLastLine };
}
