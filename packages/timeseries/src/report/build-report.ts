/**
 * `buildReport`: a run's time series summarised per host (what the disks, network, CPUs, memory and PSI
 * did: mean, p50, p95, max) plus the health of the collection (samples, gaps, skipped ticks).
 */
import type { HostHealth, TimeSeriesData } from '../types';
import { aggregateDevices, buildHostSeries, diskTotals } from './host-series';
import type { HostSeries, ReportGap } from './host-series';
import type { NetfsInterval } from './interval-rates';
import { fieldTimeMs } from '../timestamps';
import { buildStorageSummary, type HostStorageSummary } from './storage-summary';

/** mean, p50, p95 and max of one metric over a run's intervals; `count` values went in. */
export interface ReportStat {
  mean: number;
  p50: number;
  p95: number;
  max: number;
  count: number;
}

/** Disk figures (MB = 10^6 bytes). */
export interface DiskSummary {
  readMBps: ReportStat | null;
  writeMBps: ReportStat | null;
  readIops: ReportStat | null;
  writeIops: ReportStat | null;
  readAwaitMs: ReportStat | null;
  writeAwaitMs: ReportStat | null;
  utilPercent: ReportStat | null;
}

/** One device's figures (devices with any I/O during the run). */
export interface DeviceSummary extends DiskSummary {
  device: string;
  /** True when the device counts in the host totals (a whole physical disk). */
  inTotals: boolean;
}

/** One interface's figures (interfaces with any traffic). */
export interface InterfaceSummary {
  iface: string;
  rxMBps: ReportStat | null;
  txMBps: ReportStat | null;
}

/**
 * One network filesystem mount over the run (NFS mount, CIFS share or Lustre client): MB = 10^6 bytes on
 * the wire (NFS: READ/WRITE payloads from the server), ops per second, NFS READ/WRITE RTT and execution ms.
 */
export interface NetfsSummary {
  kind: 'nfs' | 'cifs' | 'lustre';
  /** Mount point (NFS), share (CIFS) or llite instance (Lustre). */
  name: string;
  /** The export for NFS (`server:/path`), '' otherwise. */
  source: string;
  readMBps: ReportStat | null;
  writeMBps: ReportStat | null;
  readOpsPerSec: ReportStat | null;
  writeOpsPerSec: ReportStat | null;
  opsPerSec: ReportStat | null;
  readRttMs: ReportStat | null;
  writeRttMs: ReportStat | null;
  readExeMs: ReportStat | null;
  writeExeMs: ReportStat | null;
  retransPerSec: ReportStat | null;
}

/** One host of a {@link RunReport}. */
export interface HostReport {
  /** The requested host name (key of `samples_by_host`). */
  host: string;
  /** What the host calls itself. */
  hostname: string | null;
  status: HostHealth | null;
  lastError: string | null;
  samples: number;
  errorSamples: number;
  firstSample: string | null;
  lastSample: string | null;
  gaps: ReportGap[];
  /** Totals over the whole physical disks (sum of throughput/IOPS, await weighted by I/Os, busiest %util). */
  disk: DiskSummary;
  devices: DeviceSummary[];
  network: { rxMBps: ReportStat | null; txMBps: ReportStat | null };
  interfaces: InterfaceSummary[];
  /** CPU % by mode (`user`, `system`, `iowait`, …, and `busy`). */
  cpu: Record<string, ReportStat>;
  memoryUsedGiB: ReportStat | null;
  /** PSI: share of time stalled in % (`cpu_some`, `memory_some`, `memory_full`, `io_some`, `io_full`). */
  psi: Record<string, ReportStat>;
  /** NFS mounts, CIFS shares and Lustre clients seen during the run (none: an empty list). */
  networkFilesystems: NetfsSummary[];
}

