/**
 * Per-process I/O of the workload (`/proc/<pid>/io`), sampled with the host: how much of the device
 * traffic the benchmark itself caused, and how much of what it read the page cache served (`rchar`, the
 * bytes its read calls returned, against `read_bytes`, the bytes fetched from storage).
 *
 * What counts as the workload:
 * - the process trees of the tracked processes (a command workload: `exec`/`collect -- <cmd>`, an external
 *   engine), live processes read one by one, walked through `/proc/<pid>/task/<tid>/children`;
 * - this process's own threads other than the sampling (main) thread: the in-process workers of the
 *   built-in engines, and the I/O of reaped children, which Linux adds to the parent's figures when it
 *   reaps them (a tracked process that exits keeps counting this way, to the last byte);
 * less what those figures were when tracking began.
 *
 * A descendant reaped by its own parent between the reads of one sample may be missed for that sample
 * (its figures move from its entry to its parent's); the next sample has them again. A descendant that
 * is reparented to init and exits is lost: Linux gives its figures to init.
 */
import { closeSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRoom, type ProcSourceFile } from './reader';
import { KeyCache, Scanner, asText, isUnsafeKey } from './scanner';
import type { ProcSource } from './source';
import type { WorkloadIoRecord } from '../types';
import { checkNumberMap } from '../validation';
import { counterFamily, gaugeFamily, recordMetrics, type ProcSourceMetrics } from './metrics';

/** The counters of `/proc/<pid>/io`, in file order. */
export const PROCESS_IO_FIELDS = ['rchar', 'wchar', 'syscr', 'syscw', 'read_bytes', 'write_bytes', 'cancelled_write_bytes'] as const;

const keys = new KeyCache();
const COLON = 58;

/**
 * Parses a `/proc/<pid>/io` text (`rchar: 123` lines) into its counters; unknown keys are kept, lines that
 * do not parse are dropped. Null when nothing parsed. Pure and total.
 */
export function parseProcPidIo(text: string): Record<string, number> | null {
  const s = new Scanner(asText(text));
  const out: Record<string, number> = {};
  let found = false;
  for (let line = 0; !s.done(); s.nextLine(), line++) {
    const key = keys.wordUntil(s, COLON, line);
    if (key === '' || isUnsafeKey(key)) continue;
    const value = s.uint();
    if (value !== value || !s.atLineEnd()) continue;
    out[key] = value;
    found = true;
  }
  return found ? out : null;
}

const workloadCounter = (field: string, unit: string, help: string) => counterFamily(`mlps_workload_io_${field}`, unit, `${help} (/proc/<pid>/io of the workload, since tracking began).`);

/**
 * The workload's I/O as points: `mlps_workload_io_*` counters (no node_exporter equivalent; `rchar` and
 * `wchar` are bytes the read/write calls moved, `read_bytes`/`write_bytes` what reached storage), and the
 * processes counted as a gauge.
 */
const WORKLOAD_IO_METRICS: ProcSourceMetrics = recordMetrics(120, [
  ['rchar', 'bytes', workloadCounter('rchar_bytes', 'bytes', 'Bytes returned by read calls'), 1],
  ['wchar', 'bytes', workloadCounter('wchar_bytes', 'bytes', 'Bytes passed to write calls'), 1],
  ['syscr', 'count', workloadCounter('syscr', '', 'Read system calls'), 1],
  ['syscw', 'count', workloadCounter('syscw', '', 'Write system calls'), 1],
  ['read_bytes', 'bytes', workloadCounter('read_bytes', 'bytes', 'Bytes fetched from storage'), 1],
  ['write_bytes', 'bytes', workloadCounter('write_bytes', 'bytes', 'Bytes sent to storage'), 1],
  ['cancelled_write_bytes', 'bytes', workloadCounter('cancelled_write_bytes', 'bytes', 'Written bytes whose write-back was cancelled'), 1],
  ['processes', 'count', gaugeFamily('mlps_workload_io_processes', '', 'Processes counted as the workload in the last sample.'), 1],
]);

