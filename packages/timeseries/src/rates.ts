/**
 * Rates from cumulative kernel counters (issue 2 §6): what reports and summaries show. Each rate is the
 * difference of two samples of the same host divided by the time between them as that host measured it
 * (its uptime clock when both samples carry it, else their timestamps), never by when the samples
 * arrived. A counter that went backwards (reboot, wrap, device replaced) gives no rate for that device
 * rather than a negative one.
 */
import { counterDelta, counterRate } from './counters';
import { deriveNetfsRates, type NetfsRates } from './rates-netfs';
import { SECTOR_BYTES } from './proc/diskstats';
import { sampleTimeMs } from './timestamps';
import type { CpuTimes, DiskStatsRecord, NetDevRecord, TimeSeriesSample, WorkloadIoRecord } from './types';

/** Per-device rates over one interval (the fields of `iostat -x`). */
export interface DiskRates {
  device: string;
  readBytesPerSec: number;
  writeBytesPerSec: number;
  /** Reads completed per second. */
  readIops: number;
  /** Writes completed per second. */
  writeIops: number;
  /** Average time per read completed in the interval, ms (queue + service); null when none completed. */
  rAwaitMs: number | null;
  /** Average time per write completed in the interval, ms; null when none completed. */
  wAwaitMs: number | null;
  /** Share of the interval the device had I/O in flight, 0–100. */
  utilPercent: number;
  /** Average number of requests in flight (queue size). */
  aquSz: number;
}

/** Per-interface rates over one interval. */
export interface NetRates {
  interface: string;
  rxBytesPerSec: number;
  txBytesPerSec: number;
  rxPacketsPerSec: number;
  txPacketsPerSec: number;
  rxErrorsPerSec: number;
  txErrorsPerSec: number;
  rxDropsPerSec: number;
  txDropsPerSec: number;
}

/**
 * CPU time per mode as a percentage of all CPU time in the interval. `guest` and `guestNice` are
 * already inside `user` and `nice` (the kernel counts them there), so the modes without them sum to 100;
 * they are shown separately for information.
 */
export interface CpuPercent {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
  /** 100 − idle − iowait. */
  busy: number;
}

/** Memory in use at the later sample (`MemTotal − MemAvailable`). */
export interface MemoryUsage {
  totalKb: number;
  availableKb: number;
  usedKb: number;
  usedBytes: number;
  usedPercent: number;
}

/** Rates between two samples of one host, stamped with the later one. */
export interface SampleRates {
  /** Timestamp of the later sample. */
  timestamp: string;
  /** Exact time of the later sample, epoch ms (its `timestamp_ms`, else its parsed `timestamp`). */
  timestampMs: number | null;
  /** Host name of the later sample. */
  hostname: string;
  /** Δt used for every rate, seconds. */
  intervalSeconds: number;
  /** Where Δt came from: the host's uptime clock, or the sample timestamps. */
  intervalSource: 'uptime' | 'timestamp';
  /** Per device, by `device_name`; a device missing from either sample or whose counters went back is absent. */
  disks: Record<string, DiskRates>;
  /** Per interface, by `interface_name`; same rule as `disks`. */
  net: Record<string, NetRates>;
  /** Aggregate CPU (`cpu` line); null without `/proc/stat` in both samples or after a reboot. */
  cpu: CpuPercent | null;
  /** Per CPU (`cpu0`…), for CPUs present in both samples. */
  perCpu: Record<string, CpuPercent>;
  /** Memory in use at the later sample; null without `meminfo`. */
  memory: MemoryUsage | null;
  /**
   * NFS mounts, CIFS shares and Lustre clients (`rates-netfs.ts`: nfsiostat, cifsiostat, llstat figures);
   * absent when the later sample has none of them.
   */
  netfs?: NetfsRates;
  /** The workload's own I/O over the interval, when both samples carry `workload_io`. */
  workloadIo?: WorkloadIoRates;
}

