/**
 * Cluster information in the shape Python `mlpstorage` writes it: `ClusterInformation.as_dict()` with
 * `HostInfo.to_dict()` per host (`mlpstorage_py/rules/models.py`), built from the same `/proc` texts its
 * `collect_local_system_info()` / `SSHClusterCollector` read (`mlpstorage_py/cluster_collector.py`). It is
 * what the metadata's `system_info` and `cluster_snapshots` and the `{benchmark_type}_cluster_info.json`
 * file hold, so Python's `ClusterInformation.from_dict` and `ClusterSnapshots.from_dict` load our files.
 * Every parser gives its Python counterpart's record (named in its doc) and never throws. The `/proc`
 * files the time series also samples (meminfo, diskstats, net/dev, loadavg, uptime) are parsed by the
 * timeseries source parsers, so one parser reads each file; their records are then shaped as Python's.
 * Deliberate difference: on text the kernel never prints (a negative counter, `12 MB`, a value with a
 * sign), those parsers drop the line where Python's `int()` may accept it.
 */
import {
  formatReferenceTimestamp,
  parseProcDiskstats,
  parseProcLoadavg,
  parseProcMeminfo,
  parseProcNetDev,
  parseProcUptime,
} from '@mlps/timeseries';

/** `HostMemoryInfo` as `HostInfo.to_dict()` writes it: bytes; `null` where Python has `None`. */
export interface ReferenceMemoryInfo {
  total: number;
  available: number | null;
  used: number | null;
  free: number | null;
  active: number | null;
  inactive: number | null;
  buffers: number | null;
  cached: number | null;
  shared: number | null;
}

/** `HostCPUInfo` as `HostInfo.to_dict()` writes it (`num_cores` are physical cores). */
export interface ReferenceCpuInfo {
  num_cores: number;
  num_logical_cores: number;
  model: string;
  architecture: string;
}

/** `HostSystemInfo.to_dict()`. */
export interface ReferenceSystemInfo {
  hostname: string;
  kernel_version: string;
  os_release: Record<string, string>;
  uptime_seconds: number;
  load_average_1min: number;
  load_average_5min: number;
  load_average_15min: number;
  running_processes: number;
  total_processes: number;
}

/** `HostInfo.to_dict()`: one host. */
export interface ReferenceHostInfo {
  hostname: string;
  memory: ReferenceMemoryInfo;
  collection_timestamp: string | null;
  cpu?: ReferenceCpuInfo;
  /** `HostDiskInfo.to_dict()` per device (discard and flush fields only where the kernel has them). */
  disks?: Array<Record<string, string | number>>;
  /** `HostNetworkInfo.to_dict()` per interface. */
  network?: Array<Record<string, string | number>>;
  system?: ReferenceSystemInfo;
}

/** `ClusterInformation.as_dict()`. */
export interface ReferenceClusterInformation {
  total_memory_bytes: number;
  total_cores: number;
  num_hosts: number;
  min_memory_bytes: number;
  max_memory_bytes: number;
  /** `ssh` when any host was reached over ssh, else `local` (Python: `ssh`, `mpi`, `local_fallback`…). */
  collection_method: string;
  collection_timestamp: string | null;
  hosts?: ReferenceHostInfo[];
  host_consistency_issues?: string[];
}

