/**
 * The per-interval values the report charts and summarises, taken from the library's rates (`deriveRates`)
 * and completed with what the report also needs (memory used, PSI stall share) from the samples.
 */
import type { TimeSeriesSample } from '../types';
import { deriveRates } from '../rates';
import type { SampleRates } from '../rates';
import type { NetfsRates } from '../rates-netfs';

/** One disk over one interval. */
export interface DiskInterval {
  device: string;
  readBytesPerSec: number;
  writeBytesPerSec: number;
  readIops: number;
  writeIops: number;
  /** Mean time per completed read (ms); null when no read completed. */
  readAwaitMs: number | null;
  writeAwaitMs: number | null;
  utilPercent: number;
}

/** One network interface over one interval. */
export interface NetInterval {
  iface: string;
  rxBytesPerSec: number;
  txBytesPerSec: number;
}

/**
 * One network filesystem mount over one interval: an NFS mount (nfsiostat's figures), a CIFS share
 * (cifsiostat's) or a Lustre client (llstat's). Null where the filesystem does not have the figure.
 */
export interface NetfsInterval {
  kind: 'nfs' | 'cifs' | 'lustre';
  /** Mount point (NFS), share (CIFS) or llite instance (Lustre). */
  name: string;
  /** The export (`server:/path`) for NFS; '' otherwise. */
  source: string;
  readBytesPerSec: number | null;
  writeBytesPerSec: number | null;
  readOpsPerSec: number | null;
  writeOpsPerSec: number | null;
  /** NFS: RPCs sent per second; CIFS: SMBs per second; Lustre: every counter's events per second. */
  opsPerSec: number | null;
  /** NFS READ/WRITE average round-trip and execution times, ms. */
  readRttMs: number | null;
  writeRttMs: number | null;
  readExeMs: number | null;
  writeExeMs: number | null;
  /** NFS retransmissions per second (all operations). */
  retransPerSec: number | null;
}

