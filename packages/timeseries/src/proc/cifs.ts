/**
 * CIFS/SMB client statistics per share, from `/proc/fs/cifs/Stats` (what `cifsiostat` reads). After a global
 * header, one section per share (`fs/smb/client/cifs_debug.c`):
 *
 * ```
 * 1) \\server\share                       SMB1                          SMB2/SMB3
 * SMBs: 40 Oplock Breaks: 0               SMBs: 105
 * Reads: 2 Bytes: 196                     Bytes read: 165675008  Bytes written: 5
 * Writes: 0 Bytes: 0                      Open files: 0 total (local), 0 open on server
 * Opens: 6 Closes: 6 Deletes: 0           Reads: 42 total 0 failed
 * …                                       Creates: 18 total 0 failed …
 * ```
 *
 * Counters are named from their labels in snake case (`Reads` → `reads`, `QueryDirectories` →
 * `query_directories`, `T2 Renames` → `t2_renames`); a `N total M failed` line gives `name` and
 * `name_failed`; SMB1's `Bytes:` after `Reads:`/`Writes:` and SMB2's `Bytes read:`/`Bytes written:` both
 * give `read_bytes`/`write_bytes`, so rates read one name whatever the dialect.
 */
import type { CifsShareRecord } from '../types';
import { Scanner, asText, isUnsafeKey } from './scanner';
import { checkNumberMap, checkRecordList, keyPath } from '../validation';
import { isPlainRecord, memoByKey, sanitizeMetricName, type MetricSink, type OpenMetricsFamily, type ProcSourceMetrics } from './metrics';
import type { ProcSource } from './source';

const CLOSE_PAREN = 41;

/** Label → snake case key, with the aliases that make SMB1 and SMB2 names agree. */
function keyOf(label: string, previous: string): string {
  if (label === 'Bytes') return previous === 'reads' ? 'read_bytes' : previous === 'writes' ? 'write_bytes' : 'bytes';
  if (label === 'Bytes read') return 'read_bytes';
  if (label === 'Bytes written') return 'write_bytes';
  if (label === 'Oplocks breaks') return 'oplock_breaks'; // older kernels' spelling
  return label.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\s+/g, '_').toLowerCase();
}

/** A base-10 integer token (`-1` included: the kernel's open-file counters have gone negative). */
function intOf(token: string): number {
  if (!/^-?\d+$/.test(token)) return NaN;
  const v = Number(token);
  return Number.isFinite(v) ? (v === 0 ? 0 : v) : NaN;
}

/** Adds the counters of one share line to `stats`. */
function parseShareLine(s: Scanner, stats: Record<string, number>): void {
  const first = s.word();
  if (first === 'Open') {
    // `Open files: 0 total (local), 0 open on server`: a gauge of files open now, local and on the server.
    if (s.word() !== 'files:') return;
    const local = intOf(s.word());
    if (local === local) stats.open_files = local;
    if (s.word() !== 'total' || s.word() !== '(local),') return;
    const remote = intOf(s.word());
    if (remote === remote) stats.open_files_on_server = remote;
    return;
  }
  let label: string[] = [];
  let previous = '';
  let unlabelled = NaN;
  for (let token = first; token !== ''; token = s.word()) {
    const value = intOf(token);
    if (value === value) {
      if (label.length > 0) {
        const key = keyOf(label.join(' '), previous);
        if (!isUnsafeKey(key)) stats[key] = value;
        previous = key;
        label = [];
      } else {
        unlabelled = value;
      }
      continue;
    }
    if (token === 'total' || token === 'sent') continue;
    if (token === 'failed') {
      if (unlabelled === unlabelled && previous !== '') stats[`${previous}_failed`] = unlabelled;
      unlabelled = NaN;
      continue;
    }
    label.push(token.endsWith(':') ? token.slice(0, -1) : token);
  }
}

/** True when the line is a share header (`1) \\server\share`); the cursor is then at the share name. */
function atShareHeader(s: Scanner): boolean {
  const p = s.pos;
  const n = s.uintBefore(CLOSE_PAREN);
  if (n === n) return true;
  s.pos = p;
  return false;
}

/**
 * Parses `/proc/fs/cifs/Stats` into one record per share, in file order: `{ share, stats }` with every
 * counter the kernel printed for it (see the module comment for the names). The global header (sessions,
 * buffers, per-command times) is not kept. A token that is not a number is a label word, so odd lines add
 * nothing rather than shifting values.
 *
 * Pure and total: never throws, whatever the input (non-strings give `[]`).
 */
export function parseCifsStats(text: string): CifsShareRecord[] {
  const s = new Scanner(asText(text));
  const shares: CifsShareRecord[] = [];
  let current: CifsShareRecord | null = null;
  for (; !s.done(); s.nextLine()) {
    s.skipBlanks();
    if (atShareHeader(s)) {
      const share = s.word();
      current = share === '' ? null : { share, stats: {} };
      if (current !== null) shares.push(current);
      continue;
    }
    if (current !== null && !s.atLineEnd()) parseShareLine(s, current.stats);
  }
  return shares;
}

/** `mlps_cifs_<counter>` per counter name (node_exporter has no cifs collector), made once per name. */
const cifsFamily = memoByKey((counter): OpenMetricsFamily | null => {
  const name = sanitizeMetricName(counter);
  // Untyped: most are counters, but the open-file counts go down (and below zero on some kernels).
  if (name === '') return null;
  return { name: `mlps_cifs_${name}`, type: 'unknown', unit: name.endsWith('_bytes') ? 'bytes' : '', help: `CIFS/SMB client statistic ${counter} (/proc/fs/cifs/Stats).` };
});

/** The cifs mapping: each counter of each share, labelled `share`; CSV device = the share, metric = the counter. */
const CIFS_METRICS: ProcSourceMetrics = Object.freeze({
  exportOrder: 100,
  emit(record: unknown, sink: MetricSink): void {
    if (!Array.isArray(record)) return;
    for (const share of record as unknown[]) {
      if (!isPlainRecord(share) || typeof share.share !== 'string' || !isPlainRecord(share.stats)) continue;
      const labels = [['share', share.share]] as const;
      for (const [counter, value] of Object.entries(share.stats)) {
        const family = cifsFamily(counter);
        if (family !== null) sink.point(share.share, counter, value, counter.endsWith('bytes') ? 'bytes' : 'count', family, labels, 1);
      }
    }
  },
});

/**
 * The `cifs` source: `/proc/fs/cifs/Stats` → sample key `cifs` (one record per share). Optional: without the
 * cifs module there is no such file and no key, without error; a file with no share gives no key either.
 */
export const cifsSource: ProcSource = Object.freeze({
  name: 'cifs',
  field: 'cifs',
  files: Object.freeze([Object.freeze({ key: 'fs/cifs/Stats', path: 'fs/cifs/Stats', optional: true })]),
  fields: Object.freeze(['smbs', 'reads', 'read_bytes', 'writes', 'write_bytes', 'opens', 'closes', 'creates']),
  build(texts: readonly (string | undefined)[]): unknown {
    const text = texts[0];
    if (typeof text !== 'string') return undefined;
    const shares = parseCifsStats(text);
    return shares.length > 0 ? shares : undefined;
  },
  validate(value: unknown, path: string): unknown {
    checkRecordList(value, path, 'share', []);
    (value as Array<Record<string, unknown>>).forEach((share, i) => checkNumberMap(share.stats, keyPath(`${path}[${i}]`, 'stats')));
    return value;
  },
  metrics: CIFS_METRICS,
});