/**
 * The `workload_io` source as documents know it (fields, checks, export mapping). It is not sampled by
 * default: a collector that tracks a workload samples it through its {@link WorkloadIoTracker}'s source,
 * which makes the text; readers, the validator and the exports take it from `RECORD_SOURCES`.
 */
export const workloadIoSource: ProcSource = Object.freeze({
  name: 'workload_io',
  field: 'workload_io',
  files: Object.freeze([Object.freeze({ key: 'workload/io', path: 'workload/io', optional: false })]),
  fields: Object.freeze([...PROCESS_IO_FIELDS, 'processes']),
  build(texts: readonly (string | undefined)[], errors: Record<string, string>): unknown {
    const text = texts[0];
    if (typeof text !== 'string') {
      if (errors.workload_io === undefined) errors.workload_io = 'missing: workload I/O was not read';
      return undefined;
    }
    const record = parseProcPidIo(text);
    if (record === null) {
      errors.workload_io = 'no valid lines in workload I/O';
      return undefined;
    }
    return record as unknown as WorkloadIoRecord;
  },
  validate(value: unknown, path: string): unknown {
    checkNumberMap(value, path);
    return value;
  },
  metrics: WORKLOAD_IO_METRICS,
});

const N = PROCESS_IO_FIELDS.length;
/** Most processes walked in one sample: a fork bomb must not stall the sampler. */
const MAX_PROCESSES = 4096;

/**
 * Tracks the workload's processes and makes the `workload_io` text of each sample (see the module
 * comment). One tracker per collector; {@link WorkloadIoTracker.source} is its registry source.
 */
export class WorkloadIoTracker {
  /** The registry source to sample with the host's others (sample key `workload_io`). */
  readonly source: ProcSource;
  private readonly roots = new Set<number>();
  private baseline: Float64Array | null = null;
  private readonly sums = new Float64Array(N);
  private readonly own = new Float64Array(N);
  private readonly main = new Float64Array(N);
  private readonly one = new Float64Array(N);
  private readonly buf = Buffer.allocUnsafe(4096);
  private processes = 0;
  /** Reused by every sample: the walk allocates no set or array of its own. */
  private readonly seen = new Set<number>();
  private readonly stack: number[] = [];
  /** The two paths of this process's figures, made once per proc root. */
  private pathsFor = '';
  private selfIoPath = '';
  private mainIoPath = '';

  constructor() {
    const file: ProcSourceFile = {
      ...(workloadIoSource.files[0] as ProcSourceFile),
      synthesize: (procRoot, target, at) => this.synthesize(procRoot, target, at),
    };
    this.source = Object.freeze({ ...workloadIoSource, files: Object.freeze([file]) });
  }

  /** Adds a process (and, live, its descendants) to the workload. */
  trackProcess(pid: number): void {
    if (Number.isSafeInteger(pid) && pid > 0) this.roots.add(pid);
  }

  /** The processes tracked (roots), for tests and status. */
  get trackedProcesses(): number[] {
    return [...this.roots];
  }

