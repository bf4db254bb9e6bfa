/**
 * The storage under test of a run, first in every summary: per host, the directories the run used, the
 * mount and device each lives on, and what those devices did over the run (whole-run MB/s, IOPS, average
 * request size, await, utilisation), or, for a filesystem without a block device (tmpfs, NFS, Lustre…),
 * the workload's own process I/O when the samples carry it (`workload_io`), and for an NFS mount its
 * nfsiostat figures over the run (`nfs` samples). Built one sample at a time,
 * so the end-of-run summary, `timeseries report` and `reportgen` share it while streaming.
 */
import type { NfsMountRecord, TimeSeriesData, TimeSeriesSample } from '../types';
import { nfsMountRates, type NfsMountRates, type NfsOpRates } from '../rates-netfs';
import { sampleTimeMs } from '../timestamps';
import { DeviceFiguresAccumulator, storageDeviceSelector, type DeviceRunFigures } from '../storage/figures';
import type { StorageUnderTest, StorageUnderTestMap } from '../storage/resolve';

/** The workload's own I/O over the run (`/proc/<pid>/io` of its process tree), when sampled. */
export interface WorkloadIoFigures {
  seconds: number;
  /** Bytes the workload made the storage layer read / write (`read_bytes`, `write_bytes`). */
  readBytes: number;
  writeBytes: number;
  readMBps: number;
  writeMBps: number;
  /** Bytes passed through read()/write() calls, page cache included (`rchar`, `wchar`); null when not sampled. */
  rchar: number | null;
  wchar: number | null;
  /** `rchar`/`wchar` per second (MB/s): what the workload's calls moved, the figure of a filesystem without a device. */
  rcharMBps: number | null;
  wcharMBps: number | null;
}

/** One host's storage summary. */
export interface HostStorageSummary {
  host: string;
  /** The host's storage under test (empty when not recorded). */
  entries: StorageUnderTest[];
  /** Which devices the figures are about: `--devices` (glob), the storage under test, or none. */
  selected: 'glob' | 'storage-under-test' | 'none';
  devicesGlob: string | null;
  /** The selected devices found in the samples, with their whole-run figures (null: fewer than two samples). */
  devices: Array<{ device: string; figures: DeviceRunFigures | null }>;
  /** The workload's process I/O, when the samples have `workload_io`. */
  workloadIo: WorkloadIoFigures | null;
  /**
   * Whole-run nfsiostat figures of each NFS mount the storage under test lives on (`nfs` samples, first
   * against last); `rates` null when the mount's counters restarted (remount) or it was seen once.
   */
  nfsMounts?: Array<{ mountPoint: string; rates: NfsMountRates | null }>;
}

/**
 * First and last `nfs` record of each mount point of a host's samples. Every mount is kept (two records
 * each) and the wanted ones are picked at result time: a streamed document names its storage under test
 * only after its samples.
 */
class NfsMountAccumulator {
  private readonly marks = new Map<string, { first: { ms: number; m: NfsMountRecord }; last: { ms: number; m: NfsMountRecord } }>();

  add(sample: TimeSeriesSample): void {
    if (!Array.isArray(sample.nfs)) return;
    const ms =
      typeof sample.uptime_seconds === 'number' && Number.isFinite(sample.uptime_seconds) ? sample.uptime_seconds * 1000 : (sampleTimeMs(sample) ?? NaN);
    if (!Number.isFinite(ms)) return;
    for (const m of sample.nfs) {
      if (m === null || typeof m !== 'object' || typeof m.mount_point !== 'string') continue;
      const mark = { ms, m };
      const known = this.marks.get(m.mount_point);
      if (known === undefined) this.marks.set(m.mount_point, { first: mark, last: mark });
      else known.last = mark;
    }
  }

  result(wanted: ReadonlySet<string>): Array<{ mountPoint: string; rates: NfsMountRates | null }> {
    return [...wanted].map((mountPoint) => {
      const k = this.marks.get(mountPoint);
      const seconds = k === undefined ? 0 : (k.last.ms - k.first.ms) / 1000;
      return { mountPoint, rates: k === undefined || !(seconds > 0) ? null : nfsMountRates(k.first.m, k.last.m, seconds) };
    });
  }
}

/** The NFS mount points a host's storage under test lives on. */
function nfsMountPointsOf(entries: readonly StorageUnderTest[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const e of Array.isArray(entries) ? entries : []) {
    if (e !== null && typeof e === 'object' && typeof e.mount_point === 'string' && (e.fstype === 'nfs' || e.fstype === 'nfs4')) out.add(e.mount_point);
  }
  return out;
}