/** Optional context shown with the report (usually from the run's `*_metadata.json`). */
export interface ReportMeta {
  /** Heading; default "mlps time series". */
  title?: string;
  /** Benchmark type (`training`, `checkpointing`, …). */
  benchmark?: string;
  /** The run's parameters (flattened for display). */
  parameters?: Record<string, unknown>;
  /** The whole metadata document; scalar fields are shown. */
  metadata?: Record<string, unknown>;
  /** Where the data came from (file path). */
  source?: string;
  /**
   * `--devices`: comma-separated globs of the devices the storage section is about, instead of the
   * storage under test recorded in the document (or the metadata).
   */
  devicesGlob?: string;
}

/** The structured summary of a run (see {@link buildReport}). */
export interface RunReport {
  title: string;
  meta: ReportMeta;
  intervalSeconds: number;
  startTime: string | null;
  endTime: string | null;
  durationSeconds: number | null;
  collectionMethod: string;
  hostsRequested: string[];
  hostsCollected: string[];
  numSamples: number;
  ticks: number | null;
  skippedTicks: number | null;
  /** The storage under test per host and its devices' whole-run figures: what every rendering shows first. */
  storage: HostStorageSummary[];
  hosts: HostReport[];
}

/** Linear-interpolated percentile of sorted values (numpy's default). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

/** mean/p50/p95/max of the finite values; null when none. */
export function reportStat(values: ReadonlyArray<number | null | undefined>): ReportStat | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  v.sort((a, b) => a - b);
  let sum = 0;
  for (const x of v) sum += x;
  return { mean: sum / v.length, p50: percentile(v, 0.5), p95: percentile(v, 0.95), max: v[v.length - 1]!, count: v.length };
}

const MB = 1e6;
const GIB = 1024 ** 3;

function deviceSummary(series: HostSeries, device: string): DiskSummary {
  const ds = series.intervals.map((iv) => iv.disks.find((d) => d.device === device) ?? null);
  return {
    readMBps: reportStat(ds.map((d) => (d === null ? null : d.readBytesPerSec / MB))),
    writeMBps: reportStat(ds.map((d) => (d === null ? null : d.writeBytesPerSec / MB))),
    readIops: reportStat(ds.map((d) => d?.readIops)),
    writeIops: reportStat(ds.map((d) => d?.writeIops)),
    readAwaitMs: reportStat(ds.map((d) => d?.readAwaitMs)),
    writeAwaitMs: reportStat(ds.map((d) => d?.writeAwaitMs)),
    utilPercent: reportStat(ds.map((d) => d?.utilPercent)),
  };
}

/** Every disk device seen in a host's intervals and whether it had any I/O. */
export function activeDevices(series: HostSeries): { all: Set<string>; active: Set<string> } {
  const all = new Set<string>();
  const active = new Set<string>();
  for (const iv of series.intervals) {
    for (const d of iv.disks) {
      all.add(d.device);
      if (d.readIops > 0 || d.writeIops > 0 || d.readBytesPerSec > 0 || d.writeBytesPerSec > 0) active.add(d.device);
    }
  }
  return { all, active };
}

/** Every interface seen and whether it carried traffic. */
export function activeInterfaces(series: HostSeries): Set<string> {
  const active = new Set<string>();
  for (const iv of series.intervals) for (const n of iv.nets) if (n.rxBytesPerSec > 0 || n.txBytesPerSec > 0) active.add(n.iface);
  return active;
}

