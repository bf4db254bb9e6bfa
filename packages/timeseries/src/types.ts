/**
 * The record types of one sample and one run. They mirror the on-disk JSON of `mlpstorage` and keep its
 * snake_case keys (DESIGN §3): a file either tool writes must load in the other.
 */
import type { StorageUnderTestMap } from './storage/resolve';

/** One line of `/proc/diskstats`. Raw kernel counters, as cumulative since boot. */
export interface DiskStatsRecord {
  major: number;
  minor: number;
  device_name: string;
  reads_completed: number;
  reads_merged: number;
  sectors_read: number;
  time_reading_ms: number;
  writes_completed: number;
  writes_merged: number;
  sectors_written: number;
  time_writing_ms: number;
  ios_in_progress: number;
  /** Milliseconds spent doing I/Os (the reference's name; mlps before format 2 wrote `time_io_ms`). */
  time_doing_ios_ms: number;
  /** Weighted milliseconds doing I/Os (the reference's name; mlps before format 2 wrote `weighted_time_io_ms`). */
  weighted_time_doing_ios_ms: number;
  /** Kernel 4.18+ (18+ fields). */
  discards_completed?: number;
  discards_merged?: number;
  sectors_discarded?: number;
  time_discarding_ms?: number;
  /** Kernel 5.5+ (20 fields). */
  flush_requests_completed?: number;
  time_flushing_ms?: number;
}

/** One interface of `/proc/net/dev`: the 16 kernel counters. */
export interface NetDevRecord {
  interface_name: string;
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  rx_fifo: number;
  rx_frame: number;
  rx_compressed: number;
  rx_multicast: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
  tx_fifo: number;
  tx_collisions: number;
  tx_carrier: number;
  tx_compressed: number;
}

/** `/proc/loadavg`. */
export interface LoadAvgRecord {
  load_1min: number;
  load_5min: number;
  load_15min: number;
  running_processes: number;
  total_processes: number;
}

/** CPU time of one `cpu` line of `/proc/stat`, in USER_HZ ticks. `guest` is already inside `user`. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guest_nice: number;
}

/** One per-CPU line of `/proc/stat` (`cpu0`, `cpu1`, …). */
export interface PerCpuTimes extends CpuTimes {
  cpu: string;
}

/** `/proc/stat`: aggregate and per-CPU times plus scheduler counters. */
export interface CpuStatRecord {
  total: CpuTimes;
  per_cpu: PerCpuTimes[];
  ctxt?: number;
  intr?: number;
  procs_running?: number;
  procs_blocked?: number;
}

/** One `some` or `full` line of a PSI file. `avg*` are percentages, `total` microseconds. */
export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  total: number;
}

/** One PSI file (`/proc/pressure/cpu|memory|io`). */
export interface PressureRecord {
  some?: PressureLine;
  full?: PressureLine;
}

/** PSI from `/proc/pressure/*`, each resource where present. */
/**
 * The workload's own I/O (`/proc/<pid>/io` summed over its processes and this process's workload threads,
 * since tracking began; see `WorkloadIoTracker`). Cumulative counters, bytes and calls.
 */
export interface WorkloadIoRecord {
  /** Bytes returned by read calls (page cache hits included). */
  rchar: number;
  /** Bytes passed to write calls. */
  wchar: number;
  /** Read calls. */
  syscr: number;
  /** Write calls. */
  syscw: number;
  /** Bytes fetched from storage. */
  read_bytes: number;
  /** Bytes sent (or to be sent) to storage. */
  write_bytes: number;
  /** Bytes written then truncated away before reaching storage. */
  cancelled_write_bytes: number;
  /** Processes of the workload alive at the sample. */
  processes: number;
}

export interface PressureStats {
  cpu?: PressureRecord;
  memory?: PressureRecord;
  io?: PressureRecord;
}

/**
 * Byte counters of one NFS mount (`bytes:` of `/proc/self/mountstats`), named as node_exporter's mountstats
 * collector names them (nfsiostat: `normalreadbytes`, `normalwritebytes`, `directreadbytes`, …).
 */
export interface NfsByteStats {
  /** Bytes the applications read through read(2) (page cache hits included). */
  read_bytes: number;
  /** Bytes the applications wrote through write(2). */
  write_bytes: number;
  /** Bytes read with O_DIRECT. */
  direct_read_bytes: number;
  /** Bytes written with O_DIRECT. */
  direct_write_bytes: number;
  /** Bytes read from the server (on the wire, READ payloads). */
  total_read_bytes: number;
  /** Bytes written to the server (WRITE payloads). */
  total_write_bytes: number;
  /** Pages read through mmap / readpage(s). */
  read_pages: number;
  /** Pages written through mmap / writepage(s). */
  write_pages: number;
}

