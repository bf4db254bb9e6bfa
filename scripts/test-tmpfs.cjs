'use strict';
// A small tmpfs of a test's own (root only), for tests of full disks: mounted under a new directory of
// os.tmpdir(), unmounted and removed by `unmount()`, and by a detached watchdog if the test process is
// killed before (it polls the process and cleans up once it is gone). Suites that use it ask for the
// `root` tool (scripts/test-tools.cjs), so they are skipped with the reason when not root.
const { execFileSync, spawn } = require('node:child_process');
const { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/** Mounts a tmpfs of `sizeKiB` KiB; returns its mount point and `unmount()` (idempotent). */
function mountTestTmpfs(prefix, sizeKiB) {
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const path = join(root, 'mnt');
  mkdirSync(path);
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const guard = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; umount -l ${q(path)} 2>/dev/null; rm -rf ${q(root)}`], {
    detached: true,
    stdio: 'ignore',
  });
  guard.unref();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', path]);
  } catch (err) {
    guard.kill();
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  let mounted = true;
  return {
    path,
    unmount() {
      if (!mounted) return;
      mounted = false;
      try {
        execFileSync('umount', ['-l', path]);
      } finally {
        rmSync(root, { recursive: true, force: true });
        guard.kill();
      }
    },
  };
}

/** Writes `file` until the file system refuses (ENOSPC); returns the bytes written. */
function fillFileSystem(file) {
  const chunk = Buffer.alloc(4096);
  const fd = openSync(file, 'a');
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (err) {
    if (err.code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return written;
}

module.exports = { mountTestTmpfs, fillFileSystem };
