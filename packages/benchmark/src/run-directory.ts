import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MlpsError } from '@mlps/timeseries';
import { makeDirectorySync } from './engines/make-dir';

/** The four benchmark types of `mlpstorage`, as written in file names and the results layout. */
export type BenchmarkType = 'training' | 'checkpointing' | 'vector_database' | 'kv_cache';

/** Every benchmark type, in the order `mlpstorage` lists them. */
export const BENCHMARK_TYPES: readonly BenchmarkType[] = ['training', 'checkpointing', 'vector_database', 'kv_cache'];

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * The run's datetime as `mlpstorage` writes it in directory and file names: `YYYYMMDD_HHMMSS` in local time
 * (Python's `datetime.now().strftime("%Y%m%d_%H%M%S")`).
 */
export function formatRunDatetime(date: Date): string {
  return (
    `${pad(date.getFullYear(), 4)}${pad(date.getMonth() + 1)}${pad(date.getDate())}_` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
  );
}

/** What identifies where a run's results go (DESIGN §3). */
export interface ResultsLocation {
  benchmarkType: BenchmarkType;
  /** `run`, `datagen`, … */
  command: string;
  /** Training and checkpointing file their runs under the model. */
  model?: string;
}

/**
 * The directory that holds the run directories of one benchmark/command, as `mlpstorage` lays it out:
 * `training/<model>/<command>`, `checkpointing/<model>`, `vector_database/<command>`, `kv_cache/<command>`.
 */
export function resultsParentDirectory(resultsDir: string, location: ResultsLocation): string {
  switch (location.benchmarkType) {
    case 'training':
      return join(resultsDir, 'training', location.model ?? 'unknown_model', location.command);
    case 'checkpointing':
      return join(resultsDir, 'checkpointing', location.model ?? 'unknown_model');
    case 'vector_database':
      return join(resultsDir, 'vector_database', location.command);
    case 'kv_cache':
      return join(resultsDir, 'kv_cache', location.command);
  }
}

/** A run directory that this process created and owns. */
export interface AllocatedRunDirectory {
  datetime: string;
  path: string;
  date: Date;
}

/**
 * Creates a fresh run directory `<parent>/<YYYYMMDD_HHMMSS>`. The final `mkdir` is exclusive, so two runs
 * started in the same second (or a leftover directory) never share one: a collision moves to the next
 * second, and the returned datetime is the one really used, so the file names inside match the directory.
 */
export function allocateRunDirectory(parent: string, start: Date, maxAttempts = 3600): AllocatedRunDirectory {
  try {
    makeDirectorySync(parent);
  } catch (cause) {
    throw new MlpsError('IO_ERROR', `cannot create results directory ${parent}: ${(cause as Error).message}`, { cause });
  }
  // Whole seconds: the name has no sub-second part, so the next candidate is the next second.
  const baseMs = Math.floor(start.getTime() / 1000) * 1000;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const date = new Date(baseMs + attempt * 1000);
    const datetime = formatRunDatetime(date);
    const path = join(parent, datetime);
    try {
      mkdirSync(path);
      return { datetime, path, date };
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new MlpsError('IO_ERROR', `cannot create run directory ${path}: ${(cause as Error).message}`, { cause });
    }
  }
  throw new MlpsError('IO_ERROR', `no free run directory name under ${parent} after ${maxAttempts} attempts`);
}

/**
 * File names of a run, all sharing `{benchmark_type}_{datetime}` (DESIGN §3); `timeseries collect` uses its
 * `--name` in place of the benchmark type.
 */
export function runFileNames(benchmarkType: BenchmarkType | (string & {}), datetime: string): {
  timeseries: string;
  journal: string;
  metadata: string;
} {
  const stem = `${benchmarkType}_${datetime}`;
  return {
    timeseries: `${stem}_timeseries.json`,
    journal: `${stem}_timeseries.jsonl`,
    metadata: `${stem}_metadata.json`,
  };
}
