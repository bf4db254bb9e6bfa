import type { DiskStatsRecord } from '../types';
import { checkRecordList, isJsonObject, type JsonObject } from '../validation';
import { KeyCache, Scanner, asText } from './scanner';
import { counterFamily, gaugeFamily, recordListMetrics, type MetricFieldSpec } from './metrics';
import { isEmptyRecord, singleFileSource, type ProcSource } from './source';

/** The previous input's names by line, reused when unchanged (see {@link KeyCache}). */
const names = new KeyCache();

/** Counters after `major minor name`: 11 up to kernel 4.17, 15 from 4.18 (discard), 17 from 5.5 (flush). */
const BASE_COUNTERS = 11;
const DISCARD_COUNTERS = 15;
const FLUSH_COUNTERS = 17;

/** The counter fields of a record, in record order (after `major`, `minor`, `device_name`). */
const COUNTER_FIELDS = [
  'reads_completed', 'reads_merged', 'sectors_read', 'time_reading_ms', 'writes_completed', 'writes_merged',
  'sectors_written', 'time_writing_ms', 'ios_in_progress', 'time_doing_ios_ms', 'weighted_time_doing_ios_ms',
  'discards_completed', 'discards_merged', 'sectors_discarded', 'time_discarding_ms', 'flush_requests_completed',
  'time_flushing_ms',
] as const;

/**
 * Parses `/proc/diskstats` into one record per device line, raw cumulative counters.
 *
 * Lines of 14, 18 and 20 fields all parse: the discard fields appear only when the line has them (18+),
 * the flush fields only with 20. Fields beyond 20 (a future kernel) are ignored. A line with fewer than
 * 14 fields or a non-numeric counter is dropped on its own; the other lines are kept. Counters beyond
 * 2^53 become the nearest double (exact up to 2^53, ~16 significant digits beyond).
 *
 * Pure and total: never throws, whatever the input (non-strings give `[]`).
 */
export function parseProcDiskstats(text: string): DiskStatsRecord[] {
  const s = new Scanner(asText(text));
  const records: DiskStatsRecord[] = [];
  const counters: number[] = new Array<number>(FLUSH_COUNTERS).fill(0);
  for (let line = 0; !s.done(); s.nextLine(), line++) {
    const major = s.uint();
    const minor = s.uint();
    if (major !== major || minor !== minor) continue;
    const name = names.word(s, line);
    if (name === '') continue;
    let n = 0;
    let bad = false;
    while (n < FLUSH_COUNTERS && !s.atLineEnd()) {
      const v = s.uint();
      if (v !== v) {
        bad = true;
        break;
      }
      counters[n++] = v;
    }
    if (bad || n < BASE_COUNTERS) continue;
    // An object literal, not a loop over COUNTER_FIELDS: V8 then allocates the record in its final shape
    // (a keyed fill measured 2-3x slower per file).
    const record: DiskStatsRecord = {
      major,
      minor,
      device_name: name,
      reads_completed: counters[0] as number,
      reads_merged: counters[1] as number,
      sectors_read: counters[2] as number,
      time_reading_ms: counters[3] as number,
      writes_completed: counters[4] as number,
      writes_merged: counters[5] as number,
      sectors_written: counters[6] as number,
      time_writing_ms: counters[7] as number,
      ios_in_progress: counters[8] as number,
      time_doing_ios_ms: counters[9] as number,
      weighted_time_doing_ios_ms: counters[10] as number,
    };
    if (n >= DISCARD_COUNTERS) {
      record.discards_completed = counters[11] as number;
      record.discards_merged = counters[12] as number;
      record.sectors_discarded = counters[13] as number;
      record.time_discarding_ms = counters[14] as number;
    }
    if (n >= FLUSH_COUNTERS) {
      record.flush_requests_completed = counters[15] as number;
      record.time_flushing_ms = counters[16] as number;
    }
    records.push(record);
  }
  return records;
}

/** Kernel sector size for `/proc/diskstats` (always 512 bytes, whatever the device's block size). */
export const SECTOR_BYTES = 512;

/** diskstats names mlps wrote before format 2 → the reference's names. */
const LEGACY_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  time_io_ms: 'time_doing_ios_ms',
  weighted_time_io_ms: 'weighted_time_doing_ios_ms',
});

/** Fields a loaded record may carry as numbers: the current ones and the legacy names (still loaded). */
const LOADED_FIELDS: readonly string[] = Object.freeze(['major', 'minor', ...COUNTER_FIELDS, ...Object.keys(LEGACY_FIELDS)]);

function hasLegacyFields(record: JsonObject): boolean {
  for (const legacy in LEGACY_FIELDS) if (legacy in record) return true;
  return false;
}

