#!/usr/bin/env node
// The journal on a disk that stays full: H hosts × T ticks of real samples of this machine appended to a
// journal on a tiny tmpfs that is full, flushed every tick as the collector does. Side by side in one run:
// the old rule (every refused byte kept for retry: `maxPendingBytes` unbounded) and today's bound (default
// 4 MiB, then the journal stops). Prints the bytes held for retry, the buffers' memory (arrayBuffers) and
// the time per tick of each, and the ratios. Asserts nothing.
//
// Usage (root: it mounts a 1 MiB tmpfs, unmounted at the end, also on Ctrl-C or if killed):
//   node --expose-gc bench/journal-full-disk/run.mjs [--hosts 64] [--ticks 600]
// Needs the built packages (npm run build).
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
function arg(name, dflt) {
  const at = process.argv.indexOf(name);
  if (at < 0) return dflt;
  const n = Number(process.argv[at + 1]);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} needs a positive integer, got ${process.argv[at + 1]}`);
    process.exit(2);
  }
  return n;
}
const hosts = arg('--hosts', 64);
const ticks = arg('--ticks', 600);
if (process.getuid?.() !== 0) {
  console.error('journal-full-disk: needs root (it mounts a small tmpfs); run as root');
  process.exit(2);
}

const ts = await import(join(root, 'packages', 'timeseries', 'dist', 'index.js'));
const { JournalWriter, DEFAULT_JOURNAL_MAX_PENDING_BYTES } = await import(join(root, 'packages', 'timeseries', 'dist', 'engine.js'));

const base = mkdtempSync(join(tmpdir(), 'mlps-bench-journal-full-'));
const mnt = join(base, 'mnt');
mkdirSync(mnt);
// Cleans up if this process dies without its finally (SIGKILL): waits for it to go, then unmounts.
const guard = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; umount -l '${mnt}' 2>/dev/null; rm -rf '${base}'`], { detached: true, stdio: 'ignore' });
guard.unref();
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  try {
    execFileSync('umount', ['-l', mnt]);
  } catch {
    // not mounted
  }
  rmSync(base, { recursive: true, force: true });
  guard.kill();
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (cleanup(), process.exit(130)));

try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1024k', 'tmpfs', mnt]);
  const T0 = Date.now();
  const sample = ts.collectTimeseriesSampleSync({ wallMs: T0, hostname: 'bench' });
  const names = Array.from({ length: hosts }, (_, i) => `node-${String(i).padStart(2, '0')}`);
  const header = { collection_interval_seconds: 1, hosts_requested: names, collection_method: 'ssh', start_time: ts.formatReferenceTimestamp(T0), start_time_ms: T0 };

  function fill() {
    const fd = openSync(join(mnt, 'fill'), 'a');
    const chunk = Buffer.alloc(4096);
    try {
      for (;;) writeSync(fd, chunk);
    } catch {
      // ENOSPC: full
    } finally {
      closeSync(fd);
    }
  }

  function run(label, maxPendingBytes) {
    rmSync(join(mnt, 'fill'), { force: true });
    const target = join(mnt, `${label}.jsonl`);
    const j = JournalWriter.open(target, header, { maxPendingBytes });
    fill();
    globalThis.gc?.();
    const buffersBefore = process.memoryUsage().arrayBuffers;
    let peakPending = 0;
    const t0 = performance.now();
    for (let k = 0; k < ticks; k++) {
      const wallMs = T0 + k * 1000;
      for (const name of names) j.append(name, { ...sample, timestamp: ts.formatReferenceTimestamp(wallMs), timestamp_ms: wallMs, hostname: name });
      try {
        j.flush();
      } catch {
        // refused: kept for retry (or the journal stops at its bound)
      }
      if (j.pendingBytes > peakPending) peakPending = j.pendingBytes;
    }
    const ms = performance.now() - t0;
    const buffers = process.memoryUsage().arrayBuffers - buffersBefore;
    const result = { label, peakPending, buffers, msPerTick: ms / ticks, stopped: j.stopped, lines: j.linesWritten, dropped: j.droppedLines };
    try {
      j.close();
    } catch {
      // the unbounded one still holds refused bytes: close() reports their write failing
    }
    rmSync(target, { force: true });
    return result;
  }

  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const old = run('unbounded', Number.MAX_SAFE_INTEGER);
  const now = run('bounded', DEFAULT_JOURNAL_MAX_PENDING_BYTES);
  console.log(`journal on a full disk: ${hosts} hosts x ${ticks} ticks of this machine's samples, flushed every tick`);
  for (const r of [old, now]) {
    console.log(
      `  ${r.label.padEnd(9)}  held for retry (peak) ${mib(r.peakPending).padStart(10)}  buffers ${mib(r.buffers).padStart(10)}  ` +
        `${r.msPerTick.toFixed(2)} ms/tick  ${r.stopped ? `stopped: ${r.lines} samples in the file, ${r.dropped} counted as dropped` : 'still retrying'}`,
    );
  }
  console.log(`  ratio unbounded/bounded: held ${(old.peakPending / now.peakPending).toFixed(1)}x, buffers ${(old.buffers / Math.max(1, now.buffers)).toFixed(1)}x, time per tick ${(old.msPerTick / now.msPerTick).toFixed(2)}x`);
} finally {
  cleanup();
}
