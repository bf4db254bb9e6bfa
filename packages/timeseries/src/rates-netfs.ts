/**
 * Rates of the network filesystem sources between two samples of one host: per NFS mount what `nfsiostat`
 * shows, per CIFS share what `cifsiostat` shows, per Lustre client what `llstat` shows. Same rules as
 * `rates.ts`: a counter that went back (remount, module reload) gives no rate for that mount, never a
 * negative one; a mount present in only one sample has none.
 */
import type { CifsShareRecord, LustreLliteRecord, NfsMountRecord, NfsOpStats, TimeSeriesSample } from './types';
import { counterDelta, counterRate } from './counters';

/** One RPC operation over an interval, as a line of `nfsiostat` (`read:`/`write:`) shows it. */
export interface NfsOpRates {
  opsPerSec: number;
  /** Bytes on the wire per second (sent + received, RPC headers included): nfsiostat's kB/s × 1024. */
  bytesPerSec: number;
  /** kB per operation (nfsiostat's kB/op); 0 without operations. */
  kbPerOp: number;
  /** Retransmissions in the interval (transmissions − operations). */
  retrans: number;
  /** Retransmissions in % of operations. */
  retransPercent: number;
  /** Average round-trip time per operation, ms (nfsiostat's avg RTT); null without operations. */
  avgRttMs: number | null;
  /** Average execution time per operation (queue + RTT + client work), ms (avg exe); null without operations. */
  avgExeMs: number | null;
  /** Average time queued before transmission, ms (avg queue); null without operations. */
  avgQueueMs: number | null;
  /** Operations that failed in the interval; null on kernels without the per-op errors field. */
  errors: number | null;
}

/** One NFS mount over an interval. */
export interface NfsMountRates {
  mountPoint: string;
  device: string;
  fstype: string;
  /** RPC requests sent per second over every transport of the mount (nfsiostat's op/s). */
  opsPerSec: number;
  /**
   * Average backlog queue length per request sent (Δ`bklog_u` / Δ`sends`); null without requests.
   * nfsiostat prints this divided once more by the interval, which is no quantity; mlps does not.
   */
  rpcBacklog: number | null;
  /** Bytes the applications read/wrote per second (`bytes:` read_bytes/write_bytes: page cache hits included). */
  appReadBytesPerSec: number | null;
  appWriteBytesPerSec: number | null;
  /** O_DIRECT bytes per second. */
  directReadBytesPerSec: number | null;
  directWriteBytesPerSec: number | null;
  /** Bytes read from / written to the server per second (READ/WRITE payloads). */
  serverReadBytesPerSec: number | null;
  serverWriteBytesPerSec: number | null;
  /** The READ and WRITE lines of nfsiostat; null when the mount has no such op. */
  read: NfsOpRates | null;
  write: NfsOpRates | null;
  /** Every operation with requests in the interval (GETATTR, LOOKUP, ACCESS, …), by name. */
  ops: Record<string, NfsOpRates>;
}

/** One CIFS share over an interval, as `cifsiostat` shows it. */
export interface CifsShareRates {
  share: string;
  readBytesPerSec: number | null;
  writeBytesPerSec: number | null;
  readsPerSec: number | null;
  writesPerSec: number | null;
  /** Files opened per second: SMB1 `opens` (+ `posix_opens`), SMB2/3 `creates`. */
  opensPerSec: number | null;
  closesPerSec: number | null;
  /** SMB requests sent per second. */
  smbsPerSec: number | null;
}

/** One Lustre client (llite instance) over an interval, as `llstat` shows it. */
export interface LustreRates {
  instance: string;
  /** Bytes read/written per second (Δ sum of `read_bytes`/`write_bytes`). */
  readBytesPerSec: number;
  writeBytesPerSec: number;
  /** read(2)/write(2) calls per second (Δ samples of `read_bytes`/`write_bytes`). */
  readCallsPerSec: number;
  writeCallsPerSec: number;
  /** Every other counter's events per second (`open`, `close`, `getattr`, `statfs`, …). */
  opsPerSec: Record<string, number>;
}

