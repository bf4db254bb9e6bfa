/**
 * Reading the `/proc` sources of a sample, cheaply enough to run every 100 ms beside a benchmark.
 *
 * On procfs every file is opened once and re-read with `pread(fd, …, 0)`: a seq_file regenerates its
 * text when read from offset 0, so the values are fresh every time, and a sample costs 10–20 reads
 * instead of 30 open/read/close calls (path lookup and a new procfs inode each time). Anywhere else (a
 * fixture tree, a copied `/proc`) files are opened per read, because a file replaced by rename would
 * otherwise keep being read through its old inode.
 */

import { closeSync, openSync, readSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

/** `statfs` type of procfs (`PROC_SUPER_MAGIC`). */
const PROC_SUPER_MAGIC = 0x9fa0;

/**
 * Beyond any real `/proc` file (a 4096-CPU `/proc/stat` is ~1 MB); stops a `procRoot` pointing at a huge
 * regular file from growing the buffer without bound.
 */
const MAX_SOURCE_BYTES = 32 * 1024 * 1024;

/** Reads between two attempts at an optional file found absent (about a minute at 1 s). */
const ABSENT_RETRY_READS = 64;

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
  /**
   * A file made rather than read: writes its text's bytes into `target.buf` from `at` (growing it with
   * {@link ensureRoom}) and returns the length. For texts that are not one `/proc` file (several files
   * found by a pattern, figures summed over a process tree). A throw counts as a failed read (an optional
   * file throwing `ENOENT` is absent).
   */
  readonly synthesize?: (procRoot: string, target: { buf: Buffer }, at: number) => number;
}

/** Makes room for `n` more bytes at `at` in `target.buf` (a bigger buffer, contents kept, when needed). */
export function ensureRoom(target: { buf: Buffer }, at: number, n: number): void {
  if (at + n <= target.buf.length) return;
  let size = target.buf.length * 2;
  while (size < at + n) size *= 2;
  const bigger = Buffer.allocUnsafe(size);
  target.buf.copy(bigger, 0, 0, at);
  target.buf = bigger;
}

/**
 * The bytes of one read of every file of a {@link ProcReader}, kept side by side in one buffer so a
 * sampler can scan them in place and, only when it must, decode them as text. Reused from read to read:
 * a read allocates nothing unless a file grows beyond the buffer or fails.
 */
export class RawProcRead {
  /** The files' bytes, back to back. */
  buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  /** Start of file `i` in {@link RawProcRead.buf}. */
  readonly start: Int32Array;
  /** End (exclusive) of file `i` in {@link RawProcRead.buf}. */
  readonly end: Int32Array;
  /** Per file: {@link RAW_OK}, {@link RAW_ABSENT} (an optional file this kernel lacks) or {@link RAW_FAILED}. */
  readonly state: Uint8Array;
  /** Per file: the read error (`ENOENT: cannot read /proc/diskstats`) when its state is {@link RAW_FAILED}. */
  readonly errors: (string | undefined)[];
  /** True when some file failed. */
  failed = false;

  constructor(files: number) {
    this.start = new Int32Array(files);
    this.end = new Int32Array(files);
    this.state = new Uint8Array(files);
    this.errors = new Array<string | undefined>(files).fill(undefined);
  }

  /** The text of file `i` (the bytes decoded as UTF-8), or undefined when it was not read. */
  text(i: number): string | undefined {
    if (this.state[i] !== RAW_OK) return undefined;
    return this.buf.toString('utf8', this.start[i] as number, this.end[i] as number);
  }
}

/** {@link RawProcRead.state}: the file was read. */
export const RAW_OK = 0;
/** {@link RawProcRead.state}: an optional (PSI) file this kernel does not have; not an error. */
export const RAW_ABSENT = 1;
/** {@link RawProcRead.state}: the read failed; the message is in {@link RawProcRead.errors}. */
export const RAW_FAILED = 2;

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

/**
 * Reads from `fd` at offset 0 until EOF into `target.buf` from `at` (growing it, contents kept, when the
 * file is larger than the room left); returns the number of bytes read.
 */
