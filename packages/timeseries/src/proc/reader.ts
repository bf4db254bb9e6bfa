/**
 * Reading the `/proc` sources of a sample, cheaply enough to run every 100 ms beside a benchmark.
 *
 * On procfs every file is opened once and re-read with `pread(fd, …, 0)`: a seq_file regenerates its
 * text when read from offset 0, so the values are fresh every time, and a sample costs 10–20 reads
 * instead of 30 open/read/close calls (path lookup and a new procfs inode each time). Anywhere else (a
 * fixture tree, a copied `/proc`) files are opened per read, because a file replaced by rename would
 * otherwise keep being read through its old inode.
 */

import { closeSync, existsSync, openSync, readSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

/** `statfs` type of procfs (`PROC_SUPER_MAGIC`). */
const PROC_SUPER_MAGIC = 0x9fa0;

/**
 * Beyond any real `/proc` file (a 4096-CPU `/proc/stat` is ~1 MB); stops a `procRoot` pointing at a huge
 * regular file from growing the buffer without bound.
 */
const MAX_SOURCE_BYTES = 32 * 1024 * 1024;

/** Errno codes meaning "this kernel has no PSI" rather than "the read failed". */
const NO_PSI_CODES = new Set(['ENOENT', 'EOPNOTSUPP', 'ENOTSUP']);

/** Errno codes after which a kept descriptor is reopened once before the read counts as failed. */
const REOPEN_CODES = new Set(['EBADF', 'ESTALE']);

/** One file to read: its key in the texts/errors records, its path under the root, whether it is optional PSI. */
export interface ProcSourceFile {
  readonly key: string;
  readonly path: string;
  /** A PSI file: absent without error on kernels without PSI. */
  readonly optional: boolean;
}

/**
 * Reused by every reader (reads are synchronous, so never concurrent): a sample reads ~8–15 KB, and a
 * fresh 64 KB buffer per file is what `readFileSync` costs.
 */
let readBuffer = Buffer.allocUnsafe(64 * 1024);

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A short, actionable message for a failed read: the errno code and the path. */
function readErrorMessage(error: unknown, path: string): string {
  const code = errnoOf(error);
  if (code !== undefined) return `${code}: cannot read ${path}`;
  return `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`;
}

/** Reads from `fd` at offset 0 until EOF into the shared buffer (procfs reports size 0); returns the length. */
function preadAll(fd: number): number {
  let length = 0;
  for (;;) {
    if (length === readBuffer.length) {
      if (length >= MAX_SOURCE_BYTES) {
        throw Object.assign(new Error(`larger than ${MAX_SOURCE_BYTES} bytes`), { code: 'EFBIG' });
      }
      const bigger = Buffer.allocUnsafe(readBuffer.length * 2);
      readBuffer.copy(bigger, 0, 0, length);
      readBuffer = bigger;
    }
    // An explicit position is pread(2): the kept descriptor's offset never matters.
    const n = readSync(fd, readBuffer, length, readBuffer.length - length, length);
    if (n === 0) return length;
    length += n;
  }
}

/** Options of {@link ProcReader}. */
export interface ProcReaderOptions {
  /**
   * Keep descriptors open between reads. Default: only when `procRoot` is a procfs mount (checked once,
   * at the first read), where re-reading from offset 0 regenerates the file.
   */
  keepOpen?: boolean;
}

/**
 * Reads a fixed list of files under a proc root, again and again. Owns the descriptors it keeps open:
 * {@link ProcReader.close} releases them (a reader used after `close()` still works, opening files per
 * read). Descriptors are close-on-exec, so child processes do not inherit them.
 *
 * A kept descriptor of `net/dev` stays in the network namespace the process was in when it was opened.
 */
export class ProcReader {
  /** The root the paths are relative to. */
  readonly procRoot: string;
  private readonly files: readonly ProcSourceFile[];
  private readonly paths: string[];
  /** Open descriptors by file index; -1 when not open. */
  private readonly fds: number[];
  /** PSI files this kernel does not have (procfs only: PSI is fixed at boot). */
  private readonly absent: boolean[];
  private keepOpen: boolean | undefined;
  private closed = false;

  constructor(procRoot: string, files: readonly ProcSourceFile[], options: ProcReaderOptions = {}) {
    this.procRoot = procRoot;
    this.files = files;
    this.paths = files.map((file) => join(procRoot, file.path));
    this.fds = files.map(() => -1);
    this.absent = files.map(() => false);
    this.keepOpen = options.keepOpen;
  }

  /** True once {@link ProcReader.close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Reads every file into `texts` (by key); a file that cannot be read is named in `errors` (by key) with
   * its errno (`ENOENT: cannot read /proc/diskstats`). A PSI file the kernel does not have is skipped
   * without error. Never throws.
   */
  readAll(texts: Record<string, string>, errors: Record<string, string>): void {
    if (this.keepOpen === undefined) this.keepOpen = isProcfs(this.procRoot);
    if (this.keepOpen && !this.closed) this.readKept(texts, errors);
    else this.readOnce(texts, errors);
  }

  /** Closes every kept descriptor. Idempotent. */
  close(): void {
    this.closed = true;
    const fds = this.fds;
    for (let i = 0; i < fds.length; i++) {
      const fd = fds[i] as number;
      if (fd < 0) continue;
      fds[i] = -1;
      try {
        closeSync(fd);
      } catch {
        // Already closed by someone else: nothing left to release.
      }
    }
  }

  private readKept(texts: Record<string, string>, errors: Record<string, string>): void {
    const { files, paths, absent } = this;
    for (let i = 0; i < files.length; i++) {
      if (absent[i]) continue;
      const file = files[i] as ProcSourceFile;
      try {
        texts[file.key] = this.readIndex(i);
      } catch (error) {
        this.drop(i);
        const code = errnoOf(error);
        if (file.optional && code !== undefined && NO_PSI_CODES.has(code)) {
          absent[i] = true;
          continue;
        }
        errors[file.key] = readErrorMessage(error, paths[i] as string);
      }
    }
  }

  /** Reads file `i` through its kept descriptor, opening it first when needed and reopening it once when stale. */
  private readIndex(i: number): string {
    let fd = this.fds[i] as number;
    let fresh = false;
    if (fd < 0) {
      fd = openSync(this.paths[i] as string, 'r');
      this.fds[i] = fd;
      fresh = true;
    }
    let length: number;
    try {
      length = preadAll(fd);
    } catch (error) {
      const code = errnoOf(error);
      if (fresh || code === undefined || !REOPEN_CODES.has(code)) throw error;
      this.drop(i);
      fd = openSync(this.paths[i] as string, 'r');
      this.fds[i] = fd;
      length = preadAll(fd);
    }
    return readBuffer.toString('utf8', 0, length);
  }

  /** Forgets (and closes) the descriptor of file `i`, so the next read opens the file again. */
  private drop(i: number): void {
    const fd = this.fds[i] as number;
    if (fd < 0) return;
    this.fds[i] = -1;
    try {
      closeSync(fd);
    } catch {
      // EBADF: it was not ours any more.
    }
  }

  private readOnce(texts: Record<string, string>, errors: Record<string, string>): void {
    const { files, paths } = this;
    let hasPressure: boolean | undefined;
    for (let i = 0; i < files.length; i++) {
      const file = files[i] as ProcSourceFile;
      // Without PSI the kernel has no `pressure/` directory at all.
      if (file.optional && !(hasPressure ??= existsSync(join(this.procRoot, 'pressure')))) continue;
      const path = paths[i] as string;
      let fd = -1;
      try {
        fd = openSync(path, 'r');
        const length = preadAll(fd); // first: it may replace the buffer with a bigger one
        texts[file.key] = readBuffer.toString('utf8', 0, length);
      } catch (error) {
        const code = errnoOf(error);
        if (!(file.optional && code !== undefined && NO_PSI_CODES.has(code))) {
          errors[file.key] = readErrorMessage(error, path);
        }
      } finally {
        if (fd >= 0) closeSync(fd);
      }
    }
  }
}

function isProcfs(root: string): boolean {
  try {
    return statfsSync(root).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}