function hostReport(data: ReportRunFields, series: HostSeries): HostReport {
  const { all, active } = activeDevices(series);
  const include = aggregateDevices(all);
  const totals = series.intervals.map((iv) => (iv.disks.length === 0 ? null : diskTotals(iv.disks, include)));
  const netTotals = series.intervals.map((iv) =>
    iv.nets.length === 0
      ? null
      : iv.nets.reduce(
          // Loopback traffic never leaves the host: it is not network I/O.
          (acc, n) => (n.iface === 'lo' ? acc : { rx: acc.rx + n.rxBytesPerSec, tx: acc.tx + n.txBytesPerSec }),
          { rx: 0, tx: 0 },
        ),
  );
  const cpuModes = new Set<string>();
  const psiKeys = new Set<string>();
  for (const iv of series.intervals) {
    if (iv.cpu !== null) for (const k of Object.keys(iv.cpu)) cpuModes.add(k);
    for (const k of Object.keys(iv.psi)) psiKeys.add(k);
  }
  const cpu: Record<string, ReportStat> = {};
  for (const mode of cpuModes) {
    const s = reportStat(series.intervals.map((iv) => iv.cpu?.[mode]));
    if (s !== null) cpu[mode] = s;
  }
  const psi: Record<string, ReportStat> = {};
  for (const key of [...psiKeys].sort()) {
    const s = reportStat(series.intervals.map((iv) => iv.psi[key]));
    if (s !== null) psi[key] = s;
  }
  const status = data.host_status?.[series.host];
  const devices = [...active].sort().map((device) => ({ device, inTotals: include.has(device), ...deviceSummary(series, device) }));
  const interfaces = [...activeInterfaces(series)].sort().map((iface) => {
    const ns = series.intervals.map((iv) => iv.nets.find((n) => n.iface === iface) ?? null);
    return {
      iface,
      rxMBps: reportStat(ns.map((n) => (n === null ? null : n.rxBytesPerSec / MB))),
      txMBps: reportStat(ns.map((n) => (n === null ? null : n.txBytesPerSec / MB))),
    };
  });
  return {
    host: series.host,
    hostname: series.hostname,
    status: status?.status ?? (series.samples === 0 ? 'failed' : null),
    lastError: status?.last_error ?? null,
    samples: series.samples,
    errorSamples: series.errorSamples,
    firstSample: series.firstMs === null ? null : new Date(series.firstMs).toISOString(),
    lastSample: series.lastMs === null ? null : new Date(series.lastMs).toISOString(),
    gaps: series.gaps,
    disk: {
      readMBps: reportStat(totals.map((t) => (t === null ? null : t.readBytesPerSec / MB))),
      writeMBps: reportStat(totals.map((t) => (t === null ? null : t.writeBytesPerSec / MB))),
      readIops: reportStat(totals.map((t) => t?.readIops)),
      writeIops: reportStat(totals.map((t) => t?.writeIops)),
      readAwaitMs: reportStat(totals.map((t) => t?.readAwaitMs)),
      writeAwaitMs: reportStat(totals.map((t) => t?.writeAwaitMs)),
      utilPercent: reportStat(totals.map((t) => t?.utilPercent)),
    },
    devices,
    network: { rxMBps: reportStat(netTotals.map((t) => (t === null ? null : t.rx / MB))), txMBps: reportStat(netTotals.map((t) => (t === null ? null : t.tx / MB))) },
    interfaces,
    cpu,
    memoryUsedGiB: reportStat(series.memoryUsedBytes.map((b) => (b === null ? null : b / GIB))),
    psi,
    networkFilesystems: netfsSummaries(series),
  };
}

/** Per network filesystem mount, its figures over the run's intervals (in first-seen order). */
export function netfsSummaries(series: HostSeries): NetfsSummary[] {
  const mounts = new Map<string, NetfsInterval[]>();
  for (const iv of series.intervals) {
    for (const m of iv.netfs ?? []) {
      const key = `${m.kind}\u0000${m.name}`;
      let list = mounts.get(key);
      if (list === undefined) mounts.set(key, (list = []));
      list.push(m);
    }
  }
  return [...mounts.values()].map((list) => {
    const first = list[0]!;
    const stat = (f: (m: NetfsInterval) => number | null): ReportStat | null => reportStat(list.map(f));
    return {
      kind: first.kind,
      name: first.name,
      source: first.source,
      readMBps: stat((m) => (m.readBytesPerSec === null ? null : m.readBytesPerSec / MB)),
      writeMBps: stat((m) => (m.writeBytesPerSec === null ? null : m.writeBytesPerSec / MB)),
      readOpsPerSec: stat((m) => m.readOpsPerSec),
      writeOpsPerSec: stat((m) => m.writeOpsPerSec),
      opsPerSec: stat((m) => m.opsPerSec),
      readRttMs: stat((m) => m.readRttMs),
      writeRttMs: stat((m) => m.writeRttMs),
      readExeMs: stat((m) => m.readExeMs),
      writeExeMs: stat((m) => m.writeExeMs),
      retransPerSec: stat((m) => m.retransPerSec),
    };
  });
}