/**
 * One `xprt:` line: the RPC transport's counters, named as the kernel names them (`struct rpc_xprt`'s
 * `stat`, `net/sunrpc/xprtsock.c`). Which fields exist depends on the transport and kernel: `udp` has no
 * connect fields, `local` no port, the RPC iostats 1.0 format no `max_slots`/`sending_u`/`pending_u`, and
 * `rdma` adds its own counters after `bklog_u`. Only the fields the kernel printed are present.
 */
export interface NfsTransportStats {
  /** `tcp`, `udp`, `rdma` or `local`. */
  protocol: string;
  port?: number;
  bind_count: number;
  connect_count?: number;
  /** Time spent connecting (jiffies, or seconds on newer kernels). */
  connect_time?: number;
  /** Seconds since the transport was last used. */
  idle_time?: number;
  /** RPC requests sent. */
  sends: number;
  /** RPC replies received. */
  recvs: number;
  /** Replies whose XID matched no request. */
  bad_xids: number;
  /** Sum over requests of the requests in flight ("active requests"). */
  req_u: number;
  /** Sum over requests of the backlog queue length. */
  bklog_u: number;
  max_slots?: number;
  sending_u?: number;
  pending_u?: number;
  /** RDMA counters (`xprt_rdma_print_stats`), where printed. */
  [rdma: string]: number | string | undefined;
}

/** One operation of the `per-op statistics` of an NFS mount (`net/sunrpc/stats.c`). Times are cumulative ms. */
export interface NfsOpStats {
  /** Requests issued. */
  ops: number;
  /** Transmissions (more than `ops` when requests were retransmitted). */
  transmissions: number;
  major_timeouts: number;
  bytes_sent: number;
  bytes_received: number;
  /** Time requests waited before being sent. */
  queue_ms: number;
  /** Round-trip time: from transmission to reply. */
  rtt_ms: number;
  /** Execution time: from the request being queued to its completion. */
  execute_ms: number;
  /** Requests that completed with an error (kernels since 5.3 print this 9th field). */
  errors?: number;
}

/** One NFS mount of `/proc/self/mountstats` (sample key `nfs`, an array). */
export interface NfsMountRecord {
  /** `server:/export`, as mounted. */
  device: string;
  /** Where it is mounted (spaces appear as the kernel's `\040` escapes). */
  mount_point: string;
  /** `nfs` (v2/v3) or `nfs4`. */
  fstype: string;
  /** The mountstats format version (`statvers=1.1` → 1.1), when printed. */
  statvers?: number;
  /** The `mountaddr=` option (NFSv3), when present: node_exporter's `mountaddr` label. */
  mountaddr?: string;
  /** Seconds since the mount. */
  age?: number;
  bytes?: NfsByteStats;
  /** The `events:` counters, by node_exporter's names (`inode_revalidate`, `vfs_open`, …), those printed. */
  events?: Record<string, number>;
  /** One record per `xprt:` line (several with `nconnect`). */
  xprt: NfsTransportStats[];
  /** Per RPC operation (`READ`, `WRITE`, `GETATTR`, …), in the kernel's order. */
  per_op: Record<string, NfsOpStats>;
}

/** One share of `/proc/fs/cifs/Stats` (sample key `cifs`, an array). Counters are those the kernel printed. */
export interface CifsShareRecord {
  /** The share as the kernel prints it (`\\server\share`). */
  share: string;
  /** The counters of the share, by name (`smbs`, `reads`, `read_bytes`, `writes`, `write_bytes`, `opens`, …). */
  stats: Record<string, number>;
}

/** One counter line of a Lustre `llite` stats file: `name count samples [unit] min max sum [sumsq]`. */
export interface LustreCounter {
  samples: number;
  /** The unit in brackets (`bytes`, `regs`, `usecs`, `reqs`). */
  unit: string;
  min?: number;
  max?: number;
  sum?: number;
  sumsq?: number;
}

/** One Lustre client mount (`llite/<fsname>-<id>/stats`; sample key `lustre`, an array). */
export interface LustreLliteRecord {
  /** The llite instance (`lustrefs-ffff88105db50000`). */
  instance: string;
  /** Counters by name (`read_bytes`, `write_bytes`, `open`, `close`, `getattr`, …), those the client printed. */
  counters: Record<string, LustreCounter>;
}

/** The names of the sources a sample reads. */
export type SampleSource =
  | 'diskstats'
  | 'vmstat'
  | 'meminfo'
  | 'loadavg'
  | 'netdev'
  | 'cpu'
  | 'pressure'
  | 'uptime'
  | 'nfs'
  | 'cifs'
  | 'lustre'
  | 'workload_io';