const WORKLOAD_FIELDS = ['read_bytes', 'write_bytes', 'rchar', 'wchar'] as const;

/** First and last `workload_io` counters of a host's samples. */
class WorkloadIoAccumulator {
  private first: { ms: number; v: Record<string, number> } | null = null;
  private last: { ms: number; v: Record<string, number> } | null = null;

  add(sample: TimeSeriesSample): void {
    const io = (sample as unknown as Record<string, unknown>).workload_io;
    if (typeof io !== 'object' || io === null) return;
    const ms =
      typeof sample.uptime_seconds === 'number' && Number.isFinite(sample.uptime_seconds) ? sample.uptime_seconds * 1000 : (sampleTimeMs(sample) ?? NaN);
    if (!Number.isFinite(ms)) return;
    const v: Record<string, number> = {};
    for (const f of WORKLOAD_FIELDS) {
      const x = (io as Record<string, unknown>)[f];
      if (typeof x === 'number' && Number.isFinite(x)) v[f] = x;
    }
    if (v.read_bytes === undefined || v.write_bytes === undefined) return;
    const mark = { ms, v };
    if (this.first === null) this.first = mark;
    this.last = mark;
  }

  result(): WorkloadIoFigures | null {
    const a = this.first;
    const b = this.last;
    if (a === null || b === null || !(b.ms > a.ms)) return null;
    const seconds = (b.ms - a.ms) / 1000;
    const d = (k: string): number | null => (a.v[k] === undefined || b.v[k] === undefined ? null : Math.max(0, (b.v[k] as number) - (a.v[k] as number)));
    const readBytes = d('read_bytes') ?? 0;
    const writeBytes = d('write_bytes') ?? 0;
    const rchar = d('rchar');
    const wchar = d('wchar');
    return {
      seconds,
      readBytes,
      writeBytes,
      readMBps: readBytes / seconds / 1e6,
      writeMBps: writeBytes / seconds / 1e6,
      rchar,
      wchar,
      rcharMBps: rchar === null ? null : rchar / seconds / 1e6,
      wcharMBps: wchar === null ? null : wchar / seconds / 1e6,
    };
  }
}

/** The `storage_under_test` of a run: the document's, else the metadata's (a document written by Python has none). */
export function storageUnderTestOf(data: Pick<TimeSeriesData, 'storage_under_test'> | null, metadata?: Record<string, unknown>): StorageUnderTestMap | null {
  const fromDoc = data?.storage_under_test;
  if (fromDoc !== undefined && fromDoc !== null && typeof fromDoc === 'object') return fromDoc;
  const fromMeta = metadata?.storage_under_test;
  if (typeof fromMeta === 'object' && fromMeta !== null && !Array.isArray(fromMeta)) return fromMeta as StorageUnderTestMap;
  return null;
}

interface HostStorageTrack {
  devices: DeviceFiguresAccumulator;
  workload: WorkloadIoAccumulator;
  nfs: NfsMountAccumulator;
}

/**
 * Builds every host's {@link HostStorageSummary} from its samples, one at a time (hosts in any order,
 * each host's samples in time order). Keeps a few numbers per device, mount and host. Every device is
 * followed and the storage under test (or `--devices`) picks the ones shown at {@link result} time, so
 * the storage map may arrive after the samples ({@link setStorage}): a document names it after
 * `samples_by_host`.
 */
export class StorageSummaryBuilder {
  private readonly hosts = new Map<string, HostStorageTrack>();
  private storage: StorageUnderTestMap;
  private readonly devicesGlob: string | null;

  constructor(options: { storage?: StorageUnderTestMap | null; devicesGlob?: string | undefined } = {}) {
    this.storage = options.storage ?? {};
    this.devicesGlob = options.devicesGlob !== undefined && options.devicesGlob.trim() !== '' ? options.devicesGlob : null;
  }

  /** Sets the storage under test the summary is about (any time before {@link result}). */
  setStorage(storage: StorageUnderTestMap | null | undefined): void {
    this.storage = storage ?? {};
  }

  private track(host: string): HostStorageTrack {
    let t = this.hosts.get(host);
    if (t === undefined) {
      t = { devices: new DeviceFiguresAccumulator(() => true), workload: new WorkloadIoAccumulator(), nfs: new NfsMountAccumulator() };
      this.hosts.set(host, t);
    }
    return t;
  }

  /** `host`'s next sample. Never throws on odd samples. */
  add(host: string, sample: TimeSeriesSample): void {
    const t = this.track(host);
    t.devices.add(sample);
    t.workload.add(sample);
    t.nfs.add(sample);
  }

