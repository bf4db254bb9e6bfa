import { readFileSync } from 'node:fs';
import { hostname as osHostname, release as osRelease, cpus as osCpus } from 'node:os';
import { resolve } from 'node:path';
import { OSUtils } from 'node-os-utils';
import {
  findMountFor,
  parseCpuinfo,
  parseMemoryBytes,
  parseMounts,
  parseOsRelease,
  parseUptimeSeconds,
  splitSections,
  type MountRecord,
} from './host-info-parsers';
import {
  referenceClusterInformation,
  referenceHostInfo,
  type HostProcTexts,
  type ReferenceClusterInformation,
} from './reference-cluster-info';

/** Where one data directory lives on a host. */
export interface DataDirMount {
  path: string;
  /** The mount that holds it, or null when none matched (e.g. mounts unreadable). */
  mount: MountRecord | null;
}

/** The facts of one host at one instant, stored in the metadata at the start and end of a run. */
export interface HostSnapshot {
  /** The host as requested (`--hosts`). */
  host: string;
  /** What the host calls itself. */
  hostname: string | null;
  /** How it was collected: in-process, over ssh, or not at all. */
  source: 'local' | 'ssh' | 'unavailable';
  collected_at: string;
  cpu_model: string | null;
  cpu_count: number | null;
  memory: { total_bytes: number; available_bytes: number | null; free_bytes: number | null } | null;
  kernel: string | null;
  os: string | null;
  uptime_seconds: number | null;
  /** The mounts holding the run's data directories. */
  mounts: DataDirMount[];
  /** Fact → why it is missing. Absent when everything was collected. */
  errors?: Record<string, string>;
}

/** Snapshot of every host of a run. */
export interface ClusterSnapshot {
  collected_at: string;
  hosts: Record<string, HostSnapshot>;
}

/**
 * Runs one command on a remote host over the run's ssh connection and returns its stdout. Supplied by the
 * caller (the multi-host package's helper); the command is a fixed script with no user values in it.
 */
export type RemoteCommandRunner = (host: string, command: string) => Promise<string>;

/** Options of {@link collectClusterSnapshot}. */
export interface ClusterSnapshotOptions {
  /** Requested host names; each is snapshotted locally when `isLocal(host)`, else through `runRemote`. */
  hosts: string[];
  isLocal: (host: string) => boolean;
  /** Data directories whose mounts are recorded (data dir, checkpoint folder, results dir…). */
  dataDirs: string[];
  runRemote?: RemoteCommandRunner;
  /** Per-host limit, ms. Default 15000. */
  timeoutMs?: number;
}

/**
 * The remote script: fixed text, sections between `@@mlps:` markers, needs only `sh`, `cat` and `uname`.
 * It reads what Python's `SSH_COLLECTOR_SCRIPT` reads (version, diskstats, net/dev, loadavg included), so
 * the reference's per-host record can be built from it.
 */
export const REMOTE_SNAPSHOT_SCRIPT = [
  'echo @@mlps:hostname; uname -n',
  'echo @@mlps:kernel; uname -r',
  'echo @@mlps:cpuinfo; cat /proc/cpuinfo',
  'echo @@mlps:meminfo; cat /proc/meminfo',
  'echo @@mlps:uptime; cat /proc/uptime',
  'echo @@mlps:osrelease; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null',
  'echo @@mlps:mounts; cat /proc/self/mounts',
  'echo @@mlps:version; cat /proc/version',
  'echo @@mlps:loadavg; cat /proc/loadavg',
  'echo @@mlps:diskstats; cat /proc/diskstats',
  'echo @@mlps:netdev; cat /proc/net/dev',
  'echo @@mlps:end',
].join('; ');

/** A cluster snapshot in both forms: ours (per requested host) and the reference's `ClusterInformation`. */
export interface ClusterFacts {
  snapshot: ClusterSnapshot;
  reference: ReferenceClusterInformation;
}