/** The raw texts of one host, as read locally or over ssh; a text is absent when it could not be read. */
export interface HostProcTexts {
  /** What the host calls itself (`socket.gethostname()` in Python); the requested name when unknown. */
  hostname: string;
  /** When the texts were read (epoch ms). */
  collectedAtMs: number;
  meminfo?: string;
  cpuinfo?: string;
  diskstats?: string;
  netdev?: string;
  /** `/proc/version`. */
  version?: string;
  loadavg?: string;
  uptime?: string;
  /** `/etc/os-release`. */
  osrelease?: string;
  /** Set when the host could not be read at all (Python's `{'hostname': host, 'error': msg}`). */
  error?: string;
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Python `int(s)` for the decimal strings /proc prints; null where Python raises ValueError. */
function pyInt(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = s.trim();
  return INT_RE.test(t) ? Number(t) : null;
}

/** Python `float(s)`; null where Python raises ValueError. */
function pyFloat(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = s.trim();
  return FLOAT_RE.test(t) ? Number(t) : null;
}

/** Python's `str.strip().split('\n')`, as every reference parser starts. */
function lines(content: string): string[] {
  return content.trim().split('\n');
}

/** `parse_proc_meminfo`'s record: key → number as printed (kB for sizes), by the timeseries meminfo parser. */
export function parseMeminfoReference(content: unknown): Record<string, number> {
  return typeof content === 'string' ? parseProcMeminfo(content) : {};
}

/** Mirrors `parse_proc_cpuinfo`: one record per CPU block, numbers converted as Python converts them. */
export function parseCpuinfoReference(content: unknown): Array<Record<string, string | number>> {
  const cpus: Array<Record<string, string | number>> = [];
  if (typeof content !== 'string') return cpus;
  let current: Record<string, string | number> = {};
  for (const raw of lines(content)) {
    const line = raw.trim();
    if (!line) {
      if (Object.keys(current).length > 0) cpus.push(current);
      current = {};
      continue;
    }
    const idx = line.indexOf(':');
    if (idx < 0) continue;
    const key = line.slice(0, idx).trim();
    const text = line.slice(idx + 1).trim();
    const num = text.includes('.') ? pyFloat(text) : pyInt(text);
    current[key] = num ?? text;
  }
  if (Object.keys(current).length > 0) cpus.push(current);
  return cpus;
}

/** Mirrors `summarize_cpuinfo`. */
export function summarizeCpuinfoReference(cpus: ReadonlyArray<Record<string, string | number>>): {
  num_logical_cores: number;
  num_physical_cores: number;
  model: string;
  architecture: string;
  num_sockets: number;
} {
  if (cpus.length === 0) return { num_logical_cores: 0, num_physical_cores: 0, model: '', architecture: '', num_sockets: 1 };
  const first = cpus[0] ?? {};
  const model = typeof first['model name'] === 'string' ? first['model name'] : String(first['model name'] ?? '');
  const physicalIds = new Set<string>();
  const corePairs = new Set<string>();
  for (const cpu of cpus) {
    const phys = cpu['physical id'];
    const core = cpu['core id'];
    if (phys !== undefined) physicalIds.add(String(phys));
    if (phys !== undefined && core !== undefined) corePairs.add(`${String(phys)}\u0000${String(core)}`);
  }
  let architecture = '';
  const flags = first.flags;
  if (typeof flags === 'string') {
    const words = flags.split(/\s+/);
    if (words.includes('lm')) architecture = 'x86_64';
    else if (words.includes('tm')) architecture = 'i686';
  }
  const lower = model.toLowerCase();
  if (!architecture && lower.includes('aarch64')) architecture = 'aarch64';
  else if (!architecture && (lower.includes('x86') || lower.includes('intel') || lower.includes('amd'))) architecture = 'x86_64';
  return {
    num_logical_cores: cpus.length,
    num_physical_cores: corePairs.size > 0 ? corePairs.size : cpus.length,
    model,
    architecture,
    num_sockets: physicalIds.size > 0 ? physicalIds.size : 1,
  };
}

/**
 * `parse_proc_diskstats` + `HostDiskInfo.to_dict()`: `device_name` then the counters (discard and flush
 * ones where the line has them), no major/minor; parsed by the timeseries diskstats parser (a line with a
 * non-number is dropped alone).
 */
export function parseDiskstatsReference(content: unknown): Array<Record<string, string | number>> {
  if (typeof content !== 'string') return [];
  return parseProcDiskstats(content).map((disk) => {
    const out: Record<string, string | number> = {};
    for (const [key, value] of Object.entries(disk)) if (key !== 'major' && key !== 'minor') out[key] = value as string | number;
    return out;
  });
}

/** `parse_proc_net_dev` + `HostNetworkInfo.to_dict()`: `interface_name` then the 16 counters, by the timeseries net/dev parser. */
export function parseNetDevReference(content: unknown): Array<Record<string, string | number>> {
  if (typeof content !== 'string') return [];
  return parseProcNetDev(content) as unknown as Array<Record<string, string | number>>;
}

/** `parse_proc_loadavg`'s tuple, by the timeseries loadavg parser (all zeros where Python falls back to zeros). */
export function parseLoadavgReference(content: unknown): [number, number, number, number, number] {
  const load = typeof content === 'string' ? parseProcLoadavg(content) : null;
  if (load === null) return [0, 0, 0, 0, 0];
  return [load.load_1min, load.load_5min, load.load_15min, load.running_processes, load.total_processes];
}

/** `parse_proc_uptime`, by the timeseries uptime parser (0 where Python falls back to 0). */
export function parseUptimeReference(content: unknown): number {
  return (typeof content === 'string' ? parseProcUptime(content) : null) ?? 0;
}

/** Mirrors `parse_os_release`: `KEY=value`, quotes stripped from both ends. */
export function parseOsReleaseReference(content: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof content !== 'string') return out;
  for (const raw of lines(content)) {
    const line = raw.trim();
    const eq = line.indexOf('=');
    if (!line || eq < 0) continue;
    out[line.slice(0, eq)] = line.slice(eq + 1).replace(/^["']+|["']+$/g, '');
  }
  return out;
}

/**
 * One host as Python writes it: `HostInfo.from_collected_data(data).to_dict()` for the data its
 * collectors gather. A host that could not be read at all gets what Python gives its
 * `{'hostname': host, 'error': …}` entry: zero memory, no cpu/disks/network, an empty system record.
 */
export function referenceHostInfo(texts: HostProcTexts): ReferenceHostInfo {
  const meminfo = texts.error === undefined ? parseMeminfoReference(texts.meminfo) : {};
  const kb = (key: string): number => (meminfo[key] ?? 0) * 1024;
  const memory: ReferenceMemoryInfo =
    Object.keys(meminfo).length > 0
      ? {
          total: kb('MemTotal'),
          available: kb('MemAvailable'),
          used: kb('MemTotal') - kb('MemFree') - kb('Buffers') - kb('Cached'),
          free: kb('MemFree'),
          active: kb('Active'),
          inactive: kb('Inactive'),
          buffers: kb('Buffers'),
          cached: kb('Cached'),
          shared: kb('Shmem'),
        }
      : { total: 0, available: null, used: null, free: null, active: null, inactive: null, buffers: null, cached: null, shared: null };
  const host: ReferenceHostInfo = {
    hostname: texts.hostname,
    memory,
    collection_timestamp: texts.error === undefined ? formatReferenceTimestamp(texts.collectedAtMs) : null,
  };
  if (texts.error === undefined) {
    const cpus = parseCpuinfoReference(texts.cpuinfo);
    if (cpus.length > 0) {
      const s = summarizeCpuinfoReference(cpus);
      host.cpu = { num_cores: s.num_physical_cores, num_logical_cores: s.num_logical_cores, model: s.model, architecture: s.architecture };
    }
    const disks = parseDiskstatsReference(texts.diskstats);
    if (disks.length > 0) host.disks = disks;
    const network = parseNetDevReference(texts.netdev);
    if (network.length > 0) host.network = network;
  }
  const [l1, l5, l15, running, total] = texts.error === undefined ? parseLoadavgReference(texts.loadavg) : [0, 0, 0, 0, 0];
  host.system = {
    hostname: texts.hostname,
    kernel_version: texts.error === undefined ? (texts.version ?? '').trim() : '',
    os_release: texts.error === undefined ? parseOsReleaseReference(texts.osrelease) : {},
    uptime_seconds: texts.error === undefined ? parseUptimeReference(texts.uptime) : 0,
    load_average_1min: l1,
    load_average_5min: l5,
    load_average_15min: l15,
    running_processes: running,
    total_processes: total,
  };
  return host;
}

/** Python's `repr()` of a sorted list of strings or numbers, as the consistency messages print it. */
function pyListRepr(values: ReadonlyArray<string | number>): string {
  return `[${values.map((v) => (typeof v === 'number' ? String(v) : `'${v}'`)).join(', ')}]`;
}

function sortedUnique<T extends string | number>(values: readonly T[]): T[] {
  const unique = [...new Set(values)];
  return typeof unique[0] === 'number' ? unique.sort((a, b) => (a as number) - (b as number)) : unique.sort();
}

/** Mirrors `ClusterInformation.validate_cluster_consistency` (same checks, same wording). */
export function clusterConsistencyIssues(hosts: readonly ReferenceHostInfo[]): string[] {
  const issues: string[] = [];
  if (hosts.length < 2) return issues;
  const memory = hosts.map((h) => h.memory.total).filter((t) => t > 0);
  if (memory.length > 0) {
    const min = Math.min(...memory);
    const max = Math.max(...memory);
    const variance = (max - min) / min;
    if (variance > 0.1) {
      issues.push(
        `Memory variance across hosts: ${(variance * 100).toFixed(1)}% ` +
          `(min: ${(min / 1024 ** 3).toFixed(1)}GiB, max: ${(max / 1024 ** 3).toFixed(1)}GiB)`,
      );
    }
  }
  const cores = hosts.map((h) => h.cpu?.num_cores ?? 0).filter((c) => c > 0);
  if (cores.length > 0 && new Set(cores).size > 1) issues.push(`CPU core count varies across hosts: ${pyListRepr(sortedUnique(cores))}`);
  const os = hosts.map((h) => h.system?.os_release.VERSION_ID ?? '').filter((v) => v !== '');
  if (os.length > 0 && new Set(os).size > 1) issues.push(`OS version varies across hosts: ${pyListRepr(sortedUnique(os))}`);
  const kernels = hosts
    .map((h) => h.system?.kernel_version ?? '')
    .filter((k) => k !== '')
    .map((k) => {
      const words = k.split(/\s+/);
      return words.length > 2 ? (words[2] as string) : k;
    });
  if (kernels.length > 0 && new Set(kernels).size > 1) issues.push(`Kernel version varies across hosts: ${pyListRepr(sortedUnique(kernels))}`);
  return issues;
}

/**
 * The cluster as Python writes it: `ClusterInformation(host_info_list).as_dict()` after
 * `calculate_aggregated_info()` and `validate_cluster_consistency()`.
 */
export function referenceClusterInformation(
  hosts: readonly ReferenceHostInfo[],
  options: { collectionMethod: string; collectedAtMs: number },
): ReferenceClusterInformation {
  const totals = hosts.map((h) => h.memory.total);
  const info: ReferenceClusterInformation = {
    total_memory_bytes: totals.reduce((a, b) => a + b, 0),
    total_cores: hosts.reduce((a, h) => a + (h.cpu?.num_cores ?? 0), 0),
    num_hosts: hosts.length,
    min_memory_bytes: totals.length > 0 ? Math.min(...totals) : 0,
    max_memory_bytes: totals.length > 0 ? Math.max(...totals) : 0,
    collection_method: options.collectionMethod,
    collection_timestamp: formatReferenceTimestamp(options.collectedAtMs),
  };
  if (hosts.length > 0) info.hosts = [...hosts];
  const issues = clusterConsistencyIssues(hosts);
  if (issues.length > 0) info.host_consistency_issues = issues;
  return info;
}