  /**
   * The summaries: hosts of the storage map first (its order), then other sampled hosts when `--devices`
   * picked something on them (in `hostOrder`, else in the order their first sample came). Hosts with
   * nothing to say are left out.
   */
  result(hostOrder: Iterable<string> = []): HostStorageSummary[] {
    const names = [...Object.keys(this.storage)];
    for (const h of hostOrder) if (this.hosts.has(h) && !names.includes(h)) names.push(h);
    for (const h of this.hosts.keys()) if (!names.includes(h)) names.push(h);
    const out: HostStorageSummary[] = [];
    for (const host of names) {
      const t = this.track(host);
      const sel = storageDeviceSelector({ entries: this.storage[host], devicesGlob: this.devicesGlob ?? undefined });
      const entries = Array.isArray(this.storage[host]) ? (this.storage[host] as StorageUnderTest[]) : [];
      const devices = t.devices.result().filter((d) => sel.select(d.device));
      if (entries.length === 0 && devices.length === 0) continue;
      const summary: HostStorageSummary = { host, entries, selected: sel.selected, devicesGlob: this.devicesGlob, devices, workloadIo: t.workload.result() };
      const nfsMounts = t.nfs.result(nfsMountPointsOf(this.storage[host]));
      if (nfsMounts.length > 0) summary.nfsMounts = nfsMounts;
      out.push(summary);
    }
    return out;
  }
}

/** {@link StorageSummaryBuilder} over a whole document. */
export function buildStorageSummary(data: TimeSeriesData, options: { metadata?: Record<string, unknown>; devicesGlob?: string | undefined } = {}): HostStorageSummary[] {
  const builder = new StorageSummaryBuilder({ storage: storageUnderTestOf(data, options.metadata), devicesGlob: options.devicesGlob });
  for (const [host, samples] of Object.entries(data.samples_by_host ?? {})) {
    if (Array.isArray(samples)) for (const s of samples) builder.add(host, s);
  }
  return builder.result();
}