/** The host series of every host of `data`, in `hosts_requested` order then any other host. */
export function buildAllHostSeries(data: TimeSeriesData): HostSeries[] {
  const names = [...(data.hosts_requested ?? [])];
  for (const h of Object.keys(data.samples_by_host ?? {})) if (!names.includes(h)) names.push(h);
  return names.map((h) => buildHostSeries(h, data.samples_by_host?.[h] ?? [], data.collection_interval_seconds));
}

/**
 * Summarises a run per host: disk read/write MB/s, IOPS, await and %util (totals over the whole disks and
 * per active device), network rx/tx MB/s, CPU % by mode, memory used, PSI where present — each as mean,
 * p50, p95 and max over the run's intervals — with samples, gaps (intervals longer than 1.5 × the
 * configured one) and the collector's skipped ticks. Rates come from the library's `deriveRates`.
 * Never throws on odd samples (they count as no data).
 */
export function buildReport(data: TimeSeriesData, meta?: ReportMeta): RunReport {
  const all = buildAllHostSeries(data);
  return buildReportFromSeries(data, all, meta);
}

/**
 * A run's top-level fields: a {@link TimeSeriesData} whose samples may be absent (a streamed report has
 * the fields and the derived series, never the samples).
 */
export type ReportRunFields = Omit<TimeSeriesData, 'samples_by_host'> & { samples_by_host?: TimeSeriesData['samples_by_host'] };

/** Options of {@link buildReportFromSeries}. */
export interface ReportFromSeriesOptions {
  /**
   * The storage section, already built sample by sample (`StorageSummaryBuilder`); without it, it is
   * built from `data.samples_by_host`.
   */
  storage?: readonly HostStorageSummary[];
}

/**
 * {@link buildReport} from already derived host series (the HTML report reuses them for its charts).
 * `data` needs its samples only when `options.storage` is not given.
 */
export function buildReportFromSeries(data: ReportRunFields, all: readonly HostSeries[], meta?: ReportMeta, options: ReportFromSeriesOptions = {}): RunReport {
  const m: ReportMeta = meta ?? {};
  // The exact `_ms` times when the document has them (the text is whole seconds).
  const start = fieldTimeMs(data.start_time, data.start_time_ms);
  const end = fieldTimeMs(data.end_time, data.end_time_ms);
  return {
    title: m.title ?? (m.benchmark !== undefined ? `mlps time series: ${m.benchmark}` : 'mlps time series'),
    meta: m,
    intervalSeconds: data.collection_interval_seconds,
    startTime: data.start_time,
    endTime: data.end_time,
    durationSeconds: start !== null && end !== null && Number.isFinite(start) && Number.isFinite(end) ? (end - start) / 1000 : null,
    collectionMethod: data.collection_method,
    hostsRequested: [...(data.hosts_requested ?? [])],
    hostsCollected: [...(data.hosts_collected ?? [])],
    numSamples: data.num_samples,
    ticks: data.interval_stats?.ticks ?? null,
    skippedTicks: data.interval_stats?.skipped_ticks ?? null,
    storage:
      options.storage !== undefined
        ? [...options.storage]
        : buildStorageSummary({ ...data, samples_by_host: data.samples_by_host ?? {} }, { ...(m.metadata !== undefined ? { metadata: m.metadata } : {}), devicesGlob: m.devicesGlob }),
    hosts: all.map((s) => hostReport(data, s)),
  };
}
