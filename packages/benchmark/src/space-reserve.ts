/**
 * Room for a run's last files on a disk the workload fills. A storage benchmark often writes to the same
 * file system as its results (a small scratch volume, a tmpfs): when the workload fills it, the journal's
 * last ticks, the time-series document and the metadata would have nowhere to go. The run directory
 * therefore holds a small reserve file from its creation; it is deleted as soon as the workload ends, before
 * collection stops, so the journal's unwritten bytes, the document and the metadata get that space back.
 */
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes reserved per run directory: room for the metadata, the journal's tail and a modest document. */
export const SPACE_RESERVE_BYTES = 4 * 1024 * 1024;

/** The reserve's file name inside the run directory (hidden; gone after every run that ends normally). */
export const SPACE_RESERVE_FILE = '.mlps-space-reserve';

/**
 * Writes a reserve of `bytes` zero bytes (real blocks: tmpfs and filesystems without `fallocate` count them
 * too) into `dir` and returns its path, or null when there is no room for it already (then nothing is left
 * behind). Never throws.
 */
export function reserveSpace(dir: string, bytes: number = SPACE_RESERVE_BYTES): string | null {
  const path = join(dir, SPACE_RESERVE_FILE);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'wx', 0o600);
    const chunk = Buffer.alloc(Math.min(bytes, 1024 * 1024));
    for (let written = 0; written < bytes; ) {
      written += writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
    }
    fsyncSync(fd);
    closeSync(fd);
    return path;
  } catch {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // Already closed or never usable: nothing more to release.
      }
    }
    releaseSpace(path);
    return null;
  }
}

/** Deletes the reserve (the space returns to the file system at once). Idempotent; never throws. */
export function releaseSpace(path: string | null): void {
  if (path === null) return;
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}
