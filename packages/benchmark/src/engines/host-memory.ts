/**
 * What the page cache could hold and what really reached the device: the facts behind "could these reads
 * have come from memory?". Reads only /proc (asynchronously, so the sampling loop is never held up).
 */
import { readFile, stat, statfs } from 'node:fs/promises';
import { parseProcDiskstats, parseProcMeminfo } from '@mlps/timeseries';

/** MemTotal, MemAvailable and Cached of this host, in bytes (null when /proc/meminfo is unreadable). */
export interface HostMemory {
  memTotalBytes: number;
  memAvailableBytes: number;
  cachedBytes: number;
}

/** Reads /proc/meminfo; never throws. */
export async function readHostMemory(procRoot = '/proc'): Promise<HostMemory | null> {
  let text: string;
  try {
    text = await readFile(`${procRoot}/meminfo`, 'utf8');
  } catch {
    return null;
  }
  const meminfo = parseProcMeminfo(text);
  const kb = (key: string): number | null => (meminfo[key] === undefined ? null : (meminfo[key] as number) * 1024);
  const total = kb('MemTotal');
  if (total === null) return null;
  return { memTotalBytes: total, memAvailableBytes: kb('MemAvailable') ?? kb('MemFree') ?? 0, cachedBytes: kb('Cached') ?? 0 };
}

/** Major and minor device numbers of the file system holding `path` (null when it cannot be stat'ed). */
export async function deviceOf(path: string): Promise<{ major: number; minor: number } | null> {
  try {
    const dev = (await stat(path, { bigint: true })).dev;
    // glibc's gnu_dev_major/minor encoding of dev_t.
    const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
    const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
    return { major, minor };
  } catch {
    return null;
  }
}

/** Sectors read and written so far by the block device `major:minor` (from /proc/diskstats), or null. */
export async function readDeviceCounters(
  device: { major: number; minor: number },
  procRoot = '/proc',
): Promise<{ name: string; readBytes: number; writtenBytes: number } | null> {
  let text: string;
  try {
    text = await readFile(`${procRoot}/diskstats`, 'utf8');
  } catch {
    return null;
  }
  const record = parseProcDiskstats(text).find((d) => d.major === device.major && d.minor === device.minor);
  // diskstats counts 512-byte sectors whatever the device's sector size.
  return record ? { name: record.device_name, readBytes: record.sectors_read * 512, writtenBytes: record.sectors_written * 512 } : null;
}

/** statfs(2) magic numbers of the file systems that live in memory (linux/magic.h). */
const MEMORY_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
]);

/** `tmpfs` or `ramfs` when the file system holding `path` lives in memory (every read is a memory read), else null. */
export async function memoryFileSystemOf(path: string): Promise<string | null> {
  try {
    return MEMORY_FILE_SYSTEMS.get(Number((await statfs(path)).type)) ?? null;
  } catch {
    return null;
  }
}

/** Free bytes this process may write on the file system holding `path` (root may use reserved blocks), or null. */
export async function freeBytes(path: string): Promise<number | null> {
  try {
    const s = await statfs(path);
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    return Number(isRoot ? s.bfree : s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}
