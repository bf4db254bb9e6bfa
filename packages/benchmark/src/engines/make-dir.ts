/** Creating the folders a workload writes into, with the real reason when it cannot. */
import { mkdir, stat } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p`. Node's recursive mkdir reports ENOENT where the real cause is EROFS or EACCES (it retries
 * the parent and loses the first errno), so on ENOENT this creates the first missing level alone to
 * surface the true error.
 */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    let missing = path;
    for (;;) {
      const parent = dirname(missing);
      if (parent === missing) throw err;
      try {
        await stat(parent);
        break;
      } catch {
        missing = parent;
      }
    }
    // Throws the real errno; if it works after all (a racing creator), finish the job.
    await mkdir(missing);
    await mkdir(path, { recursive: true });
  }
}

/** Synchronous {@link makeDirectory}, for preflight checks that run before anything else starts. */
export function makeDirectorySync(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    let missing = path;
    for (;;) {
      const parent = dirname(missing);
      if (parent === missing) throw err;
      if (existsSync(parent)) break;
      missing = parent;
    }
    mkdirSync(missing);
    mkdirSync(path, { recursive: true });
  }
}
