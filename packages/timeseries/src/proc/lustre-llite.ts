/**
 * Lustre client statistics per mount, from the `llite` stats files (what `llstat` and
 * `lctl get_param llite.*.stats` show): `/proc/fs/lustre/llite/<fsname>-<id>/stats` and, on newer Lustre,
 * `/sys/kernel/debug/lustre/llite/<fsname>-<id>/stats`. Each counter line is printed by
 * `lprocfs_stats_seq_show` as `name count samples [unit]`, then `min max sum` for averaged counters and
 * `sumsq` for those with a deviation; a counter that never fired is not printed:
 *
 * ```
 * snapshot_time             1510950459.772792457 secs.nsecs
 * read_bytes                1 samples [bytes] 4194304 4194304 4194304
 * open                      136 samples [regs]
 * getattr                   2 samples [usecs] 3 6 9 45
 * ```
 *
 * The files are found by a pattern, so the source reads them through a synthesized text: each file's
 * counter lines after a `==> <instance> <==` header (the `tail` convention).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LustreCounter, LustreLliteRecord } from '../types';
import { ensureRoom } from './reader';
import { Scanner, asText, isUnsafeKey } from './scanner';
import { checkNumericFields, checkRecordList, expectObject, keyPath } from '../validation';
import { counterFamily, isPlainRecord, memoByKey, sanitizeMetricName, type MetricSink, type OpenMetricsFamily, type ProcSourceMetrics } from './metrics';
import type { ProcSource } from './source';

const HEADER_OPEN = '==>';
const HEADER_CLOSE = '<==';

/** Reads `count samples [unit] [min max sum [sumsq]]` after the counter name; null unless count and unit are there. */
function parseCounter(s: Scanner): LustreCounter | null {
  const samples = s.uint();
  if (samples !== samples || !s.matchWord('samples', -1)) return null;
  const bracketed = s.word();
  if (bracketed.length < 2 || !bracketed.startsWith('[') || !bracketed.endsWith(']')) return null;
  const counter: LustreCounter = { samples, unit: bracketed.slice(1, -1) };
  if (s.atLineEnd()) return counter;
  const min = s.uint();
  const max = s.uint();
  const sum = s.uint();
  if (min !== min || max !== max || sum !== sum) return counter;
  counter.min = min;
  counter.max = max;
  counter.sum = sum;
  if (s.atLineEnd()) return counter;
  const sumsq = s.uint();
  if (sumsq === sumsq) counter.sumsq = sumsq;
  return counter;
}

/**
 * Parses llite stats text into one record per instance: either the synthesized text of the `lustre` source
 * (`==> <instance> <==` before each file) or one stats file alone (instance `''`). Time lines
 * (`snapshot_time`, `start_time`, `elapsed_time`) are skipped: samples carry their own time. A malformed
 * line is dropped on its own. Counters beyond 2^53 become the nearest double.
 *
 * Pure and total: never throws, whatever the input (non-strings give `[]`).
 */
export function parseLustreLliteStats(text: string): LustreLliteRecord[] {
  const s = new Scanner(asText(text));
  const records: LustreLliteRecord[] = [];
  let current: LustreLliteRecord | null = null;
  for (; !s.done(); s.nextLine()) {
    const name = s.word();
    if (name === '') continue;
    if (name === HEADER_OPEN) {
      const instance = s.word();
      current = instance !== '' && s.matchWord(HEADER_CLOSE, -1) ? { instance, counters: {} } : null;
      if (current !== null) records.push(current);
      continue;
    }
    if (isUnsafeKey(name)) continue;
    const counter = parseCounter(s);
    if (counter === null) continue;
    if (current === null) {
      current = { instance: '', counters: {} };
      records.push(current);
    }
    current.counters[name] = counter;
  }
  return records.filter((r) => hasKeys(r.counters));
}

function hasKeys(record: object): boolean {
  for (const _ in record) return true;
  return false;
}

/** Where llite stats directories are: procfs (older Lustre), then debugfs (Lustre 2.12+), relative to the proc root. */
function lliteDirs(procRoot: string): readonly string[] {
  // Made once per proc root: this runs every tick, and on most machines (no Lustre) it is all that runs.
  let dirs = LLITE_DIRS.get(procRoot);
  if (dirs === undefined) {
    dirs = Object.freeze([join(procRoot, 'fs/lustre/llite'), join(procRoot, '..', 'sys/kernel/debug/lustre/llite')]);
    LLITE_DIRS.set(procRoot, dirs);
  }
  return dirs;
}

const LLITE_DIRS = new Map<string, readonly string[]>();

/** Lines a synthesized text leaves out: wall-clock stamps (19-digit decimals that no template scans). */
function isTimeLine(line: string): boolean {
  return line.startsWith('snapshot_time') || line.startsWith('start_time') || line.startsWith('elapsed_time');
}

/**
 * The synthesized text of every llite stats file under `procRoot` (and the debugfs tree beside it): for
 * each instance, in name order, `==> <instance> <==` then its counter lines. Writes the bytes into
 * `target.buf` from `at` and returns their length; 0 (an empty text, not an error) without Lustre, so a
 * mount made later in the run is still seen.
 */
