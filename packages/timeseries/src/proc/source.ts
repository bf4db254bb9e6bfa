/**
 * What a `/proc` source is (DESIGN §4 "Data path"): one module per source declares its files, the sample
 * key its record goes under, its field names, how its text becomes a record, how a loaded record is
 * checked (and old names brought to the current ones) and how a record becomes export points. Sampling,
 * the remote loop, the learned byte templates of the fast path, the document reader and validator, and the
 * exports iterate the registry (`registry.ts`); nothing else lists sources. Adding a source is one module
 * and one registry line.
 */
import type { SampleSource, TimeSeriesSample } from '../types';
import type { ProcSourceFile } from './reader';
import type { ProcSourceMetrics } from './metrics';

/** One file a source reads, relative to the proc root. */
export interface ProcSourceFileSpec {
  /** Key of the file's text (its path relative to `/proc`, as the remote loop names it). */
  readonly key: string;
  /** Path relative to the proc root. */
  readonly path: string;
  /** Absent without error where the kernel or host lacks it (PSI, the cifs module, Lustre). */
  readonly optional: boolean;
  /**
   * A text made rather than read (see `ProcSourceFile.synthesize` in `reader.ts`): several files found by a
   * pattern (Lustre's `llite/<instance>/stats`). Local sampling only: the remote loop reads fixed paths and skips it.
   */
  readonly synthesize?: (procRoot: string, target: { buf: Buffer }, at: number) => number;
}

/** One `/proc` source. */
export interface ProcSource {
  /** The source's name (`diskstats`, `cpu`, `pressure`, …): its key in a sample's `errors`. */
  readonly name: SampleSource;
  /** The sample key its record goes under (`diskstats`, `cpu`, `uptime_seconds`, …). */
  readonly field: keyof TimeSeriesSample & string;
  /** The files it reads, in reading order. */
  readonly files: readonly ProcSourceFileSpec[];
  /** The numeric field names of its records, in record order (documentation, export). */
  readonly fields: readonly string[];
  /**
   * Builds the record from the texts of its files (`undefined`: the file was not read) and names in
   * `errors` what is missing or does not parse (keys as in the sample's `errors`). Returns `undefined`
   * when the sample gets no record for this source. Never throws.
   */
  build(texts: readonly (string | undefined)[], errors: Record<string, string>): unknown;
  /**
   * Checks the source's record in a loaded document (`value`, non-null, at JSON path `path`) and returns it
   * as the current format names it (usually `value` itself). Throws `INVALID_FORMAT` naming the offending
   * field (see `validation.ts`); keys it does not know are kept.
   */
  validate(value: unknown, path: string): unknown;
  /**
   * Brings a record written under older field names to the current ones (diskstats before format 2), for
   * readers that do not validate (journal, stream, live tail). Returns `value` itself when nothing changes;
   * absent when the source never renamed anything. Never throws.
   */
  readonly normalize?: (value: unknown) => unknown;
  /** How a record becomes export points (CSV, JSON Lines, OpenMetrics). */
  readonly metrics: ProcSourceMetrics;
}

/** Why a text gave no record: empty, or nothing in it parsed. */
export function unparsedMessage(key: string, text: string): string {
  return text.length === 0 ? `empty: ${key}` : `no valid lines in ${key}`;
}

/**
 * A source of one required file whose parser returns a record (or `null`/nothing for "no valid lines").
 * A file that was not read is named `missing: <key> was not read` unless a read error is already there.
 */
export function singleFileSource<R>(spec: {
  name: SampleSource;
  field: keyof TimeSeriesSample & string;
  file: string;
  fields: readonly string[];
  parse: (text: string) => R | null;
  /** True when the parsed value holds nothing (an empty array or object). */
  isEmpty?: (record: R) => boolean;
  validate: (value: unknown, path: string) => unknown;
  normalize?: (value: unknown) => unknown;
  metrics: ProcSourceMetrics;
}): ProcSource {
  const { name, file, parse, isEmpty } = spec;
  return Object.freeze({
    name,
    field: spec.field,
    files: Object.freeze([Object.freeze({ key: file, path: file, optional: false })]),
    fields: Object.freeze([...spec.fields]),
    validate: spec.validate,
    ...(spec.normalize !== undefined ? { normalize: spec.normalize } : {}),
    metrics: spec.metrics,
    build(texts: readonly (string | undefined)[], errors: Record<string, string>): unknown {
      const text = texts[0];
      if (typeof text !== 'string') {
        if (errors[name] === undefined) errors[name] = `missing: ${file} was not read`;
        return undefined;
      }
      const record = parse(text);
      if (record === null || record === undefined || (isEmpty !== undefined && isEmpty(record))) {
        errors[name] = unparsedMessage(file, text);
        return undefined;
      }
      return record;
    },
  });
}

/** True for an array or object without entries. */
export function isEmptyRecord(record: unknown): boolean {
  if (Array.isArray(record)) return record.length === 0;
  if (record !== null && typeof record === 'object') {
    for (const _ in record) return false;
    return true;
  }
  return false;
}
