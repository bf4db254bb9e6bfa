/**
 * The storage under test, resolved as pure functions over facts gathered on a host (its mounts, its
 * `/sys/class/block` entries, the real paths of the benchmark's directories), so this machine and a
 * remote host (facts read over ssh by one shell command) go through the same code.
 */
import type { MountInfoEntry } from './mountinfo';

/** Why a directory is watched: the benchmark's data, checkpoint or results directory, or `--watch-path`. */
export type StorageRole = 'data' | 'checkpoint' | 'results' | 'watch';

/** What a block device is: its kind decides nothing in the figures, it tells the reader what the chain is. */
export type BlockDeviceKind = 'disk' | 'part' | 'dm' | 'md' | 'loop' | 'zram' | 'nbd' | 'nvme' | 'ram' | 'rom';

/** One entry of `/sys/class/block` as gathered on a host. */
export interface BlockDeviceFacts {
  /** Kernel name, as in `/proc/diskstats` (`nvme0n1p2`, `dm-0`, `loop0`). */
  name: string;
  /** `major:minor` (the entry's `dev` file), or null when unreadable. */
  dev: string | null;
  /** True when the entry has a `partition` file. */
  partition: boolean;
  /** The name of the sysfs directory holding the entry: a partition's disk (`nvme0n1` of `nvme0n1p2`). */
  parent: string | null;
  /** What it is built on (`slaves/*`: device-mapper and md members). */
  slaves: string[];
  /** A loop device's `loop/backing_file`, or null. */
  backingFile: string | null;
  /** A device-mapper device's `dm/name` (`vg0-data`), or null. */
  dmName: string | null;
}

/** Everything a host tells about its storage: what {@link resolveStorageUnderTest} works on. */
export interface StorageFacts {
  /** The host's `/proc/self/mountinfo`, parsed (empty when unreadable: see `errors`). */
  mounts: MountInfoEntry[];
  /** Its block devices. */
  blockDevices: BlockDeviceFacts[];
  /** Each asked path → its real path (symlinks resolved; a missing tail kept as given). */
  realPaths: Record<string, string>;
  /** What could not be read (`mountinfo`, `block`), with why. */
  errors: Record<string, string>;
}

/** One device of a storage chain, from the filesystem's device down to what it is built on. */
export interface StorageChainLink {
  device: string;
  kind: BlockDeviceKind;
  /** `major:minor`, null when unknown. */
  dev: string | null;
  /** The device this one is beneath (null for the filesystem's own device). */
  holder: string | null;
  /** A loop device's backing file. */
  backing_file?: string;
  /** A device-mapper device's name (`vg0-data`). */
  dm_name?: string;
}

/** One directory of the run and the storage it lives on (the metadata's `storage_under_test` entries). */
export interface StorageUnderTest {
  role: StorageRole;
  /** The path as the run names it. */
  path: string;
  /** Its real path on the host (symlinks resolved). */
  resolved_path: string;
  /** The mount it lives on; null when the host's mounts could not be read. */
  mount_point: string | null;
  fstype: string | null;
  source: string | null;
  /**
   * The block device the filesystem sits on (its `/proc/diskstats` name): what the figures are about.
   * Empty for filesystems without one (tmpfs, overlay, network filesystems).
   */
  devices: string[];
  /** The filesystem's device and everything beneath it (partition → disk, dm/md → members, loop → file). */
  chain: StorageChainLink[];
  /** True for network and parallel filesystems (NFS, Lustre, CIFS, Ceph, GPFS, BeeGFS, WekaFS…). */
  network: boolean;
  /** Why something is missing (mounts unreadable, device not found), absent when all resolved. */
  error?: string;
}

/** `storage_under_test` of the metadata and the time-series document: host → its entries. */
export type StorageUnderTestMap = Record<string, StorageUnderTest[]>;

/** A directory to resolve. */
export interface StorageTarget {
  role: StorageRole;
  path: string;
}

const NETWORK_FSTYPES = new Set([
  'nfs', 'nfs4', 'lustre', 'cifs', 'smb3', 'smbfs', 'ceph', 'glusterfs', 'gpfs', 'beegfs', 'wekafs', 'afs',
  'ncpfs', '9p', 'orangefs', 'pvfs2', 'ocfs2', 'gfs2', 'virtiofs',
]);

/**
 * True for network and parallel filesystems: the I/O leaves the host, so no local block device shows it.
 * FUSE clients of such filesystems (`fuse.glusterfs`, `fuse.ceph`, `fuse.sshfs`, `fuse.s3fs`…) count too.
 */
export function isNetworkFilesystem(fstype: string): boolean {
  if (NETWORK_FSTYPES.has(fstype)) return true;
  return /^fuse\.(glusterfs|ceph|ceph-fuse|sshfs|s3fs|rclone|gcsfuse|lustre|beegfs|juicefs|weka)/.test(fstype);
}

/** The kind of a block device from its facts and kernel name. */
export function blockDeviceKind(facts: Pick<BlockDeviceFacts, 'name' | 'partition' | 'dmName'>): BlockDeviceKind {
  const name = facts.name;
  if (facts.partition) return 'part';
  if (/^loop\d+$/.test(name)) return 'loop';
  if (/^zram\d+$/.test(name)) return 'zram';
  if (/^nbd\d+$/.test(name)) return 'nbd';
  if (/^nvme\d+n\d+$/.test(name)) return 'nvme';
  if (/^dm-\d+$/.test(name) || facts.dmName !== null) return 'dm';
  if (/^md\d+$|^md_/.test(name)) return 'md';
  if (/^ram\d+$/.test(name)) return 'ram';
  if (/^sr\d+$/.test(name)) return 'rom';
  return 'disk';
}