/** Everything the report uses of one interval of one host. */
export interface IntervalValues {
  /** Interval end, epoch milliseconds (the later sample's timestamp). */
  endMs: number;
  seconds: number;
  disks: DiskInterval[];
  nets: NetInterval[];
  /** CPU % per mode (user, nice, system, idle, iowait, irq, softirq, steal), or null without `/proc/stat`. */
  cpu: Record<string, number> | null;
  /** PSI stall share in % of the interval: `cpu_some`, `memory_some`, `memory_full`, `io_some`, `io_full`. */
  psi: Record<string, number>;
  /** Network filesystem mounts; absent when the host has none. */
  netfs?: NetfsInterval[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Memory in use (MemTotal − MemAvailable, bytes) of a sample, or null when meminfo lacks either. */
export function memoryUsedBytes(sample: TimeSeriesSample): number | null {
  const total = num(sample.meminfo?.MemTotal);
  const avail = num(sample.meminfo?.MemAvailable);
  return total === null || avail === null ? null : Math.max(0, total - avail) * 1024;
}

/** Page cache + buffers (bytes) of a sample, or null. */
export function memoryCachedBytes(sample: TimeSeriesSample): number | null {
  const cached = num(sample.meminfo?.Cached);
  const buffers = num(sample.meminfo?.Buffers) ?? 0;
  return cached === null ? null : (cached + buffers) * 1024;
}

function psiShares(prev: TimeSeriesSample, cur: TimeSeriesSample, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const resource of ['cpu', 'memory', 'io'] as const) {
    for (const kind of ['some', 'full'] as const) {
      const a = num(prev.pressure?.[resource]?.[kind]?.total);
      const b = num(cur.pressure?.[resource]?.[kind]?.total);
      if (a === null || b === null || b < a) continue;
      // cpu `full` exists since 5.13 but is always zero at system level; it says nothing.
      if (resource === 'cpu' && kind === 'full') continue;
      out[`${resource}_${kind}`] = Math.min(100, ((b - a) / 1e6 / seconds) * 100);
    }
  }
  return out;
}

/** Adapts the library's {@link SampleRates} of one interval to what the report needs. Null when no rate. */
export function intervalValues(prev: TimeSeriesSample, cur: TimeSeriesSample): IntervalValues | null {
  const rates: SampleRates | null = deriveRates(prev, cur);
  if (rates === null) return null;
  return fromSampleRates(rates, prev, cur);
}

function fromSampleRates(rates: SampleRates, prev: TimeSeriesSample, cur: TimeSeriesSample): IntervalValues | null {
  const endMs = rates.timestampMs ?? NaN;
  const seconds = rates.intervalSeconds;
  if (!Number.isFinite(endMs) || !(seconds > 0)) return null;
  const disks: DiskInterval[] = Object.values(rates.disks).map((d) => ({
    device: d.device,
    readBytesPerSec: d.readBytesPerSec,
    writeBytesPerSec: d.writeBytesPerSec,
    readIops: d.readIops,
    writeIops: d.writeIops,
    readAwaitMs: d.rAwaitMs,
    writeAwaitMs: d.wAwaitMs,
    utilPercent: d.utilPercent,
  }));
  const nets: NetInterval[] = Object.values(rates.net).map((n) => ({
    iface: n.interface,
    rxBytesPerSec: n.rxBytesPerSec,
    txBytesPerSec: n.txBytesPerSec,
  }));
  const cpu = rates.cpu === null ? null : { ...rates.cpu };
  const values: IntervalValues = { endMs, seconds, disks, nets, cpu, psi: psiShares(prev, cur, seconds) };
  if (rates.netfs !== undefined) values.netfs = netfsIntervals(rates.netfs, seconds);
  return values;
}

/** The per-mount figures of {@link NetfsRates}, one list whatever the filesystem. */
function netfsIntervals(rates: NetfsRates, seconds: number): NetfsInterval[] {
  const out: NetfsInterval[] = [];
  for (const m of Object.values(rates.nfs)) {
    let retrans = 0;
    for (const op of Object.values(m.ops)) retrans += op.retrans;
    out.push({
      kind: 'nfs',
      name: m.mountPoint,
      source: m.device,
      readBytesPerSec: m.serverReadBytesPerSec,
      writeBytesPerSec: m.serverWriteBytesPerSec,
      readOpsPerSec: m.read?.opsPerSec ?? null,
      writeOpsPerSec: m.write?.opsPerSec ?? null,
      opsPerSec: m.opsPerSec,
      readRttMs: m.read?.avgRttMs ?? null,
      writeRttMs: m.write?.avgRttMs ?? null,
      readExeMs: m.read?.avgExeMs ?? null,
      writeExeMs: m.write?.avgExeMs ?? null,
      retransPerSec: retrans / seconds,
    });
  }
  for (const c of Object.values(rates.cifs)) {
    out.push({
      kind: 'cifs', name: c.share, source: '',
      readBytesPerSec: c.readBytesPerSec, writeBytesPerSec: c.writeBytesPerSec,
      readOpsPerSec: c.readsPerSec, writeOpsPerSec: c.writesPerSec, opsPerSec: c.smbsPerSec,
      readRttMs: null, writeRttMs: null, readExeMs: null, writeExeMs: null, retransPerSec: null,
    });
  }
  for (const l of Object.values(rates.lustre)) {
    let ops = 0;
    for (const v of Object.values(l.opsPerSec)) ops += v;
    out.push({
      kind: 'lustre', name: l.instance, source: '',
      readBytesPerSec: l.readBytesPerSec, writeBytesPerSec: l.writeBytesPerSec,
      readOpsPerSec: l.readCallsPerSec, writeOpsPerSec: l.writeCallsPerSec, opsPerSec: ops,
      readRttMs: null, writeRttMs: null, readExeMs: null, writeExeMs: null, retransPerSec: null,
    });
  }
  return out;
}
