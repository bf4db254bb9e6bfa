/**
 * The time-series document (DESIGN §3): building it from a collector, writing it as JSON and loading it
 * back with validation. Files written by Python `mlpstorage` load too: they have whole-second or naive
 * timestamps and none of the mlps keys.
 */
import { MlpsError } from './errors';
import { formatReferenceTimestamp, toEpochMs } from './timestamps';
import { SAMPLE_DATA_KEYS as DATA_KEYS, hostStatusFromSamples, isGoodSample } from './host-health';
import { RECORD_SOURCES, type ProcSource } from './proc/registry';
import {
  expectArray,
  expectCount,
  expectNumber,
  expectObject,
  expectString,
  expectTimestamp,
  checkNumericFields,
  keyPath,
  fail,
  type JsonObject,
} from './validation';
import type {
  CollectionMethod,
  HostHealth,
  HostStatusRecord,
  IntervalStatsRecord,
  TimeSeriesData,
  TimeSeriesSample,
} from './types';

/**
 * Version of the document format this code writes (`format_version`). 2: diskstats carry the reference's
 * `time_doing_ios_ms`/`weighted_time_doing_ios_ms` (1 wrote `time_io_ms`/`weighted_time_io_ms`), times are
 * in the reference's `%Y-%m-%dT%H:%M:%SZ` with `timestamp_ms`/`start_time_ms`/`end_time_ms` beside them.
 * Readers take 1 and 2 (and Python files, which have none).
 */
export const FORMAT_VERSION = 2;

export { parseTimestampMs } from './timestamps';

/** Everything a collector knows about its run, from which {@link buildTimeSeriesData} builds the document. */
export interface RunDescription {
  /** The configured sampling interval. */
  intervalSeconds: number;
  /** When collection started (first sample due), or null if it never started. */
  startTime: Date | null;
  /** When collection stopped, or null while running / never started. */
  endTime: Date | null;
  /** Hosts as the user requested them (the keys of `samples_by_host`). */
  hostsRequested: string[];
  /**
   * Samples kept per requested host (after any `maxSamples` overflow policy). A collector may decode a
   * host's list only when it is read; the streamed writer reads {@link keptSamples} instead when given.
   */
  samplesByHost: Record<string, TimeSeriesSample[]>;
  /**
   * The same kept samples, one host and one sample at a time (optional): what `writeTimeSeriesDocument`
   * streams from, so writing a run holds one decoded sample, never every host's list. It must list the
   * same samples as {@link samplesByHost}; the document is then byte-identical either way.
   */
  keptSamples?: KeptSamples;
  /** How samples were really taken (`local` in-process, `ssh`, or `mixed`). */
  collectionMethod: CollectionMethod;
  /** Per-host health as the collector saw it; derived from the samples for hosts it omits. */
  hostStatus?: Record<string, HostStatusRecord>;
  /** Measured scheduling statistics. */
  intervalStats?: IntervalStatsRecord;
}

/** A run's kept samples read host by host and sample by sample, without materialising a host's list. */
export interface KeptSamples {
  /** Samples kept for `host`, known without decoding any (0 for a host the run does not have). */
  count(host: string): number;
  /**
   * `host`'s kept samples, oldest first, each decoded when the iteration reaches it and not retained by
   * the source (nothing for a host the run does not have).
   */
  samples(host: string): Iterable<TimeSeriesSample>;
}

/** Anything that can describe a finished run: both the single-host and the multi-host collector. */
export interface DescribesRun {
  describeRun(): RunDescription;
}

/** Whether a sample holds data; defined by the one host-health rule ({@link hostStatusFromSamples}). */
export { isGoodSample } from './host-health';

/**
 * Health of one host judged from its samples alone: `failed` without a single good sample, `partial`
 * with error samples or failed sources, else `ok` (the rule of `host-health.ts`).
 */
export function deriveHostStatus(samples: readonly TimeSeriesSample[]): HostStatusRecord {
  return hostStatusFromSamples(samples);
}

/** A run time as the document writes it: the reference's text and exact milliseconds, or nulls. */
export function runTimeFields(date: Date | null): { text: string | null; ms: number | null } {
  const ms = date === null ? null : toEpochMs(date.getTime());
  return ms === null ? { text: null, ms: null } : { text: formatReferenceTimestamp(ms), ms };
}