/**
 * The workload's own I/O over one interval (from `workload_io`): bytes from and to storage, and bytes its
 * read and write calls moved (the difference between `rcharPerSec` and `readBytesPerSec` is what the
 * page cache served).
 */
export interface WorkloadIoRates {
  readBytesPerSec: number;
  writeBytesPerSec: number;
  /** Bytes returned by read calls per second (page cache hits included). */
  rcharPerSec: number;
  /** Bytes passed to write calls per second. */
  wcharPerSec: number;
  readCallsPerSec: number;
  writeCallsPerSec: number;
  /** Workload processes alive at the later sample. */
  processes: number;
}

const delta = counterDelta;

function intervalOf(prev: TimeSeriesSample, cur: TimeSeriesSample): { seconds: number; source: 'uptime' | 'timestamp' } | null {
  const a = prev.uptime_seconds;
  const b = cur.uptime_seconds;
  if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b)) {
    // Uptime going back means a reboot between the samples: counters restarted, no interval to measure.
    const seconds = b - a;
    if (!(seconds > 0)) return null;
    // /proc/uptime has 10 ms resolution, too coarse for sub-second intervals. Millisecond timestamps that
    // agree with it (same host clock, no wall-clock step) measure the same interval more finely.
    const stamped = timestampInterval(prev, cur);
    if (stamped !== null && stamped > 0 && Math.abs(stamped - seconds) <= UPTIME_RESOLUTION_SECONDS * 2) {
      return { seconds: stamped, source: 'uptime' };
    }
    return { seconds, source: 'uptime' };
  }
  const seconds = timestampInterval(prev, cur);
  return seconds !== null && seconds > 0 ? { seconds, source: 'timestamp' } : null;
}

const UPTIME_RESOLUTION_SECONDS = 0.01;

function timestampInterval(prev: TimeSeriesSample, cur: TimeSeriesSample): number | null {
  const t0 = sampleTimeMs(prev);
  const t1 = sampleTimeMs(cur);
  if (t0 === null || t1 === null) return null;
  return (t1 - t0) / 1000;
}

/** A diskstats record as mlps wrote it before format 2 (readers normalise; a hand-built one may not be). */
interface LegacyDiskNames {
  time_io_ms?: number;
  weighted_time_io_ms?: number;
}

function ioTimeMs(disk: DiskStatsRecord): number | undefined {
  return disk.time_doing_ios_ms ?? (disk as LegacyDiskNames).time_io_ms;
}

function weightedIoTimeMs(disk: DiskStatsRecord): number | undefined {
  return disk.weighted_time_doing_ios_ms ?? (disk as LegacyDiskNames).weighted_time_io_ms;
}

function diskRates(prev: DiskStatsRecord, cur: DiskStatsRecord, seconds: number): DiskRates | null {
  // A different major:minor under the same name is another device (replaced, re-enumerated).
  if (prev.major !== cur.major || prev.minor !== cur.minor) return null;
  const reads = delta(prev.reads_completed, cur.reads_completed);
  const writes = delta(prev.writes_completed, cur.writes_completed);
  const sectorsRead = delta(prev.sectors_read, cur.sectors_read);
  const sectorsWritten = delta(prev.sectors_written, cur.sectors_written);
  const readMs = delta(prev.time_reading_ms, cur.time_reading_ms);
  const writeMs = delta(prev.time_writing_ms, cur.time_writing_ms);
  const ioMs = delta(ioTimeMs(prev), ioTimeMs(cur));
  const weightedMs = delta(weightedIoTimeMs(prev), weightedIoTimeMs(cur));
  if (
    reads === null || writes === null || sectorsRead === null || sectorsWritten === null ||
    readMs === null || writeMs === null || ioMs === null || weightedMs === null
  ) {
    return null;
  }
  const ms = seconds * 1000;
  return {
    device: cur.device_name,
    readBytesPerSec: (sectorsRead * SECTOR_BYTES) / seconds,
    writeBytesPerSec: (sectorsWritten * SECTOR_BYTES) / seconds,
    readIops: reads / seconds,
    writeIops: writes / seconds,
    rAwaitMs: reads > 0 ? readMs / reads : null,
    wAwaitMs: writes > 0 ? writeMs / writes : null,
    // time_doing_ios_ms can run a little ahead of our Δt (it is sampled at a different instant): cap, as iostat does.
    utilPercent: Math.min(100, (ioMs / ms) * 100),
    aquSz: weightedMs / ms,
  };
}

