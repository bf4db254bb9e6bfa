/**
 * Atomic file replacement: readers see the old content or the new content, never a partial file, even
 * if the process or the machine dies mid-write (DESIGN §3: the document is "written at stop by writing
 * a temporary file and renaming it, never partially").
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlpsError } from './errors';

function tempPathFor(target: string): string {
  // Same directory, so rename() stays within one filesystem and is atomic; unique, so concurrent
  // writers of the same target never share a temporary file.
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function ioError(target: string, step: string, err: unknown): MlpsError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  const hint =
    code === 'ENOENT' ? ' (does the directory exist?)' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? ' (is the directory writable?)' : code === 'ENOSPC' ? ' (the filesystem is full)' : '';
  return new MlpsError('IO_ERROR', `cannot write ${target}: ${step} failed: ${reason}${hint}`, { cause: err });
}

function toBuffer(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

// Directory fsync makes the rename itself durable. Some filesystems refuse fsync on a directory
// (EINVAL/EISDIR/EPERM); the rename has happened then, so that is not a failure of the write.
function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

/**
 * Writes `data` to `target` atomically: a uniquely named temporary file in the same directory is
 * written and fsynced, renamed over `target`, and the directory is fsynced. On any failure the
 * temporary file is removed and `target` is left as it was.
 *
 * @throws MlpsError `IO_ERROR` naming the path and the step that failed.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(target);
  let step = 'create temporary file';
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(temp, 'wx', 0o666);
    step = 'write';
    await handle.writeFile(toBuffer(data));
    step = 'fsync';
    await handle.sync();
    step = 'close';
    await handle.close();
    handle = undefined;
    step = 'rename';
    await fs.promises.rename(temp, target);
    step = 'fsync directory';
    await fsyncDir(path.dirname(target));
  } catch (err) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    if (step !== 'fsync directory') await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw ioError(target, step, err);
  }
}

/** Synchronous {@link writeFileAtomic}, for exit paths where the event loop will not run again. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const temp = tempPathFor(target);
  let step = 'create temporary file';
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx', 0o666);
    step = 'write';
    const bytes = toBuffer(data);
    let offset = 0;
    while (offset < bytes.byteLength) offset += fs.writeSync(fd, bytes, offset, bytes.byteLength - offset);
    step = 'fsync';
    fs.fsyncSync(fd);
    step = 'close';
    fs.closeSync(fd);
    fd = undefined;
    step = 'rename';
    fs.renameSync(temp, target);
    step = 'fsync directory';
    fsyncDirSync(path.dirname(target));
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error is the one worth reporting
      }
    }
    if (step !== 'fsync directory') fs.rmSync(temp, { force: true });
    throw ioError(target, step, err);
  }
}

/** Text gathered before one `write`: large enough that syscalls are few, small enough to stay bounded. */
const STREAM_CHUNK_CHARS = 1 << 20;

/**
 * A file written as a stream and published atomically: text goes to a uniquely named temporary file in
 * the target's directory (buffered in ~1 MB writes), and {@link AtomicFileStream.commit} fsyncs it and
 * renames it over the target, so readers see the old file or the complete new one, never a part. Memory
 * stays at one chunk whatever is written. {@link AtomicFileStream.abort} (or a failed commit) removes the
 * temporary file and leaves the target as it was.
 */
export class AtomicFileStream {
  /** The file this stream publishes. */
  readonly target: string;
  private readonly temp: string;
  private handle: fs.promises.FileHandle | null;
  private parts: string[] = [];
  private chars = 0;
  private written = 0;

  private constructor(target: string, temp: string, handle: fs.promises.FileHandle) {
    this.target = target;
    this.temp = temp;
    this.handle = handle;
  }

  /**
   * Creates the temporary file next to `target`.
   *
   * @throws MlpsError `IO_ERROR` naming the target (missing directory, not writable).
   */
  static async open(target: string): Promise<AtomicFileStream> {
    const temp = tempPathFor(target);
    try {
      return new AtomicFileStream(target, temp, await fs.promises.open(temp, 'wx', 0o666));
    } catch (err) {
      throw ioError(target, 'create temporary file', err);
    }
  }

  /** Bytes handed to the kernel so far. */
  get bytesWritten(): number {
    return this.written;
  }

  /** Appends text; resolves at once unless a chunk is full, then after writing it. */
  write(text: string): Promise<void> | void {
    this.parts.push(text);
    this.chars += text.length;
    if (this.chars >= STREAM_CHUNK_CHARS) return this.drain();
  }

  /** Writes the rest, fsyncs, closes and renames over the target, then fsyncs the directory. */
  async commit(): Promise<void> {
    let step = 'write';
    try {
      await this.drain();
      step = 'fsync';
      await this.handle?.sync();
      step = 'close';
      await this.handle?.close();
      this.handle = null;
      step = 'rename';
      await fs.promises.rename(this.temp, this.target);
      step = 'fsync directory';
      await fsyncDir(path.dirname(this.target));
    } catch (err) {
      if (step !== 'fsync directory') await this.abort();
      throw err instanceof MlpsError ? err : ioError(this.target, step, err);
    }
  }

  /** Closes and removes the temporary file; the target is untouched. Never throws. */
  async abort(): Promise<void> {
    this.parts = [];
    this.chars = 0;
    const handle = this.handle;
    this.handle = null;
    await handle?.close().catch(() => undefined);
    await fs.promises.rm(this.temp, { force: true }).catch(() => undefined);
  }

  private async drain(): Promise<void> {
    if (this.parts.length === 0) return;
    if (this.handle === null) throw new MlpsError('INVALID_STATE', `the stream of ${this.target} is closed`);
    const bytes = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.chars = 0;
    try {
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
      this.written += bytes.length;
    } catch (err) {
      throw ioError(this.target, 'write', err);
    }
  }
}
