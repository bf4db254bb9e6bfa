/**
 * One local sample: read the `/proc` sources, parse them, assemble a {@link TimeSeriesSample}.
 *
 * The reading is synchronous on purpose: `/proc` files are generated in memory by the kernel, a read never
 * blocks on a device, and `fs.promises.readFile` costs ~10× `readFileSync` on them (thread-pool hop and
 * promise machinery per file), which is most of a sample's CPU at 10 Hz.
 */

import { hostname as osHostname } from 'node:os';
import { invalidArgument } from './errors';
import { PROC_SOURCES, type ProcSource } from './proc/registry';
import { ProcReader, type ProcSourceFile } from './proc/reader';
import { formatReferenceTimestamp, parseTimestampMs, toEpochMs } from './timestamps';
import type { SampleSource, TimeSeriesSample } from './types';

/** One file local sampling reads: its source, its key in `texts`/`errors`, its path under `procRoot`. */
export interface SampleSourceFile {
  readonly source: SampleSource;
  /** Key of the file's text in {@link buildSampleFromSourceTexts}'s `texts` (its path relative to `/proc`). */
  readonly key: string;
  /** Path relative to the proc root. */
  readonly path: string;
  /** Absent without error where the host lacks it (PSI, NFS, CIFS, Lustre). */
  readonly optional: boolean;
  /** A text the local sampler makes (files found by a pattern): not a path a remote `cat` can read. */
  readonly synthesized: boolean;
}

/**
 * The files a sample reads, relative to the proc root, in reading order: those of the source registry
 * (`proc/registry.ts`). Remote collection reads the same list (one command per tick) and hands the
 * texts, keyed by `key`, to {@link buildSampleFromSourceTexts}.
 */
export const SAMPLE_SOURCE_FILES: readonly SampleSourceFile[] = Object.freeze(
  PROC_SOURCES.flatMap((source) =>
    source.files.map((file) =>
      Object.freeze({ source: source.name, key: file.key, path: file.path, optional: file.optional, synthesized: file.synthesize !== undefined }),
    ),
  ),
);

/** What {@link buildSampleFromSourceTexts} assembles a sample from. */
export interface SourceTexts {
  /** UTC time the sample was taken, in the reference's form (see {@link formatTimestamp}). */
  timestamp: string;
  /**
   * The exact time, epoch milliseconds, written as the sample's `timestamp_ms` (rounded). Default: parsed
   * from `timestamp`.
   */
  timestampMs?: number;
  /** The sampled host's own name. */
  hostname: string;
  /** File texts keyed by {@link SampleSourceFile.key} (`'diskstats'`, `'net/dev'`, `'pressure/io'`, …). */
  texts: Partial<Record<string, string>>;
  /**
   * Read failures already known, keyed by file key or source name (`'net/dev'` or `'netdev'`). They are kept
   * in the sample's `errors` (under the source name); unknown keys are kept as they are.
   */
  errors?: Record<string, string>;
  /** The sources to assemble, in sample key order. Default: the registry, `PROC_SOURCES`. */
  sources?: readonly ProcSource[];
}

/** Options of {@link collectTimeseriesSampleSync} and {@link collectTimeseriesSample}. */
export interface CollectSampleOptions {
  /** Where `/proc` is mounted (a host's `/proc` bind-mounted in a container, a fixture tree). Default `/proc`. */
  procRoot?: string;
  /** Name recorded in the sample. Default `os.hostname()`. */
  hostname?: string;
  /** Wall-clock milliseconds to stamp the sample with (a collector's clock). Default `Date.now()` at start. */
  wallMs?: number;
}

/** Error-key of a file in the sample's `errors`: the source name, except per-resource PSI files. */
function errorKeyOf(file: SampleSourceFile): string {
  return file.source === 'pressure' ? file.key : file.source;
}

const ERROR_KEY_BY_FILE_KEY: ReadonlyMap<string, string> = new Map(SAMPLE_SOURCE_FILES.map((f) => [f.key, errorKeyOf(f)]));

/**
 * Formats wall-clock milliseconds as a sample's `timestamp`: the reference's `%Y-%m-%dT%H:%M:%SZ`
 * (`2026-01-24T12:00:00Z`; the exact time goes in `timestamp_ms`). Same as
 * {@link formatReferenceTimestamp}: a value that is not a valid time gives the epoch rather than throwing.
 */
export function formatTimestamp(ms: number): string {
  return formatReferenceTimestamp(ms);
}

/**
 * The time fields of a sample taken at `wallMs`: `timestamp` in the reference's form and the exact
 * `timestamp_ms`, in that key order (a sample object starts with these, then `hostname`).
 */
export function sampleTimeFields(wallMs: number): { timestamp: string; timestamp_ms: number } {
  return { timestamp: formatReferenceTimestamp(wallMs), timestamp_ms: toEpochMs(wallMs) ?? 0 };
}

/**
 * Parses the texts of one sample's sources into a {@link TimeSeriesSample}; the single assembly point for
 * local and remote sampling.
 *
 * A required source (diskstats, vmstat, meminfo, loadavg, netdev, cpu, uptime) whose text is missing or
 * parses to nothing is absent and named in `errors` (`'missing'` / `'no valid lines in …'`, or the message
 * passed in `input.errors`). Pressure is optional: a missing PSI file is absent without error (kernels
 * without PSI); a present one that does not parse is named as `pressure/<resource>`. `errors` is absent
 * when empty. Never throws for any texts.
 */