function netRates(prev: NetDevRecord, cur: NetDevRecord, seconds: number): NetRates | null {
  const fields = ['rx_bytes', 'tx_bytes', 'rx_packets', 'tx_packets', 'rx_errors', 'tx_errors', 'rx_dropped', 'tx_dropped'] as const;
  const d: Partial<Record<(typeof fields)[number], number>> = {};
  for (const field of fields) {
    const value = delta(prev[field], cur[field]);
    if (value === null) return null;
    d[field] = value / seconds;
  }
  return {
    interface: cur.interface_name,
    rxBytesPerSec: d.rx_bytes!,
    txBytesPerSec: d.tx_bytes!,
    rxPacketsPerSec: d.rx_packets!,
    txPacketsPerSec: d.tx_packets!,
    rxErrorsPerSec: d.rx_errors!,
    txErrorsPerSec: d.tx_errors!,
    rxDropsPerSec: d.rx_dropped!,
    txDropsPerSec: d.tx_dropped!,
  };
}

const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

function cpuPercent(prev: CpuTimes | undefined, cur: CpuTimes | undefined): CpuPercent | null {
  if (prev === undefined || cur === undefined) return null;
  const d: Record<string, number> = {};
  let rawTotal = 0;
  let total = 0;
  for (const mode of CPU_MODES) {
    const a = prev[mode];
    const b = cur[mode];
    if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
    rawTotal += b - a;
    // Single modes can step back a little (iowait/idle accounting of tickless kernels): that is time not
    // spent in the mode, not a reset; a reset shows as the total going back, handled below.
    d[mode] = Math.max(0, b - a);
    total += d[mode]!;
  }
  if (rawTotal < 0 || total <= 0) return null;
  const pct = (ticks: number): number => (ticks / total) * 100;
  // guest ⊂ user and guest_nice ⊂ nice: bounded by them, never added to the total.
  const guest = Math.min(d.user!, Math.max(0, (cur.guest ?? 0) - (prev.guest ?? 0)) || 0);
  const guestNice = Math.min(d.nice!, Math.max(0, (cur.guest_nice ?? 0) - (prev.guest_nice ?? 0)) || 0);
  const result: CpuPercent = {
    user: pct(d.user!),
    nice: pct(d.nice!),
    system: pct(d.system!),
    idle: pct(d.idle!),
    iowait: pct(d.iowait!),
    irq: pct(d.irq!),
    softirq: pct(d.softirq!),
    steal: pct(d.steal!),
    guest: pct(guest),
    guestNice: pct(guestNice),
    busy: 0,
  };
  result.busy = Math.max(0, pct(total - d.idle! - d.iowait!));
  return result;
}