/**
 * Builds the run document from a (stopped) collector, filling every DESIGN §3 field from what really
 * happened:
 * - `samples_by_host` has an entry for every requested host, empty when nothing came back;
 * - `num_samples` is the total number of samples in the document over all hosts (what a reader finds
 *   in `samples_by_host`, i.e. after any `maxSamples` decimation; `interval_stats.samples` counts every
 *   sample taken);
 * - `hosts_collected` lists, in request order, the hosts with at least one good sample
 *   ({@link isGoodSample}); a host that only produced error samples is not collected;
 * - `host_status` comes from the collector, or is derived from the samples ({@link deriveHostStatus}).
 */
export function buildTimeSeriesData(source: DescribesRun): TimeSeriesData {
  const run = source.describeRun();
  const samplesByHost: Record<string, TimeSeriesSample[]> = {};
  for (const host of documentHosts(run)) samplesByHost[host] = [...(run.samplesByHost[host] ?? [])];
  let numSamples = 0;
  const hostStatus: Record<string, HostStatusRecord> = {};
  const hostsCollected: string[] = [];
  for (const [host, samples] of Object.entries(samplesByHost)) {
    numSamples += samples.length;
    hostStatus[host] = run.hostStatus?.[host] ?? deriveHostStatus(samples);
    if (samples.some(isGoodSample)) hostsCollected.push(host);
  }
  return assembleTimeSeriesData(run, { numSamples, samplesByHost, hostsCollected, hostStatus });
}

/**
 * The hosts of a run's document, in order: the requested hosts, then any other host the description has
 * samples for (`Object.keys` only: no host's samples are decoded).
 */
export function documentHosts(run: RunDescription): string[] {
  return [...new Set([...run.hostsRequested, ...Object.keys(run.samplesByHost)])];
}

/** The parts of a run document that depend on its samples (see {@link assembleTimeSeriesData}). */
export interface DocumentSampleParts<Samples> {
  numSamples: number;
  samplesByHost: Record<string, Samples>;
  /** Hosts with at least one good sample, in document order. */
  hostsCollected: string[];
  hostStatus: Record<string, HostStatusRecord>;
}

/**
 * The run document from a description and its sample-dependent parts, keys in the document's order (the
 * one place that order is written down, for {@link buildTimeSeriesData} and the streamed writer alike).
 * Every key after `samples_by_host` holds the very objects passed in, so a streaming writer may still
 * fill `hostsCollected` and `hostStatus` while it writes the samples: they are serialised after them.
 */
export function assembleTimeSeriesData<Samples>(
  run: RunDescription,
  parts: DocumentSampleParts<Samples>,
): Omit<TimeSeriesData, 'samples_by_host'> & { samples_by_host: Record<string, Samples> } {
  const start = runTimeFields(run.startTime);
  const end = runTimeFields(run.endTime);
  const data: Omit<TimeSeriesData, 'samples_by_host'> & { samples_by_host: Record<string, Samples> } = {
    collection_interval_seconds: run.intervalSeconds,
    start_time: start.text,
    end_time: end.text,
    num_samples: parts.numSamples,
    samples_by_host: parts.samplesByHost,
    collection_method: run.collectionMethod,
    hosts_requested: [...run.hostsRequested],
    hosts_collected: parts.hostsCollected,
    format_version: FORMAT_VERSION,
    start_time_ms: start.ms,
    end_time_ms: end.ms,
    host_status: parts.hostStatus,
  };
  if (run.intervalStats !== undefined) data.interval_stats = run.intervalStats;
  return data;
}

/** The document as JSON, indented by 2 like `mlpstorage` writes it. */
export function serializeTimeSeriesData(data: TimeSeriesData): string {
  return JSON.stringify(data, null, 2);
}

// ---------------------------------------------------------------------------------------------------
// Loading and validation

type Obj = JsonObject;

/** The sources that renamed fields in an earlier format (their `normalize` brings old files to today's names). */
const RENAMING_SOURCES: readonly ProcSource[] = RECORD_SOURCES.filter((source) => source.normalize !== undefined);

/** Each source by its sample key: a sample's collected data is checked by the source that wrote it. */
const SOURCE_BY_FIELD: ReadonlyMap<string, ProcSource> = new Map(RECORD_SOURCES.map((source) => [source.field, source]));

/** The optional keys of a sample that Python writes as `null` when the source was not read. */
const NULLABLE_SAMPLE_KEYS = [...DATA_KEYS, 'errors'] as const;

/** Deletes the optional keys Python wrote as `null` (absent, for every reader), without copying the sample. */
function dropNullSources(sample: Obj): void {
  for (const key of NULLABLE_SAMPLE_KEYS) if (sample[key] === null) delete sample[key];
}