export function buildSampleFromSourceTexts(input: SourceTexts): TimeSeriesSample {
  const texts = input.texts ?? {};
  const errors: Record<string, string> = {};
  if (input.errors) {
    for (const key of Object.keys(input.errors)) {
      const message = input.errors[key];
      if (typeof message === 'string') errors[ERROR_KEY_BY_FILE_KEY.get(key) ?? key] = message;
    }
  }
  const exactMs = (input.timestampMs === undefined ? null : toEpochMs(input.timestampMs)) ?? parseTimestampMs(input.timestamp);
  const sample: TimeSeriesSample =
    exactMs === null
      ? { timestamp: input.timestamp, hostname: input.hostname }
      : { timestamp: input.timestamp, timestamp_ms: exactMs, hostname: input.hostname };

  const record = sample as unknown as Record<string, unknown>;
  for (const source of input.sources ?? PROC_SOURCES) {
    const files = source.files;
    const sourceTexts = new Array<string | undefined>(files.length);
    for (let i = 0; i < files.length; i++) {
      const text = texts[(files[i] as { key: string }).key];
      sourceTexts[i] = typeof text === 'string' ? text : undefined;
    }
    const value = source.build(sourceTexts, errors);
    if (value !== undefined) record[source.field] = value;
  }

  if (hasKeys(errors)) sample.errors = errors;
  return sample;
}

function hasKeys(record: object): boolean {
  for (const _ in record) return true;
  return false;
}

/** The files as the reader sees them, in registry order: PSI files are optional (kernels without PSI). */
export const READER_FILES: readonly ProcSourceFile[] = readerFilesOf(PROC_SOURCES);

/** The files of `sources` as a {@link ProcReader} reads them, in source order. */
export function readerFilesOf(sources: readonly ProcSource[]): readonly ProcSourceFile[] {
  return Object.freeze(
    sources.flatMap((source) =>
      source.files.map((file) =>
        Object.freeze({ key: file.key, path: file.path, optional: file.optional, ...(file.synthesize ? { synthesize: file.synthesize } : {}) }),
      ),
    ),
  );
}

/**
 * Creates a reader of the sample's files under `procRoot`. On procfs it keeps the files open between
 * samples (see {@link ProcReader}); whoever creates one closes it when done.
 */
export function createSampleReader(procRoot = '/proc'): ProcReader {
  return new ProcReader(procRoot, READER_FILES);
}

/**
 * The reader of the default `/proc`, shared by every {@link collectTimeseriesSampleSync} call of the
 * process: its ten descriptors stay open for the life of the process (close-on-exec, no event-loop
 * handle), which is what makes repeated sampling cheap.
 */
let defaultReader: ProcReader | undefined;

function validateOptions(options: CollectSampleOptions | undefined): { procRoot: string; hostname?: string; wallMs?: number } {
  if (options === undefined || options === null) return { procRoot: '/proc' };
  if (typeof options !== 'object') throw invalidArgument(`sample options must be an object, got ${typeof options}`);
  const { procRoot = '/proc', hostname, wallMs } = options;
  if (typeof procRoot !== 'string' || procRoot === '') {
    throw invalidArgument(`procRoot must be a non-empty path, got ${JSON.stringify(procRoot)}`);
  }
  if (hostname !== undefined && typeof hostname !== 'string') {
    throw invalidArgument(`hostname must be a string, got ${typeof hostname}`);
  }
  if (wallMs !== undefined && (typeof wallMs !== 'number' || !Number.isFinite(wallMs))) {
    throw invalidArgument(`wallMs must be a finite number of milliseconds, got ${String(wallMs)}`);
  }
  return { procRoot, hostname, wallMs };
}

/**
 * Takes one sample of this host synchronously: the timestamp at start, then every file of
 * {@link SAMPLE_SOURCE_FILES} under `procRoot` (~0.2 ms CPU back to back; a sample taken after a second
 * of idleness costs several times that on a VM, see `bench/sample-cost`). With the default `/proc`, the
 * files stay open between calls and are re-read from offset 0 (see {@link ProcReader}). A file that cannot be read is absent and named in `errors`
 * with its errno (`ENOENT: cannot read /proc/diskstats`); a missing `pressure/` directory (kernel without
 * PSI) is not an error. Throws only for invalid options (`MlpsError` `INVALID_ARGUMENT`).
 */
export function collectTimeseriesSampleSync(options?: CollectSampleOptions): TimeSeriesSample {
  const { procRoot, hostname, wallMs } = validateOptions(options);
  if (procRoot === '/proc') return sampleWithReader((defaultReader ??= createSampleReader()), hostname, wallMs);
  // Another root is read afresh each time: a fixture tree may be rewritten between calls.
  return sampleWithReader(new ProcReader(procRoot, READER_FILES, { keepOpen: false }), hostname, wallMs);
}

/**
 * Takes one sample through `reader` (see {@link collectTimeseriesSampleSync}); the collector's own reader
 * goes through here so its descriptors are closed when it stops.
 */
export function sampleWithReader(reader: ProcReader, hostname: string | undefined, wallMs: number | undefined): TimeSeriesSample {
  const timestampMs = wallMs ?? Date.now();
  const timestamp = formatTimestamp(timestampMs);
  const texts: Record<string, string> = {};
  const errors: Record<string, string> = {};
  reader.readAll(texts, errors);
  return buildSampleFromSourceTexts({ timestamp, timestampMs, hostname: hostname ?? osHostname(), texts, errors });
}

/**
 * Takes one sample of this host (see {@link collectTimeseriesSampleSync}, which does the work: reading
 * `/proc` synchronously is ~10× cheaper than through `fs.promises`). Resolves with the sample even when
 * sources fail (they are named in `errors`); rejects only for invalid options.
 */
export function collectTimeseriesSample(options?: CollectSampleOptions): Promise<TimeSeriesSample> {
  try {
    return Promise.resolve(collectTimeseriesSampleSync(options));
  } catch (error) {
    return Promise.reject(error);
  }
}