function isUnder(path: string, mountPoint: string): boolean {
  return mountPoint === '/' || path === mountPoint || path.startsWith(`${mountPoint}/`);
}

/**
 * The mount `realPath` lives on: the longest mount point that is a prefix of it (whole components);
 * of several mounts on the same point (stacked), the last one, which hides the others.
 */
export function mountForPath(realPath: string, mounts: readonly MountInfoEntry[]): MountInfoEntry | null {
  let best: MountInfoEntry | null = null;
  for (const m of mounts) {
    if (!isUnder(realPath, m.mountPoint)) continue;
    if (best === null || m.mountPoint.length >= best.mountPoint.length) best = m;
  }
  return best;
}

/**
 * The block device of a mounted filesystem: by its `major:minor` (`/sys/dev/block/M:m`), else (btrfs and
 * others report an anonymous `0:NN`) by its source when that is a `/dev` node (`/dev/sda1`,
 * `/dev/mapper/vg0-data`). Null when it has none.
 */
export function mountBlockDevice(mount: MountInfoEntry, devices: readonly BlockDeviceFacts[]): BlockDeviceFacts | null {
  if (mount.major !== 0) {
    const byDev = devices.find((d) => d.dev === mount.dev);
    if (byDev !== undefined) return byDev;
  }
  if (!mount.source.startsWith('/dev/')) return null;
  const base = mount.source.slice(mount.source.lastIndexOf('/') + 1);
  if (mount.source.startsWith('/dev/mapper/')) return devices.find((d) => d.dmName === base) ?? null;
  return devices.find((d) => d.name === base) ?? null;
}

/**
 * The chain beneath a device, the device first: a partition leads to its disk, a device-mapper or md
 * device to its members (`slaves`), a loop device names its backing file. Each device once (cycles and
 * shared members are not repeated).
 */
export function blockDeviceChain(top: BlockDeviceFacts, devices: readonly BlockDeviceFacts[]): StorageChainLink[] {
  const byName = new Map(devices.map((d) => [d.name, d]));
  const chain: StorageChainLink[] = [];
  const seen = new Set<string>();
  const visit = (d: BlockDeviceFacts, holder: string | null): void => {
    if (seen.has(d.name) || chain.length >= 64) return;
    seen.add(d.name);
    const link: StorageChainLink = { device: d.name, kind: blockDeviceKind(d), dev: d.dev, holder };
    if (d.backingFile !== null) link.backing_file = d.backingFile;
    if (d.dmName !== null) link.dm_name = d.dmName;
    chain.push(link);
    const below: string[] = [];
    if (d.partition && d.parent !== null) below.push(d.parent);
    below.push(...d.slaves);
    for (const name of below) {
      const next = byName.get(name);
      if (next !== undefined) visit(next, d.name);
      else if (!seen.has(name)) {
        seen.add(name);
        chain.push({ device: name, kind: blockDeviceKind({ name, partition: false, dmName: null }), dev: null, holder: d.name });
      }
    }
  };
  visit(top, null);
  return chain;
}

/** Resolves one directory against a host's facts. Never throws. */
export function resolveStorageTarget(target: StorageTarget, facts: StorageFacts): StorageUnderTest {
  const resolved = facts.realPaths[target.path] ?? target.path;
  const entry: StorageUnderTest = {
    role: target.role,
    path: target.path,
    resolved_path: resolved,
    mount_point: null,
    fstype: null,
    source: null,
    devices: [],
    chain: [],
    network: false,
  };
  const mount = mountForPath(resolved, facts.mounts);
  if (mount === null) {
    entry.error = facts.errors.mountinfo ?? `no mount holds ${resolved}`;
    return entry;
  }
  entry.mount_point = mount.mountPoint;
  entry.fstype = mount.fstype;
  entry.source = mount.source;
  entry.network = isNetworkFilesystem(mount.fstype);
  if (entry.network) return entry;
  const device = mountBlockDevice(mount, facts.blockDevices);
  if (device === null) {
    // tmpfs, overlay, proc…: anonymous devices (major 0) have no block device by design.
    if (mount.major !== 0) entry.error = facts.errors.block ?? `no block device ${mount.dev} in /sys/class/block`;
    return entry;
  }
  entry.devices = [device.name];
  entry.chain = blockDeviceChain(device, facts.blockDevices);
  return entry;
}

/** Resolves every target against one host's facts (see {@link resolveStorageTarget}). Never throws. */
export function resolveStorageUnderTest(targets: readonly StorageTarget[], facts: StorageFacts): StorageUnderTest[] {
  return targets.map((t) => resolveStorageTarget(t, facts));
}

/** The facts of a host whose storage could not be gathered: every target resolves with `error` set. */
export function unavailableStorageFacts(reason: string): StorageFacts {
  return { mounts: [], blockDevices: [], realPaths: {}, errors: { mountinfo: reason, block: reason } };
}