export function synthesizeLustreLlite(procRoot: string, target: { buf: Buffer }, at: number): number {
  let length = 0;
  let seen: Set<string> | undefined;
  const dirs = lliteDirs(procRoot);
  for (let d = 0; d < dirs.length; d++) {
    const dir = dirs[d] as string;
    if (!existsSync(dir)) continue;
    seen ??= new Set<string>();
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue; // unmounted between the check and the read, or not readable (debugfs is root-only)
    }
    for (const name of names) {
      if (seen.has(name)) continue;
      let text: string;
      try {
        text = readFileSync(join(dir, name, 'stats'), 'utf8');
      } catch {
        continue;
      }
      seen.add(name);
      let out = `${HEADER_OPEN} ${name} ${HEADER_CLOSE}\n`;
      for (const line of text.split('\n')) if (line !== '' && !isTimeLine(line)) out += `${line}\n`;
      const bytes = Buffer.byteLength(out);
      ensureRoom(target, at + length, bytes);
      target.buf.write(out, at + length, 'utf8');
      length += bytes;
    }
  }
  return length;
}

/** Fields of a counter line that are numbers. */
const COUNTER_NUMBERS = ['samples', 'min', 'max', 'sum', 'sumsq'] as const;

/** Base unit and factor of a Lustre counter unit (`[bytes]`, `[usecs]`, `[nsecs]`, `[regs]`, `[reqs]`). */
function baseUnitOf(unit: string): { unit: string; scale: number } {
  if (unit === 'bytes') return { unit: 'bytes', scale: 1 };
  if (unit === 'usecs' || unit === 'usec') return { unit: 'seconds', scale: 1e-6 };
  if (unit === 'nsecs' || unit === 'nsec') return { unit: 'seconds', scale: 1e-9 };
  return { unit: '', scale: 1 };
}

interface LustreFamilies {
  samples: OpenMetricsFamily;
  sum: OpenMetricsFamily;
  scale: number;
}
const familiesOfKey = memoByKey((key): LustreFamilies | null => {
  const [counter = '', unit = ''] = key.split('\u0000');
  const name = sanitizeMetricName(counter);
  if (name === '') return null;
  const base = baseUnitOf(unit);
  return {
    samples: counterFamily(`mlps_lustre_${name}_samples`, '', `Lustre client ${counter} events (llite stats).`),
    sum: counterFamily(`mlps_lustre_${name}_sum${base.unit === '' ? '' : `_${base.unit}`}`, base.unit, `Lustre client ${counter} sum of ${unit} (llite stats).`),
    scale: base.scale,
  };
});
/** `mlps_lustre_<counter>_samples` and `mlps_lustre_<counter>_sum[_<unit>]`, made once per counter and unit. */
const lustreFamilies = (counter: string, unit: string): LustreFamilies | null => familiesOfKey(`${counter}\u0000${unit}`);

/**
 * The lustre mapping: per client mount (label `mount`) and counter, its event count and sum as counters
 * (bytes, or micro/nanoseconds → seconds); min, max and sumsq to CSV only. CSV device = the llite instance,
 * metric = `<counter>_<field>` (`read_bytes_sum`).
 */
const LUSTRE_METRICS: ProcSourceMetrics = Object.freeze({
  exportOrder: 110,
  emit(record: unknown, sink: MetricSink): void {
    if (!Array.isArray(record)) return;
    for (const mount of record as unknown[]) {
      if (!isPlainRecord(mount) || typeof mount.instance !== 'string' || !isPlainRecord(mount.counters)) continue;
      const instance = mount.instance;
      for (const [counter, stats] of Object.entries(mount.counters)) {
        if (!isPlainRecord(stats)) continue;
        const unit = typeof stats.unit === 'string' ? stats.unit : '';
        const families = lustreFamilies(counter, unit);
        if (families === null) continue;
        const labels = [['mount', instance]] as const;
        sink.point(instance, `${counter}_samples`, stats.samples, 'count', families.samples, labels, 1);
        sink.point(instance, `${counter}_sum`, stats.sum, unit === '' ? 'count' : unit, families.sum, labels, families.scale);
        for (const field of ['min', 'max', 'sumsq'] as const) sink.csvOnly(instance, `${counter}_${field}`, stats[field], unit === '' ? 'count' : unit);
      }
    }
  },
});

/**
 * The `lustre` source: llite stats files → sample key `lustre` (one record per client mount). Optional:
 * without Lustre the synthesized text is empty and the sample has no key, without error.
 */
export const lustreSource: ProcSource = Object.freeze({
  name: 'lustre',
  field: 'lustre',
  files: Object.freeze([
    Object.freeze({ key: 'fs/lustre/llite/*/stats', path: 'fs/lustre/llite', optional: true, synthesize: synthesizeLustreLlite }),
  ]),
  fields: Object.freeze(['samples', 'min', 'max', 'sum', 'sumsq']),
  build(texts: readonly (string | undefined)[]): unknown {
    const text = texts[0];
    if (typeof text !== 'string') return undefined;
    const records = parseLustreLliteStats(text);
    return records.length > 0 ? records : undefined;
  },
  validate(value: unknown, path: string): unknown {
    checkRecordList(value, path, 'instance', []);
    (value as Array<Record<string, unknown>>).forEach((mount, i) => {
      const countersPath = keyPath(`${path}[${i}]`, 'counters');
      for (const [counter, stats] of Object.entries(expectObject(mount.counters, countersPath))) {
        checkNumericFields(expectObject(stats, keyPath(countersPath, counter)), COUNTER_NUMBERS, keyPath(countersPath, counter));
      }
    });
    return value;
  },
  metrics: LUSTRE_METRICS,
});