function preadInto(fd: number, target: { buf: Buffer }, at: number, shortReadIsEnd = false): number {
  let length = 0;
  for (;;) {
    let buf = target.buf;
    if (at + length === buf.length) {
      if (length >= MAX_SOURCE_BYTES) {
        throw Object.assign(new Error(`larger than ${MAX_SOURCE_BYTES} bytes`), { code: 'EFBIG' });
      }
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, at + length);
      target.buf = buf = bigger;
    }
    // An explicit position is pread(2): the kept descriptor's offset never matters.
    const room = buf.length - at - length;
    const n = readSync(fd, buf, at + length, room, length);
    if (n === 0) return length;
    length += n;
    // A procfs (seq_file) read fills the room it is given unless the text ends first: a short read is
    // the end, and the extra read(2) that would return 0 is saved.
    if (shortReadIsEnd && n < room) return length;
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
  /** Reads so far (for the occasional retry of absent optional files). */
  private reads = 0;
  /** The buffer {@link ProcReader.readAll} reads into. */
  private rawScratch: RawProcRead | undefined;

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
    const raw = (this.rawScratch ??= new RawProcRead(this.files.length));
    this.readRaw(raw);
    for (let i = 0; i < this.files.length; i++) {
      const key = (this.files[i] as ProcSourceFile).key;
      const state = raw.state[i];
      if (state === RAW_OK) texts[key] = raw.text(i) as string;
      else if (state === RAW_FAILED) errors[key] = raw.errors[i] as string;
    }
  }


  /**
   * Reads every file into `raw` (bytes back to back, states and errors per file index), the same reads as
   * {@link ProcReader.readAll} without making strings. Never throws.
   */
  readRaw(raw: RawProcRead): void {
    if (this.keepOpen === undefined) this.keepOpen = isProcfs(this.procRoot);
    const { files, paths, absent } = this;
    const kept = this.keepOpen && !this.closed;
    // An optional file found absent is tried again now and then (a module loaded mid-run, cifs), not
    // every read: a failed open per tick is a cost on the path that is meant to cost nothing.
    const retryAbsent = ++this.reads % ABSENT_RETRY_READS === 0;
    let at = 0;
    raw.failed = false;
    for (let i = 0; i < files.length; i++) {
      const file = files[i] as ProcSourceFile;
      raw.start[i] = at;
      raw.end[i] = at;
      if (kept && absent[i] && !retryAbsent) {
        raw.state[i] = RAW_ABSENT;
        continue;
      }
      let fd = -1;
      try {
        let length: number;
        if (file.synthesize !== undefined) {
          length = file.synthesize(this.procRoot, raw, at);
        } else if (kept) {
          length = this.readIndexInto(i, raw, at);
        } else {
          fd = openSync(paths[i] as string, 'r');
          length = preadInto(fd, raw, at);
        }
        at += length;
        raw.end[i] = at;
        raw.state[i] = RAW_OK;
        raw.errors[i] = undefined;
        absent[i] = false;
      } catch (error) {
        if (kept) this.drop(i);
        const code = errnoOf(error);
        if (file.optional && code !== undefined && NO_PSI_CODES.has(code)) {
          if (kept) absent[i] = true;
          raw.state[i] = RAW_ABSENT;
          continue;
        }
        raw.state[i] = RAW_FAILED;
        raw.errors[i] = readErrorMessage(error, paths[i] as string);
        raw.failed = true;
      } finally {
        if (fd >= 0) closeSync(fd);
      }
    }
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

  /** Reads file `i` into `raw.buf` at `at` through its kept descriptor (opened when needed, reopened once when stale); returns the length. */
  private readIndexInto(i: number, raw: RawProcRead, at: number): number {
    let fd = this.fds[i] as number;
    let fresh = false;
    if (fd < 0) {
      fd = openSync(this.paths[i] as string, 'r');
      this.fds[i] = fd;
      fresh = true;
    }
    try {
      return preadInto(fd, raw, at, true);
    } catch (error) {
      const code = errnoOf(error);
      if (fresh || code === undefined || !REOPEN_CODES.has(code)) throw error;
      this.drop(i);
      fd = openSync(this.paths[i] as string, 'r');
      this.fds[i] = fd;
      return preadInto(fd, raw, at, true);
    }
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


}

function isProcfs(root: string): boolean {
  try {
    return statfsSync(root).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}