/**
 * Brings one record written by mlps before format 2 to the reference's names, in place of the old keys
 * (same position, so a rewritten file keeps its column order). A record that already has the new name
 * keeps it and drops the old one. Returns the record itself when there is nothing to rename.
 */
function normalizeDiskRecord(record: JsonObject): JsonObject {
  if (!hasLegacyFields(record)) return record;
  const out: JsonObject = {};
  for (const key of Object.keys(record)) {
    const renamed = LEGACY_FIELDS[key];
    if (renamed === undefined) out[key] = record[key];
    else if (!(renamed in record)) out[renamed] = record[key];
  }
  return out;
}

/**
 * The sample's `diskstats` with legacy names renamed (`time_io_ms` → `time_doing_ios_ms`); the same array
 * when no record has one (the common case costs one key probe per device). Never throws.
 */
function normalizeDiskstats(value: unknown): unknown {
  if (!Array.isArray(value) || value.length === 0) return value;
  let changed = false;
  for (const disk of value as unknown[]) {
    if (isJsonObject(disk) && hasLegacyFields(disk)) {
      changed = true;
      break;
    }
  }
  if (!changed) return value;
  return (value as unknown[]).map((disk) => (isJsonObject(disk) ? normalizeDiskRecord(disk) : disk));
}

const MS = 1 / 1000;
/** node_exporter's diskstats families (`node_disk_*`), in record order; major/minor are ids, not exported. */
const DISK_METRICS: readonly MetricFieldSpec[] = [
  ['reads_completed', 'count', counterFamily('node_disk_reads_completed', '', 'The total number of reads completed successfully.'), 1],
  ['reads_merged', 'count', counterFamily('node_disk_reads_merged', '', 'The total number of reads merged.'), 1],
  ['sectors_read', 'sectors', counterFamily('node_disk_read_bytes', 'bytes', 'The total number of bytes read successfully.'), SECTOR_BYTES],
  ['time_reading_ms', 'ms', counterFamily('node_disk_read_time_seconds', 'seconds', 'The total number of seconds spent by all reads.'), MS],
  ['writes_completed', 'count', counterFamily('node_disk_writes_completed', '', 'The total number of writes completed successfully.'), 1],
  ['writes_merged', 'count', counterFamily('node_disk_writes_merged', '', 'The number of writes merged.'), 1],
  ['sectors_written', 'sectors', counterFamily('node_disk_written_bytes', 'bytes', 'The total number of bytes written successfully.'), SECTOR_BYTES],
  ['time_writing_ms', 'ms', counterFamily('node_disk_write_time_seconds', 'seconds', 'This is the total number of seconds spent by all writes.'), MS],
  ['ios_in_progress', 'count', gaugeFamily('node_disk_io_now', '', 'The number of I/Os currently in progress.'), 1],
  ['time_doing_ios_ms', 'ms', counterFamily('node_disk_io_time_seconds', 'seconds', 'Total seconds spent doing I/Os.'), MS],
  ['weighted_time_doing_ios_ms', 'ms', counterFamily('node_disk_io_time_weighted_seconds', 'seconds', 'The weighted # of seconds spent doing I/Os.'), MS],
  ['discards_completed', 'count', counterFamily('node_disk_discards_completed', '', 'The total number of discards completed successfully.'), 1],
  ['discards_merged', 'count', counterFamily('node_disk_discards_merged', '', 'The total number of discards merged.'), 1],
  ['sectors_discarded', 'sectors', counterFamily('node_disk_discarded_sectors', '', 'The total number of sectors discarded successfully.'), 1],
  ['time_discarding_ms', 'ms', counterFamily('node_disk_discard_time_seconds', 'seconds', 'This is the total number of seconds spent by all discards.'), MS],
  ['flush_requests_completed', 'count', counterFamily('node_disk_flush_requests', '', 'The total number of flush requests completed successfully.'), 1],
  ['time_flushing_ms', 'ms', counterFamily('node_disk_flush_requests_time_seconds', 'seconds', 'This is the total number of seconds spent by all flush requests.'), MS],
];

/**
 * The `diskstats` source (`/proc/diskstats` → sample key `diskstats`): one record per device, the
 * reference's field names. Loaded records may carry the names of mlps before format 2 (`time_io_ms`,
 * `weighted_time_io_ms`): they are checked and renamed.
 */
export const diskstatsSource: ProcSource = singleFileSource({
  name: 'diskstats',
  field: 'diskstats',
  file: 'diskstats',
  fields: ['major', 'minor', ...COUNTER_FIELDS],
  parse: parseProcDiskstats,
  isEmpty: isEmptyRecord,
  validate(value, path) {
    checkRecordList(value, path, 'device_name', LOADED_FIELDS);
    return (value as JsonObject[]).map(normalizeDiskRecord);
  },
  normalize: normalizeDiskstats,
  metrics: recordListMetrics(10, 'device_name', DISK_METRICS),
});