/** A figure with the digits that matter for its size (the report's one number format). */
export function num(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

const opt = (v: number | null, unit = ''): string => (v === null ? '-' : `${num(v)}${unit}`);

/** What an entry lives on, in one line: `checkpoint /mnt/ckpt on /mnt (ext4, /dev/loop3) → loop3 (loop)`. */
export function storageEntryLine(e: StorageUnderTest): string {
  const mount = e.mount_point === null ? 'mount unknown' : `on ${e.mount_point} (${e.fstype ?? '?'}, ${e.source ?? '?'})`;
  let tail: string;
  if (e.devices.length > 0) {
    const link = (l: StorageUnderTest['chain'][number]): string => `${l.device} (${l.kind}${l.backing_file !== undefined ? `, file ${l.backing_file}` : ''})`;
    const [top, ...below] = e.chain;
    tail = ` → ${top !== undefined ? link(top) : e.devices.join(', ')}${below.length > 0 ? ` over ${below.map(link).join(', ')}` : ''}`;
  } else if (e.mount_point !== null) {
    tail = e.network ? ': no block device (network filesystem)' : ': no block device';
  } else tail = '';
  return `${e.role} ${e.path} ${mount}${tail}${e.error !== undefined ? ` [${e.error}]` : ''}`;
}

/** One device's whole-run figures in one line. */
export function deviceFiguresLine(device: string, f: DeviceRunFigures | null): string {
  if (f === null) return `${device}: no figures (fewer than two samples with it)`;
  return (
    `${device}: write ${num(f.writeMBps)} MB/s (${num(f.writeBytes / 1e6)} MB), read ${num(f.readMBps)} MB/s (${num(f.readBytes / 1e6)} MB); ` +
    `IOPS w ${num(f.writeIops)} r ${num(f.readIops)}; avg req w ${opt(f.writeAvgRequestKiB)} r ${opt(f.readAvgRequestKiB)} KiB; ` +
    `await w ${opt(f.writeAwaitMs)} r ${opt(f.readAwaitMs)} ms; util ${opt(f.utilPercent)} %; over ${num(f.seconds)} s`
  );
}

/**
 * The workload's process I/O in one line: what its read()/write() calls moved (the figure of tmpfs and
 * network filesystems, whose bytes never reach a local device), then what of it reached storage.
 */
export function workloadIoLine(w: WorkloadIoFigures): string {
  const calls =
    w.wchar !== null || w.rchar !== null
      ? `write() ${opt(w.wcharMBps)} MB/s (${opt(w.wchar === null ? null : w.wchar / 1e6)} MB), read() ${opt(w.rcharMBps)} MB/s (${opt(w.rchar === null ? null : w.rchar / 1e6)} MB); `
      : '';
  return `workload process I/O: ${calls}to/from storage: write ${num(w.writeBytes / 1e6)} MB, read ${num(w.readBytes / 1e6)} MB; over ${num(w.seconds)} s`;
}

/**
 * How much of the devices' traffic the workload itself caused (its `write_bytes`/`read_bytes` against the
 * bytes the devices moved over the run), and how much of what it read the page cache (or pipes, devices)
 * served instead of storage (`rchar` above `read_bytes`). Null without devices with figures.
 */
export function workloadShareLine(w: WorkloadIoFigures, devices: HostStorageSummary['devices']): string | null {
  let written = 0;
  let read = 0;
  let any = false;
  for (const d of devices) {
    if (d.figures === null) continue;
    any = true;
    written += d.figures.writeBytes;
    read += d.figures.readBytes;
  }
  if (!any) return null;
  const pct = (part: number, whole: number): string => (whole > 0 ? `${num(Math.min(100, (part / whole) * 100))} %` : 'n/a (none)');
  const cached = w.rchar !== null && w.rchar > 0 ? `; ${num(Math.max(0, Math.min(100, ((w.rchar - w.readBytes) / w.rchar) * 100)))} % of what it read came from the page cache (or pipes, devices), not storage` : '';
  return `the workload caused ${pct(w.writeBytes, written)} of the device writes and ${pct(w.readBytes, read)} of the device reads${cached}`;
}

/** An NFS mount's whole-run figures in one line, as nfsiostat shows them. */
export function nfsMountLine(mountPoint: string, r: NfsMountRates | null): string {
  if (r === null) return `nfs ${mountPoint}: no figures (seen in fewer than two samples, or its counters restarted)`;
  const op = (name: string, o: NfsOpRates | null, bytes: number | null): string =>
    o === null ? `${name} -` : `${name} ${opt(bytes === null ? null : bytes / 1e6)} MB/s, ${num(o.opsPerSec)} ops/s, ${num(o.kbPerOp)} kB/op, RTT ${opt(o.avgRttMs)} ms, exe ${opt(o.avgExeMs)} ms, retrans ${o.retrans}`;
  return (
    `nfs ${mountPoint} (${r.device}): ${num(r.opsPerSec)} op/s; ${op('read', r.read, r.serverReadBytesPerSec)}; ${op('write', r.write, r.serverWriteBytesPerSec)}; ` +
    `application read ${opt(r.appReadBytesPerSec === null ? null : r.appReadBytesPerSec / 1e6)} write ${opt(r.appWriteBytesPerSec === null ? null : r.appWriteBytesPerSec / 1e6)} MB/s`
  );
}

/**
 * True when every directory of the host was resolved and none has a block device (tmpfs, network
 * filesystems): then the workload's process I/O is what there is to show. Unresolved entries (the host did
 * not answer) say why on their own line.
 */
export function isBlockless(s: HostStorageSummary): boolean {
  const resolved = s.entries.filter((e) => e.mount_point !== null);
  return resolved.length > 0 && resolved.length === s.entries.length && resolved.every((e) => e.devices.length === 0);
}

/**
 * The storage-under-test section as text lines (no trailing blank line): per host, its directories and
 * where they live, then its devices' whole-run figures, or why there are none. Empty when there is nothing.
 */
export function storageSummaryLines(summaries: readonly HostStorageSummary[], indent = '  '): string[] {
  if (summaries.length === 0) return [];
  const lines: string[] = ['Storage under test (whole run; MB = 10^6 bytes):'];
  for (const s of summaries) {
    lines.push(`${indent}${s.host}:${s.selected === 'glob' ? ` devices matching '${s.devicesGlob ?? ''}' (--devices)` : ''}`);
    for (const e of s.entries) lines.push(`${indent}${indent}${storageEntryLine(e)}`);
    for (const d of s.devices) lines.push(`${indent}${indent}${deviceFiguresLine(d.device, d.figures)}`);
    if (s.selected === 'glob' && s.devices.length === 0) lines.push(`${indent}${indent}no device matches '${s.devicesGlob ?? ''}'`);
    for (const n of s.nfsMounts ?? []) lines.push(`${indent}${indent}${nfsMountLine(n.mountPoint, n.rates)}`);
    const blockless = isBlockless(s);
    if (s.workloadIo !== null) {
      lines.push(`${indent}${indent}${workloadIoLine(s.workloadIo)}`);
      const share = workloadShareLine(s.workloadIo, s.devices);
      if (share !== null) lines.push(`${indent}${indent}${share}`);
    } else if (blockless && s.selected !== 'glob') lines.push(`${indent}${indent}no block device to measure; the workload's process I/O was not sampled`);
  }
  return lines;
}