/** One host at one instant (DESIGN §3). A source that could not be read is absent and named in `errors`. */
export interface TimeSeriesSample {
  /**
   * UTC in the reference's form `%Y-%m-%dT%H:%M:%SZ` (`2026-01-24T12:00:00Z`), so Python `strptime` reads
   * it. Files of older mlps carry milliseconds (`…00.123Z`), Python files maybe a naive `isoformat()`.
   */
  timestamp: string;
  /**
   * mlps addition: the exact time, integer epoch milliseconds. Readers prefer it to `timestamp` (see
   * `sampleTimeMs`); absent in files written by Python mlpstorage and by mlps before format 2.
   */
  timestamp_ms?: number;
  /** The sampled host's own name (what the host says, not what was requested). */
  hostname: string;
  diskstats?: DiskStatsRecord[];
  vmstat?: Record<string, number>;
  meminfo?: Record<string, number>;
  loadavg?: LoadAvgRecord;
  netdev?: NetDevRecord[];
  /** mlps addition: `/proc/stat`. */
  cpu?: CpuStatRecord;
  /** mlps addition: PSI, where the kernel has it. */
  pressure?: PressureStats;
  /** mlps addition: the host's monotonic clock (`/proc/uptime`), for exact intervals. */
  uptime_seconds?: number;
  /** mlps addition: NFS client mounts (`/proc/self/mountstats`), one record per mount; absent without NFS. */
  nfs?: NfsMountRecord[];
  /** mlps addition: CIFS/SMB shares (`/proc/fs/cifs/Stats`); absent without the cifs module. */
  cifs?: CifsShareRecord[];
  /** mlps addition: Lustre client mounts (`llite/<instance>/stats`); absent without Lustre. */
  lustre?: LustreLliteRecord[];
  /** The workload's own I/O (mlps addition), when the collector tracks a workload (`workloadIo`). */
  workload_io?: WorkloadIoRecord;
  /** Source → message, for each source that failed. Absent when empty. */
  errors?: Record<string, string>;
}

/** How the samples of a run were really collected. */
export type CollectionMethod = 'local' | 'ssh' | 'mixed';

/** Health of one host over a run. */
export type HostHealth = 'ok' | 'partial' | 'failed';

/** Per-host status recorded in the document (mlps addition). */
export interface HostStatusRecord {
  status: HostHealth;
  /** Every sample filed for the host, error samples included. */
  samples: number;
  /**
   * Error samples: samples without data (the host did not answer, or every source failed). Files written
   * before `good_samples` existed counted here every sample carrying any error.
   */
  error_samples: number;
  /** Samples with data (`samples - error_samples`). Absent in older files. */
  good_samples?: number;
  /** Good samples in which some source failed. Absent in older files. */
  source_error_samples?: number;
  reconnects?: number;
  last_error?: string;
}

/** Measured scheduling statistics of a collector (mlps addition). */
export interface IntervalStatsRecord {
  ticks: number;
  samples: number;
  skipped_ticks: number;
  failed_samples: number;
  /** Error of each sample's start against its due time, in milliseconds. */
  interval_error_ms?: { mean: number; p50: number; p99: number; max: number };
  /** Measured time between consecutive sample starts, in seconds. */
  measured_interval_seconds?: { mean: number; p50: number; p99: number; max: number };
}

/** One run's time series (DESIGN §3). */
export interface TimeSeriesData {
  collection_interval_seconds: number;
  /** When collection started, in the reference's form `%Y-%m-%dT%H:%M:%SZ` (see `start_time_ms`). */
  start_time: string | null;
  /** When collection stopped, in the reference's form `%Y-%m-%dT%H:%M:%SZ` (see `end_time_ms`). */
  end_time: string | null;
  num_samples: number;
  samples_by_host: Record<string, TimeSeriesSample[]>;
  collection_method: CollectionMethod;
  hosts_requested: string[];
  hosts_collected: string[];
  /** mlps addition; absent in files written by Python mlpstorage. */
  format_version?: number;
  /** mlps addition: `start_time` exactly, integer epoch milliseconds (null when `start_time` is). */
  start_time_ms?: number | null;
  /** mlps addition: `end_time` exactly, integer epoch milliseconds (null when `end_time` is). */
  end_time_ms?: number | null;
  host_status?: Record<string, HostStatusRecord>;
  interval_stats?: IntervalStatsRecord;
  /**
   * mlps addition: the storage under test of each host where the workload ran (the benchmark's data,
   * checkpoint and results directories, `collect --watch-path`), as the run's metadata records it; after
   * the reference's keys. See `resolveStorageUnderTest`.
   */
  storage_under_test?: StorageUnderTestMap;
}

/** A monotonic clock in milliseconds plus wall-clock time; injectable so schedule tests are exact. */
export interface Clock {
  /** Monotonic milliseconds (never goes backwards). */
  monotonicMs(): number;
  /** Wall-clock milliseconds since the epoch (for sample timestamps). */
  wallMs(): number;
  /** Calls `fn` after `ms`; returns a handle for {@link Clock.clearTimer}. Must not keep the process alive past stop. */
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}