/** Reads this machine's texts for the reference record (the files `collect_local_system_info` reads). */
export function readLocalProcTexts(): HostProcTexts {
  const texts: HostProcTexts = { hostname: osHostname(), collectedAtMs: Date.now() };
  const files: Array<[keyof HostProcTexts, string]> = [
    ['meminfo', '/proc/meminfo'],
    ['cpuinfo', '/proc/cpuinfo'],
    ['diskstats', '/proc/diskstats'],
    ['netdev', '/proc/net/dev'],
    ['version', '/proc/version'],
    ['loadavg', '/proc/loadavg'],
    ['uptime', '/proc/uptime'],
  ];
  for (const [key, path] of files) {
    const text = readText(path);
    if (text !== undefined) (texts as unknown as Record<string, string>)[key] = text;
  }
  const osrelease = readText('/etc/os-release') ?? readText('/usr/lib/os-release');
  if (osrelease !== undefined) texts.osrelease = osrelease;
  return texts;
}

/** The reference texts of a remote host from the sections of {@link REMOTE_SNAPSHOT_SCRIPT}'s output. */
function remoteProcTexts(host: string, output: string, collectedAtMs: number): HostProcTexts {
  const s = splitSections(output);
  const texts: HostProcTexts = { hostname: s.hostname?.trim() || host, collectedAtMs };
  for (const key of ['meminfo', 'cpuinfo', 'diskstats', 'netdev', 'version', 'loadavg', 'uptime', 'osrelease'] as const) {
    const text = s[key];
    if (text !== undefined) texts[key] = text;
  }
  return texts;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function mountsFor(dataDirs: string[], mounts: MountRecord[]): DataDirMount[] {
  return dataDirs.map((dir) => {
    const path = resolve(dir);
    return { path, mount: findMountFor(path, mounts) };
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * This machine's snapshot through `node-os-utils` (caching off, so start and end are real readings), with
 * `/proc` and `/etc/os-release` for what it does not report (kernel release, OS name, mounts).
 */
export async function collectLocalHostSnapshot(host: string, dataDirs: string[]): Promise<HostSnapshot> {
  const errors: Record<string, string> = {};
  const osu = new OSUtils({ cacheEnabled: false });
  try {
    const [cpu, memory, system, mounts] = await Promise.all([
      osu.cpu.info(),
      osu.memory.info(),
      osu.system.info(),
      osu.disk.mounts(),
    ]);
    const snap: HostSnapshot = {
      host,
      hostname: osHostname(),
      source: 'local',
      collected_at: new Date().toISOString(),
      cpu_model: null,
      cpu_count: null,
      memory: null,
      kernel: osRelease(),
      os: parseOsRelease(readText('/etc/os-release') ?? readText('/usr/lib/os-release')),
      uptime_seconds: null,
      mounts: [],
    };
    if (cpu.success) {
      snap.cpu_model = cpu.data.model || null;
      snap.cpu_count = cpu.data.threads || cpu.data.cores || null;
    } else {
      errors.cpu = cpu.error.message;
      const fallback = osCpus();
      snap.cpu_model = fallback[0]?.model ?? null;
      snap.cpu_count = fallback.length || null;
    }
    if (memory.success) {
      snap.memory = {
        total_bytes: memory.data.total.bytes,
        available_bytes: memory.data.available.bytes,
        free_bytes: memory.data.free.bytes,
      };
    } else {
      errors.memory = memory.error.message;
      snap.memory = parseMemoryBytes(readText('/proc/meminfo'));
    }
    if (system.success) {
      snap.hostname = system.data.hostname || snap.hostname;
      snap.uptime_seconds = system.data.uptimeSeconds ?? null;
    } else {
      errors.system = system.error.message;
      snap.uptime_seconds = parseUptimeSeconds(readText('/proc/uptime'));
    }
    let mountRecords: MountRecord[];
    if (mounts.success) {
      mountRecords = mounts.data.map((m) => ({
        device: m.device,
        mount_point: m.mountpoint,
        fs_type: m.filesystem,
        options: m.options,
      }));
    } else {
      errors.mounts = mounts.error.message;
      mountRecords = parseMounts(readText('/proc/self/mounts'));
    }
    snap.mounts = mountsFor(dataDirs, mountRecords);
    if (Object.keys(errors).length > 0) snap.errors = errors;
    return snap;
  } finally {
    osu.destroy();
  }
}

/** Builds a remote host's snapshot from the output of {@link REMOTE_SNAPSHOT_SCRIPT}. Never throws. */
export function parseRemoteSnapshot(host: string, output: string, dataDirs: string[]): HostSnapshot {
  const s = splitSections(output);
  const errors: Record<string, string> = {};
  const cpu = parseCpuinfo(s.cpuinfo);
  const memory = parseMemoryBytes(s.meminfo);
  const snap: HostSnapshot = {
    host,
    hostname: s.hostname?.trim() || null,
    source: 'ssh',
    collected_at: new Date().toISOString(),
    cpu_model: cpu.model,
    cpu_count: cpu.count,
    memory,
    kernel: s.kernel?.trim() || null,
    os: parseOsRelease(s.osrelease),
    uptime_seconds: parseUptimeSeconds(s.uptime),
    // Remote paths are taken as given: resolving them locally would describe this machine.
    mounts: dataDirs.map((dir) => ({ path: dir, mount: findMountFor(dir, parseMounts(s.mounts)) })),
  };
  if (s.end === undefined) errors.output = 'snapshot output was cut short';
  if (cpu.count === null) errors.cpu = 'no /proc/cpuinfo';
  if (memory === null) errors.memory = 'no /proc/meminfo';
  if (Object.keys(errors).length > 0) snap.errors = errors;
  return snap;
}

function unavailable(host: string, reason: string): HostSnapshot {
  return {
    host,
    hostname: null,
    source: 'unavailable',
    collected_at: new Date().toISOString(),
    cpu_model: null,
    cpu_count: null,
    memory: null,
    kernel: null,
    os: null,
    uptime_seconds: null,
    mounts: [],
    errors: { snapshot: reason },
  };
}

/**
 * Snapshots every host in parallel. A host that cannot be reached gets an `unavailable` entry naming why;
 * this function never throws, since a snapshot must never fail a benchmark.
 */
export async function collectClusterSnapshot(options: ClusterSnapshotOptions): Promise<ClusterSnapshot> {
  return (await collectClusterFacts(options)).snapshot;
}

/**
 * Snapshots every host in parallel, once, and returns both forms: ours ({@link ClusterSnapshot}) and the
 * reference's `ClusterInformation.as_dict()` (hosts in request order; an unreachable host is recorded as
 * Python records it). `collection_method` is `ssh` when any host was read over ssh, else `local`. Never
 * throws.
 */
export async function collectClusterFacts(options: ClusterSnapshotOptions): Promise<ClusterFacts> {
  const timeoutMs = options.timeoutMs ?? 15000;
  let viaSsh = false;
  const entries = await Promise.all(
    options.hosts.map(async (host): Promise<{ snapshot: HostSnapshot; texts: HostProcTexts }> => {
      try {
        if (options.isLocal(host)) {
          const snapshot = await withTimeout(collectLocalHostSnapshot(host, options.dataDirs), timeoutMs, 'local snapshot');
          return { snapshot, texts: readLocalProcTexts() };
        }
        viaSsh = true;
        if (!options.runRemote) {
          const reason = 'no ssh connection helper available for remote snapshots';
          return { snapshot: unavailable(host, reason), texts: { hostname: host, collectedAtMs: Date.now(), error: reason } };
        }
        const out = await withTimeout(options.runRemote(host, REMOTE_SNAPSHOT_SCRIPT), timeoutMs, `snapshot of ${host}`);
        return { snapshot: parseRemoteSnapshot(host, out, options.dataDirs), texts: remoteProcTexts(host, out, Date.now()) };
      } catch (err) {
        const reason = (err as Error)?.message ?? String(err);
        return { snapshot: unavailable(host, reason), texts: { hostname: host, collectedAtMs: Date.now(), error: reason } };
      }
    }),
  );
  const hosts: Record<string, HostSnapshot> = {};
  for (const e of entries) hosts[e.snapshot.host] = e.snapshot;
  const collectedAtMs = Date.now();
  return {
    snapshot: { collected_at: new Date(collectedAtMs).toISOString(), hosts },
    reference: referenceClusterInformation(
      entries.map((e) => referenceHostInfo(e.texts)),
      { collectionMethod: viaSsh ? 'ssh' : 'local', collectedAtMs },
    ),
  };
}
