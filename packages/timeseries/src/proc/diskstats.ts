import type { DiskStatsRecord } from '../types';
import { KeyCache, Scanner, asText } from './scanner';
import { isEmptyRecord, singleFileSource, type ProcSource } from './source';

/** The previous input's names by line, reused when unchanged (see {@link KeyCache}). */
const names = new KeyCache();

/** Counters after `major minor name`: 11 up to kernel 4.17, 15 from 4.18 (discard), 17 from 5.5 (flush). */
const BASE_COUNTERS = 11;
const DISCARD_COUNTERS = 15;
const FLUSH_COUNTERS = 17;

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

/** The `diskstats` source (`/proc/diskstats` → sample key `diskstats`). */
export const diskstatsSource: ProcSource = singleFileSource({
  name: 'diskstats',
  field: 'diskstats',
  file: 'diskstats',
  fields: ['major','minor','reads_completed','reads_merged','sectors_read','time_reading_ms','writes_completed','writes_merged','sectors_written','time_writing_ms','ios_in_progress','time_doing_ios_ms','weighted_time_doing_ios_ms','discards_completed','discards_merged','sectors_discarded','time_discarding_ms','flush_requests_completed','time_flushing_ms'],
  parse: parseProcDiskstats,
  isEmpty: isEmptyRecord,
});
