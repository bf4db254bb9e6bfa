// Types of scripts/test-tmpfs.cjs for the TypeScript test files that import it.

/** A tmpfs mounted for a test: its mount point, and `unmount()` (idempotent; also done if the process dies). */
export interface TestTmpfs {
  path: string;
  unmount(): void;
}
/** Mounts a tmpfs of `sizeKiB` KiB under a new directory of os.tmpdir() (root only). */
export declare function mountTestTmpfs(prefix: string, sizeKiB: number): TestTmpfs;
/** Writes `file` until the file system refuses (ENOSPC); returns the bytes written. */
export declare function fillFileSystem(file: string): number;
