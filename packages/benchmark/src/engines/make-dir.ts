/** Creating the folders a workload writes into, with the real reason when it cannot. */
import { mkdir, stat } from 'node:fs/promises';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The directories from the deepest existing ancestor's child down to `path`. Node's `{ recursive: true }`
 * is not used at all: it reports ENOENT where the real cause is EROFS or EACCES, and on a pseudo file
 * system that answers ENOENT to every mkdir (`/proc/x`) it retries forever at full CPU (Node 20).
 */
function levels(path: string): string[] {
  const out: string[] = [];
  let p = resolve(path);
  for (;;) {
    out.push(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  return out.reverse();
}

function notADirectory(path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOTDIR: not a directory, mkdir '${path}'`);
  err.code = 'ENOTDIR';
  err.syscall = 'mkdir';
  err.path = path;
  return err;
}

/**
 * `mkdir -p`, one level at a time: each missing level is created alone, so a failure throws the true
 * errno (EROFS, EACCES, ENOSPC, ENOTDIR, ENOENT on a pseudo file system) naming that level, and it always
 * terminates. A level created meanwhile by someone else is fine.
 */
export async function makeDirectory(path: string): Promise<void> {
  for (const level of levels(path)) {
    try {
      if ((await stat(level)).isDirectory()) continue;
      throw notADirectory(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      await mkdir(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!(await stat(level)).isDirectory()) throw notADirectory(level);
    }
  }
}

/** Synchronous {@link makeDirectory}, for preflight checks and run directories before anything starts. */
export function makeDirectorySync(path: string): void {
  for (const level of levels(path)) {
    try {
      if (statSync(level).isDirectory()) continue;
      throw notADirectory(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      mkdirSync(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!statSync(level).isDirectory()) throw notADirectory(level);
    }
  }
}