/**
 * Reads a sample as the current format names its fields: optional sources Python wrote as `null` are
 * dropped (as {@link validateSample} does), diskstats records written by mlps before
 * format 2 (`time_io_ms`, `weighted_time_io_ms`) get the reference's names (`time_doing_ios_ms`,
 * `weighted_time_doing_ios_ms`). Every reader (document, journal, stream, live tail) applies it, so rates,
 * report and export see one naming. Returns the same object when nothing needed renaming (the common
 * case costs one key probe per device); never throws.
 */
export function normalizeSampleFields<T>(sample: T): T {
  if (typeof sample !== 'object' || sample === null) return sample;
  dropNullSources(sample as Obj);
  for (const source of RENAMING_SOURCES) {
    const value = (sample as Obj)[source.field];
    if (value === undefined) continue;
    const normalized = (source.normalize as (value: unknown) => unknown)(value);
    if (normalized !== value) (sample as Obj)[source.field] = normalized;
  }
  return sample;
}

/**
 * Validates one sample and returns it normalised: optional keys that are `null` (as Python may write
 * them) are dropped, an empty `errors` is dropped, diskstats names of mlps before format 2 become the
 * reference's ({@link normalizeSampleFields}), unknown keys are kept. Throws INVALID_FORMAT naming the field.
 */
export function validateSample(value: unknown, path: string): TimeSeriesSample {
  const input = expectObject(value, path);
  const out: Obj = {};
  for (const [key, entry] of Object.entries(input)) {
    if (entry === null && key !== 'timestamp' && key !== 'hostname') continue;
    const entryPath = keyPath(path, key);
    const source = SOURCE_BY_FIELD.get(key);
    if (source !== undefined) {
      out[key] = source.validate(entry, entryPath);
      continue;
    }
    switch (key) {
      case 'timestamp':
        expectTimestamp(entry, entryPath);
        break;
      case 'timestamp_ms':
        expectNumber(entry, entryPath);
        break;
      case 'hostname':
        expectString(entry, entryPath);
        break;
      case 'errors': {
        const errors = expectObject(entry, entryPath);
        for (const [source, message] of Object.entries(errors)) expectString(message, keyPath(entryPath, source));
        if (Object.keys(errors).length === 0) continue;
        break;
      }
      default:
        break;
    }
    out[key] = entry;
  }
  if (!('timestamp' in out)) fail(keyPath(path, 'timestamp'), 'an ISO-8601 string', undefined);
  if (!('hostname' in out)) fail(keyPath(path, 'hostname'), 'a string', undefined);
  return out as unknown as TimeSeriesSample;
}

const COLLECTION_METHODS: readonly CollectionMethod[] = ['local', 'ssh', 'mixed'];
const HOST_HEALTH: readonly HostHealth[] = ['ok', 'partial', 'failed'];

function checkStringList(value: unknown, path: string): string[] {
  const list = expectArray(value, path);
  list.forEach((item, i) => expectString(item, `${path}[${i}]`));
  return list as string[];
}

function checkHostStatus(value: unknown, path: string): Record<string, HostStatusRecord> {
  const map = expectObject(value, path);
  for (const [host, entry] of Object.entries(map)) {
    const hostPath = keyPath(path, host);
    const record = expectObject(entry, hostPath);
    if (!HOST_HEALTH.includes(record.status as HostHealth)) fail(keyPath(hostPath, 'status'), `one of ${HOST_HEALTH.join(', ')}`, record.status);
    expectCount(record.samples, keyPath(hostPath, 'samples'));
    expectCount(record.error_samples, keyPath(hostPath, 'error_samples'));
    for (const field of ['good_samples', 'source_error_samples']) {
      if (record[field] !== undefined) expectCount(record[field], keyPath(hostPath, field));
    }
    if (record.reconnects !== undefined) expectCount(record.reconnects, keyPath(hostPath, 'reconnects'));
    if (record.last_error !== undefined) expectString(record.last_error, keyPath(hostPath, 'last_error'));
  }
  return map as Record<string, HostStatusRecord>;
}

function checkIntervalStats(value: unknown, path: string): IntervalStatsRecord {
  const stats = expectObject(value, path);
  for (const field of ['ticks', 'samples', 'skipped_ticks', 'failed_samples']) {
    expectCount(stats[field], keyPath(path, field));
  }
  for (const field of ['interval_error_ms', 'measured_interval_seconds']) {
    if (stats[field] !== undefined) {
      const summaryPath = keyPath(path, field);
      checkNumericFields(expectObject(stats[field], summaryPath), ['mean', 'p50', 'p99', 'max'], summaryPath);
    }
  }
  return stats as unknown as IntervalStatsRecord;
}