  private synthesize(procRoot: string, target: { buf: Buffer }, at: number): number {
    const sums = this.sums;
    sums.fill(0);
    if (this.pathsFor !== procRoot) {
      this.pathsFor = procRoot;
      this.selfIoPath = join(procRoot, 'self/io');
      this.mainIoPath = join(procRoot, 'thread-self/io');
    }
    // This process, less its sampling thread (the one running this code): in-process workers, reaped children.
    if (!this.readIo(this.selfIoPath, this.own)) throw Object.assign(new Error('cannot read self/io'), { code: 'ENOENT' });
    this.readIo(this.mainIoPath, this.main);
    for (let k = 0; k < N; k++) sums[k] = (this.own[k] as number) - (this.main[k] as number);
    this.baseline ??= Float64Array.from(sums);
    for (let k = 0; k < N; k++) sums[k] = Math.max(0, (sums[k] as number) - (this.baseline[k] as number));
    // The live trees of the tracked processes, parents before children (see the module comment).
    this.processes = 0;
    const seen = this.seen;
    const stack = this.stack;
    seen.clear();
    stack.length = 0;
    for (const pid of this.roots) stack.push(pid);
    while (stack.length > 0 && seen.size < MAX_PROCESSES) {
      const pid = stack.pop() as number;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const dir = join(procRoot, String(pid));
      if (!this.readIo(join(dir, 'io'), this.one)) continue;
      this.processes++;
      for (let k = 0; k < N; k++) sums[k] = (sums[k] as number) + (this.one[k] as number);
      this.childrenOf(dir, stack);
    }
    let text = '';
    for (let k = 0; k < N; k++) text += `${PROCESS_IO_FIELDS[k]}: ${sums[k]}\n`;
    text += `processes: ${this.processes}\n`;
    ensureRoom(target, at, text.length);
    return target.buf.write(text, at, 'latin1');
  }

  /**
   * Reads a `/proc/<pid>/io` into `out` (file order) straight from its bytes, as {@link parseProcPidIo}
   * reads its text (this runs for several files every tick); false when it cannot be read (the process
   * is gone). A counter line missing from the file counts 0.
   */
  private readIo(path: string, out: Float64Array): boolean {
    const n = this.readBytes(path);
    if (n < 0) return false;
    out.fill(0);
    const buf = this.buf;
    let found = false;
    let p = 0;
    while (p < n) {
      let colon = p;
      while (colon < n && buf[colon] !== COLON && buf[colon] !== 10) colon++;
      let end = colon;
      while (end < n && buf[end] !== 10) end++;
      if (colon < end) {
        const field = fieldAt(buf, p, colon);
        let q = colon + 1;
        while (q < end && buf[q] === 32) q++;
        let value = 0;
        let digits = 0;
        while (q < end && (buf[q] as number) >= 48 && (buf[q] as number) <= 57) {
          value = value * 10 + ((buf[q] as number) - 48);
          digits++;
          q++;
        }
        if (field >= 0 && digits > 0 && q === end) {
          out[field] = value;
          found = true;
        }
      }
      p = end + 1;
    }
    return found;
  }

  /** Pushes the children of every thread of the process at `dir` onto `stack`. */
  private childrenOf(dir: string, stack: number[]): void {
    let tids: string[];
    try {
      tids = readdirSync(join(dir, 'task'));
    } catch {
      return; // gone
    }
    for (const tid of tids) {
      const n = this.readBytes(join(dir, 'task', tid, 'children'));
      let pid = 0;
      for (let i = 0; i <= n; i++) {
        const c = i < n ? (this.buf[i] as number) : 32;
        if (c >= 48 && c <= 57) pid = pid * 10 + (c - 48);
        else {
          if (pid > 0) stack.push(pid);
          pid = 0;
        }
      }
    }
  }

  /** Reads a small file into the tracker's buffer; its length, or -1 when it cannot be read. */
  private readBytes(path: string): number {
    let fd = -1;
    try {
      fd = openSync(path, 'r');
      return readSync(fd, this.buf, 0, this.buf.length, 0);
    } catch {
      return -1;
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
}

/** The `/proc/<pid>/io` field named by `buf[start, end)`: its index in {@link PROCESS_IO_FIELDS}, or -1. */
function fieldAt(buf: Buffer, start: number, end: number): number {
  for (let k = 0; k < N; k++) {
    const name = FIELD_BYTES[k] as Buffer;
    if (name.length === end - start && buf.compare(name, 0, name.length, start, end) === 0) return k;
  }
  return -1;
}

const FIELD_BYTES: readonly Buffer[] = PROCESS_IO_FIELDS.map((f) => Buffer.from(f, 'latin1'));