/** The network filesystem rates of one interval. */
export interface NetfsRates {
  /** By mount point. */
  nfs: Record<string, NfsMountRates>;
  /** By share. */
  cifs: Record<string, CifsShareRates>;
  /** By llite instance. */
  lustre: Record<string, LustreRates>;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const delta = counterDelta;

const perSec = counterRate;

function opRates(prev: NfsOpStats | undefined, cur: NfsOpStats | undefined, seconds: number): NfsOpRates | null {
  if (prev === undefined || cur === undefined || prev === null || cur === null) return null;
  const ops = delta(prev.ops, cur.ops);
  const trans = delta(prev.transmissions, cur.transmissions);
  const sent = delta(prev.bytes_sent, cur.bytes_sent);
  const received = delta(prev.bytes_received, cur.bytes_received);
  const queue = delta(prev.queue_ms, cur.queue_ms);
  const rtt = delta(prev.rtt_ms, cur.rtt_ms);
  const exe = delta(prev.execute_ms, cur.execute_ms);
  if (ops === null || trans === null || sent === null || received === null || queue === null || rtt === null || exe === null) return null;
  const bytes = sent + received;
  const retrans = Math.max(0, trans - ops);
  const errors = delta(prev.errors, cur.errors);
  return {
    opsPerSec: ops / seconds,
    bytesPerSec: bytes / seconds,
    kbPerOp: ops > 0 ? bytes / 1024 / ops : 0,
    retrans,
    retransPercent: ops > 0 ? (retrans * 100) / ops : 0,
    avgRttMs: ops > 0 ? rtt / ops : null,
    avgExeMs: ops > 0 ? exe / ops : null,
    avgQueueMs: ops > 0 ? queue / ops : null,
    errors,
  };
}

function sumTransports(m: NfsMountRecord, field: 'sends' | 'bklog_u'): number | null {
  if (!Array.isArray(m.xprt) || m.xprt.length === 0) return null;
  let sum = 0;
  for (const x of m.xprt) {
    const v = x?.[field];
    if (!isCount(v)) return null;
    sum += v;
  }
  return sum;
}

/** `nfsiostat` for one mount over `seconds`; null when a counter went back (remount) or the mount changed. */
export function nfsMountRates(prev: NfsMountRecord, cur: NfsMountRecord, seconds: number): NfsMountRates | null {
  if (!(seconds > 0) || prev.device !== cur.device || prev.fstype !== cur.fstype) return null;
  // A shorter age is a new mount of the same export: its counters restarted.
  if (isCount(prev.age) && isCount(cur.age) && cur.age < prev.age) return null;
  const sends = delta(sumTransports(prev, 'sends'), sumTransports(cur, 'sends'));
  const backlog = delta(sumTransports(prev, 'bklog_u'), sumTransports(cur, 'bklog_u'));
  const ops: Record<string, NfsOpRates> = {};
  const prevOps = prev.per_op ?? {};
  for (const [name, op] of Object.entries(cur.per_op ?? {})) {
    const r = opRates(prevOps[name], op, seconds);
    if (r !== null && r.opsPerSec > 0) ops[name] = r;
  }
  const b0 = prev.bytes;
  const b1 = cur.bytes;
  return {
    mountPoint: cur.mount_point,
    device: cur.device,
    fstype: cur.fstype,
    opsPerSec: sends === null ? 0 : sends / seconds,
    rpcBacklog: sends !== null && sends > 0 && backlog !== null ? backlog / sends : null,
    appReadBytesPerSec: perSec(b0?.read_bytes, b1?.read_bytes, seconds),
    appWriteBytesPerSec: perSec(b0?.write_bytes, b1?.write_bytes, seconds),
    directReadBytesPerSec: perSec(b0?.direct_read_bytes, b1?.direct_read_bytes, seconds),
    directWriteBytesPerSec: perSec(b0?.direct_write_bytes, b1?.direct_write_bytes, seconds),
    serverReadBytesPerSec: perSec(b0?.total_read_bytes, b1?.total_read_bytes, seconds),
    serverWriteBytesPerSec: perSec(b0?.total_write_bytes, b1?.total_write_bytes, seconds),
    read: opRates(prevOps.READ, cur.per_op?.READ, seconds),
    write: opRates(prevOps.WRITE, cur.per_op?.WRITE, seconds),
    ops,
  };
}

function sumOf(stats: Record<string, number>, keys: readonly string[]): number | undefined {
  let sum: number | undefined;
  for (const k of keys) if (isCount(stats[k])) sum = (sum ?? 0) + stats[k]!;
  return sum;
}

/** `cifsiostat` for one share over `seconds`. */
export function cifsShareRates(prev: CifsShareRecord, cur: CifsShareRecord, seconds: number): CifsShareRates | null {
  if (!(seconds > 0)) return null;
  const a = prev.stats ?? {};
  const b = cur.stats ?? {};
  // Every counter restarts on a module reload: one going back means none is comparable.
  for (const [k, v] of Object.entries(b)) if (isCount(a[k]) && isCount(v) && v < a[k]! && !k.startsWith('open_files')) return null;
  const opens = isCount(b.opens) ? ['opens', 'posix_opens'] : ['creates'];
  return {
    share: cur.share,
    readBytesPerSec: perSec(a.read_bytes, b.read_bytes, seconds),
    writeBytesPerSec: perSec(a.write_bytes, b.write_bytes, seconds),
    readsPerSec: perSec(a.reads, b.reads, seconds),
    writesPerSec: perSec(a.writes, b.writes, seconds),
    opensPerSec: perSec(sumOf(a, opens), sumOf(b, opens), seconds),
    closesPerSec: perSec(a.closes, b.closes, seconds),
    smbsPerSec: perSec(a.smbs, b.smbs, seconds),
  };
}

/** `llstat` for one llite instance over `seconds`. A counter first printed in `cur` counted from 0. */
export function lustreRates(prev: LustreLliteRecord, cur: LustreLliteRecord, seconds: number): LustreRates | null {
  if (!(seconds > 0)) return null;
  const a = prev.counters ?? {};
  const b = cur.counters ?? {};
  const d = (name: string, field: 'samples' | 'sum'): number | null => {
    const after = b[name]?.[field];
    if (!isCount(after)) return isCount(a[name]?.[field]) ? null : 0;
    return delta(a[name]?.[field] ?? 0, after);
  };
  const readBytes = d('read_bytes', 'sum');
  const writeBytes = d('write_bytes', 'sum');
  const readCalls = d('read_bytes', 'samples');
  const writeCalls = d('write_bytes', 'samples');
  if (readBytes === null || writeBytes === null || readCalls === null || writeCalls === null) return null;
  const opsPerSec: Record<string, number> = {};
  for (const name of Object.keys(b)) {
    if (name === 'read_bytes' || name === 'write_bytes') continue;
    const n = d(name, 'samples');
    if (n === null) return null;
    opsPerSec[name] = n / seconds;
  }
  return {
    instance: cur.instance,
    readBytesPerSec: readBytes / seconds,
    writeBytesPerSec: writeBytes / seconds,
    readCallsPerSec: readCalls / seconds,
    writeCallsPerSec: writeCalls / seconds,
    opsPerSec,
  };
}

function byKey<T>(records: readonly T[] | undefined, key: (r: T) => unknown): Map<string, T> {
  const out = new Map<string, T>();
  if (!Array.isArray(records)) return out;
  for (const r of records) {
    const k = r === null || typeof r !== 'object' ? undefined : key(r);
    if (typeof k === 'string') out.set(k, r);
  }
  return out;
}

/**
 * The network filesystem rates between two samples `seconds` apart (use `deriveRates`, which measures the
 * interval on the host's clock and puts these under `netfs`). Null when neither sample has NFS, CIFS or
 * Lustre data. Never throws on odd records.
 */
export function deriveNetfsRates(prev: TimeSeriesSample, cur: TimeSeriesSample, seconds: number): NetfsRates | null {
  if (cur.nfs === undefined && cur.cifs === undefined && cur.lustre === undefined) return null;
  const out: NetfsRates = { nfs: {}, cifs: {}, lustre: {} };
  const nfsBefore = byKey(prev.nfs, (m) => m.mount_point);
  for (const [mount, m] of byKey(cur.nfs, (m) => m.mount_point)) {
    const old = nfsBefore.get(mount);
    const r = old === undefined ? null : nfsMountRates(old, m, seconds);
    if (r !== null) out.nfs[mount] = r;
  }
  const cifsBefore = byKey(prev.cifs, (s) => s.share);
  for (const [share, s] of byKey(cur.cifs, (s) => s.share)) {
    const old = cifsBefore.get(share);
    const r = old === undefined ? null : cifsShareRates(old, s, seconds);
    if (r !== null) out.cifs[share] = r;
  }
  const lustreBefore = byKey(prev.lustre, (l) => l.instance);
  for (const [instance, l] of byKey(cur.lustre, (l) => l.instance)) {
    const old = lustreBefore.get(instance);
    const r = old === undefined ? null : lustreRates(old, l, seconds);
    if (r !== null) out.lustre[instance] = r;
  }
  return out;
}