function parseJsonText(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const match = /position (\d+)/.exec(message);
    const position = match ? Number(match[1]) : /end of JSON input/i.test(message) ? body.length : null;
    let where = '';
    if (position !== null) {
      const before = body.slice(0, position);
      const line = before.split('\n').length;
      const column = position - before.lastIndexOf('\n');
      where = ` at line ${line} column ${column} (position ${position})`;
    }
    throw new MlpsError('INVALID_FORMAT', `time-series document is not valid JSON${where}: ${message}`, { cause: err });
  }
}

/**
 * `storage_under_test`: host → list of entries, each an object whose `devices` (when present) lists names.
 * Only the shape the readers rely on is checked; other fields are kept as written.
 */
function checkStorageUnderTest(value: unknown, path: string): Record<string, never[]> {
  const byHost = expectObject(value, path);
  for (const [host, list] of Object.entries(byHost)) {
    const hostPath = keyPath(path, host);
    expectArray(list, hostPath).forEach((entry, i) => {
      const e = expectObject(entry, `${hostPath}[${i}]`);
      if (e.devices !== undefined) checkStringList(e.devices, `${hostPath}[${i}].devices`);
    });
  }
  return byHost as Record<string, never[]>;
}

/**
 * Validates and loads a time-series document: JSON text (or bytes), or an already parsed object.
 * Accepts mlps files and files written by Python `mlpstorage` (whole-second or zone-less timestamps,
 * no `format_version`/`host_status`/`interval_stats`). Unknown keys are kept, so a round trip through
 * {@link serializeTimeSeriesData} loses nothing; `null` optional sample fields are dropped.
 *
 * @throws MlpsError `INVALID_FORMAT` naming the offending field, e.g.
 *   `samples_by_host.h1[3].timestamp: expected an ISO-8601 string, got 42`, or the line and column of
 *   invalid JSON.
 */
export function parseTimeSeriesData(input: string | unknown): TimeSeriesData {
  let value: unknown = input;
  if (typeof input === 'string') value = parseJsonText(input);
  else if (input instanceof Uint8Array) value = parseJsonText(Buffer.from(input).toString('utf8'));
  const doc = expectObject(value, '(document)');

  const data: Obj = {};
  const interval = expectNumber(doc.collection_interval_seconds, 'collection_interval_seconds');
  if (interval < 0) fail('collection_interval_seconds', 'a number >= 0', interval);
  data.collection_interval_seconds = interval;
  for (const field of ['start_time', 'end_time']) {
    const entry = doc[field];
    data[field] = entry === null ? null : expectTimestamp(entry, field);
  }
  for (const field of ['start_time_ms', 'end_time_ms']) {
    const entry = doc[field];
    if (entry !== undefined && entry !== null) expectNumber(entry, field);
  }
  data.num_samples = expectCount(doc.num_samples, 'num_samples');

  const byHost = expectObject(doc.samples_by_host, 'samples_by_host');
  const samplesByHost: Record<string, TimeSeriesSample[]> = {};
  for (const [host, list] of Object.entries(byHost)) {
    const hostPath = keyPath('samples_by_host', host);
    samplesByHost[host] = expectArray(list, hostPath).map((sample, i) => validateSample(sample, `${hostPath}[${i}]`));
  }
  data.samples_by_host = samplesByHost;

  if (!COLLECTION_METHODS.includes(doc.collection_method as CollectionMethod)) {
    fail('collection_method', `one of ${COLLECTION_METHODS.map((m) => `"${m}"`).join(', ')}`, doc.collection_method);
  }
  data.collection_method = doc.collection_method;
  data.hosts_requested = checkStringList(doc.hosts_requested, 'hosts_requested');
  data.hosts_collected = checkStringList(doc.hosts_collected, 'hosts_collected');

  if (doc.format_version !== undefined) {
    const version = expectCount(doc.format_version, 'format_version');
    if (version < 1 || version > FORMAT_VERSION) {
      throw new MlpsError(
        'INVALID_FORMAT',
        `format_version: this mlps reads format versions 1 to ${FORMAT_VERSION}, the file has ${version}; upgrade @mlps/timeseries`,
      );
    }
    data.format_version = version;
  }
  if (doc.host_status !== undefined) data.host_status = checkHostStatus(doc.host_status, 'host_status');
  if (doc.interval_stats !== undefined) data.interval_stats = checkIntervalStats(doc.interval_stats, 'interval_stats');
  if (doc.storage_under_test !== undefined) data.storage_under_test = checkStorageUnderTest(doc.storage_under_test, 'storage_under_test');

  for (const [key, entry] of Object.entries(doc)) {
    if (!(key in data) && entry !== undefined) data[key] = entry;
  }
  return data as unknown as TimeSeriesData;
}
