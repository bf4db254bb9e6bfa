import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { MlpsError } from '@mlps/timeseries';
import { isJournalFile, streamTimeSeriesSamples } from '@mlps/timeseries/export';
import { findRunFiles, type RunFiles } from '@mlps/timeseries/report';

/**
 * What `timeseries report|export|recover` are pointed at. The library readers are lenient on purpose (a
 * torn or partly garbled journal still yields what it holds), so a file that holds nothing of a run at
 * all would silently become an empty report, export or document; these checks turn that into one clear
 * `INVALID_FORMAT` line (exit 2) instead.
 */

/** True for a directory, false for a regular file; a device or FIFO (`/dev/zero`) is refused by name. */
function isDirectory(path: string): boolean {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new MlpsError('IO_ERROR', `no such file or directory: ${path}`, { cause: err });
  }
  if (!st.isDirectory() && !st.isFile()) {
    throw new MlpsError('IO_ERROR', `${path} is neither a file nor a directory; give a *_timeseries.json, a *_timeseries.jsonl or a run directory`);
  }
  return st.isDirectory();
}

/**
 * The line saying which run of a directory holding several was chosen (the newest), or null when the
 * choice was not a guess (a file given, or a directory with one run).
 */
export function chosenRunNote(files: RunFiles, chosen: string): string | null {
  if (files.runsInDirectory <= 1) return null;
  return `mlpstorage: ${files.dir} holds ${files.runsInDirectory} runs; using the newest, ${basename(chosen)} (give a run's file to choose another)\n`;
}

/**
 * The file to export: the target itself, or a run directory's document (else its journal). `note` gets
 * the line naming the run chosen when the directory holds several.
 */
export function resolveRunFile(target: string, note?: (line: string) => void): string {
  if (!isDirectory(target)) return target;
  const files = findRunFiles(target);
  const file = files.document ?? files.journal;
  // findRunFiles throws for a directory without either; this only guards the type.
  if (file === null) throw new MlpsError('IO_ERROR', `no *_timeseries.json or *_timeseries.jsonl in ${target}`);
  const line = chosenRunNote(files, file);
  if (line !== null) note?.(line);
  return file;
}

/** The journal to recover: the target itself, or a run directory's `*_timeseries.jsonl`. */
export function resolveJournalFile(target: string): string {
  if (!isDirectory(target)) return target;
  const journal = findRunFiles(target).journal;
  if (journal === null) throw new MlpsError('IO_ERROR', `no *_timeseries.jsonl journal in ${target}; give the journal of the run to recover`);
  return journal;
}

/**
 * Throws `INVALID_FORMAT` unless `path` holds a time-series document (its top-level fields, even with no
 * samples) or a journal (a header or at least one sample line). Reads only up to the first sample.
 */
export async function assertTimeSeriesFile(path: string): Promise<void> {
  const gen = streamTimeSeriesSamples(path);
  try {
    const first = await gen.next();
    if (first.done !== true) return;
    const summary = first.value;
    if (summary.kind === 'journal' && Object.keys(summary.fields).length === 0) {
      throw new MlpsError(
        'INVALID_FORMAT',
        `${path} is not a time-series journal: no header line and no sample line` +
          (summary.badEntries > 0 ? ` (${summary.badEntries} unreadable line${summary.badEntries === 1 ? '' : 's'})` : ' (empty)'),
      );
    }
    if (summary.kind === 'document' && !('collection_interval_seconds' in summary.fields)) {
      throw new MlpsError('INVALID_FORMAT', `${path} is not a time-series document: no collection_interval_seconds and no samples_by_host`);
    }
  } finally {
    await gen.return(undefined as never);
  }
}

/** Throws `INVALID_FORMAT` unless `path` is a journal that holds a header or a sample (see above). */
export async function assertJournalFile(path: string): Promise<void> {
  if (!(await isJournalFile(path))) {
    throw new MlpsError(
      'INVALID_FORMAT',
      `${path} is not a journal (*_timeseries.jsonl); recover rebuilds a document from a run's journal — a document needs no recovery`,
    );
  }
  await assertTimeSeriesFile(path);
}