function memoryUsage(meminfo: Record<string, number> | undefined): MemoryUsage | null {
  // Python writes a source it could not read as null; callers may hand in its parsed JSON directly.
  if (meminfo === undefined || meminfo === null) return null;
  const total = meminfo.MemTotal;
  if (typeof total !== 'number' || !Number.isFinite(total) || total <= 0) return null;
  let available = meminfo.MemAvailable;
  if (typeof available !== 'number' || !Number.isFinite(available)) {
    // Kernels before 3.14 have no MemAvailable: the classic free + buffers + page cache estimate.
    const parts = [meminfo.MemFree, meminfo.Buffers, meminfo.Cached];
    if (parts.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return null;
    available = parts.reduce<number>((sum, v) => sum + (v as number), 0);
  }
  available = Math.min(total, Math.max(0, available));
  const usedKb = total - available;
  return { totalKb: total, availableKb: available, usedKb, usedBytes: usedKb * 1024, usedPercent: (usedKb / total) * 100 };
}

/**
 * Rates between two consecutive samples of one host (`prev` earlier than `cur`). Null when the
 * interval cannot be measured or is not positive (same instant, clock went back, reboot between them).
 * Devices and interfaces present in only one sample, or whose counters went backwards, are absent.
 */
export function deriveRates(prev: TimeSeriesSample, cur: TimeSeriesSample): SampleRates | null {
  const interval = intervalOf(prev, cur);
  if (interval === null) return null;
  const { seconds } = interval;

  const disks: Record<string, DiskRates> = {};
  if (prev.diskstats && cur.diskstats) {
    const before = new Map(prev.diskstats.map((d) => [d.device_name, d]));
    for (const disk of cur.diskstats) {
      const old = before.get(disk.device_name);
      const rates = old ? diskRates(old, disk, seconds) : null;
      if (rates) disks[disk.device_name] = rates;
    }
  }

  const net: Record<string, NetRates> = {};
  if (prev.netdev && cur.netdev) {
    const before = new Map(prev.netdev.map((n) => [n.interface_name, n]));
    for (const iface of cur.netdev) {
      const old = before.get(iface.interface_name);
      const rates = old ? netRates(old, iface, seconds) : null;
      if (rates) net[iface.interface_name] = rates;
    }
  }

  const perCpu: Record<string, CpuPercent> = {};
  if (prev.cpu?.per_cpu && cur.cpu?.per_cpu) {
    const before = new Map(prev.cpu.per_cpu.map((c) => [c.cpu, c]));
    for (const line of cur.cpu.per_cpu) {
      const pct = cpuPercent(before.get(line.cpu), line);
      if (pct) perCpu[line.cpu] = pct;
    }
  }

  const rates: SampleRates = {
    timestamp: cur.timestamp,
    timestampMs: sampleTimeMs(cur),
    hostname: cur.hostname,
    intervalSeconds: seconds,
    intervalSource: interval.source,
    disks,
    net,
    cpu: cpuPercent(prev.cpu?.total, cur.cpu?.total),
    perCpu,
    memory: memoryUsage(cur.meminfo),
  };
  const netfs = deriveNetfsRates(prev, cur, seconds);
  if (netfs !== null) rates.netfs = netfs;
  const workloadIo = workloadIoRates(prev.workload_io, cur.workload_io, seconds);
  if (workloadIo !== null) rates.workloadIo = workloadIo;
  return rates;
}

function workloadIoRates(prev: WorkloadIoRecord | undefined, cur: WorkloadIoRecord | undefined, seconds: number): WorkloadIoRates | null {
  if (!prev || !cur) return null;
  const read = counterRate(prev.read_bytes, cur.read_bytes, seconds);
  const write = counterRate(prev.write_bytes, cur.write_bytes, seconds);
  const rchar = counterRate(prev.rchar, cur.rchar, seconds);
  const wchar = counterRate(prev.wchar, cur.wchar, seconds);
  const syscr = counterRate(prev.syscr, cur.syscr, seconds);
  const syscw = counterRate(prev.syscw, cur.syscw, seconds);
  if (read === null || write === null || rchar === null || wchar === null || syscr === null || syscw === null) return null;
  return {
    readBytesPerSec: read,
    writeBytesPerSec: write,
    rcharPerSec: rchar,
    wcharPerSec: wchar,
    readCallsPerSec: syscr,
    writeCallsPerSec: syscw,
    processes: typeof cur.processes === 'number' ? cur.processes : 0,
  };
}

/**
 * Rates along one host's samples: element i is {@link deriveRates}(samples[i−1], samples[i]); the first
 * is null (no previous sample: no rate, rather than a misleading 0).
 */
export function computeRates(samples: readonly TimeSeriesSample[]): Array<SampleRates | null> {
  const out: Array<SampleRates | null> = [];
  for (let i = 0; i < samples.length; i++) {
    out.push(i === 0 ? null : deriveRates(samples[i - 1]!, samples[i]!));
  }
  return out;
}
