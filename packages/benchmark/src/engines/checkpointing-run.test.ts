import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_GB, computeRankShards, getCheckpointModel } from './checkpoint-models';
import { computeCheckpointSizes, formatCheckpointDatasize, resolveCheckpointingConfig, shardFiles } from './checkpointing-config';
import { runCheckpointingWorkload } from './checkpointing-run';
import { formatCheckpointingSummary } from './checkpointing-summary';
import { isWorkloadError } from './engine-errors';
import { itWithTools } from '../../../../scripts/test-tools.cjs';

function mountTmpfs(dir: string, opts: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe('checkpoint shards', () => {
  test('ZeRO-3 splits model and optimizer over all ranks; the shards add up to the checkpoint', () => {
    const shards = computeRankShards(getCheckpointModel('llama3-8b'), 8);
    expect(shards).toHaveLength(8);
    for (const s of shards) expect(s.totalBytes).toBe((105 * CHECKPOINT_GB) / 8);
    expect(shards.reduce((a, s) => a + s.totalBytes, 0)).toBe(105 * CHECKPOINT_GB);
  });

  test('ZeRO-1 writes the weights only from the first data-parallel replica', () => {
    const m = getCheckpointModel('llama3-405b');
    const shards = computeRankShards(m, 512);
    expect(shards.filter((s) => s.modelBytes > 0)).toHaveLength(256);
    expect(shards[300]?.modelBytes).toBe(0);
    const total = shards.reduce((a, s) => a + s.totalBytes, 0);
    expect(total).toBe((755 + 4533) * CHECKPOINT_GB);
  });

  test('odd byte counts go to the lowest ranks and nothing is lost', () => {
    const shards = computeRankShards(getCheckpointModel('70b'), 3, 0.0000001);
    const model = Math.round(130 * CHECKPOINT_GB * 0.0000001);
    const opt = Math.round(781 * CHECKPOINT_GB * 0.0000001);
    expect(shards.reduce((a, s) => a + s.modelBytes, 0)).toBe(model);
    expect(shards.reduce((a, s) => a + s.optimizerBytes, 0)).toBe(opt);
    expect((shards[0]?.totalBytes ?? 0) - (shards[2]?.totalBytes ?? 0)).toBeLessThanOrEqual(2);
  });

  test('datasize prints per-rank and total bytes', () => {
    const c = resolveCheckpointingConfig({ model: 'llama3-8b', numProcesses: 8, numCheckpointsWrite: 10 });
    const d = computeCheckpointSizes(c);
    expect(d.checkpoint_bytes).toBe(105 * CHECKPOINT_GB);
    expect(d.total_bytes_written).toBe(1050 * CHECKPOINT_GB);
    const text = formatCheckpointDatasize(d);
    expect(text).toContain('Ranks 0-7: 14092861440 bytes');
    expect(text).toContain(`Total per checkpoint: ${105 * CHECKPOINT_GB} bytes`);
  });

  test('bad values are INVALID_ARGUMENT or UNKNOWN_MODEL with one line', () => {
    expect(() => resolveCheckpointingConfig({ model: 'gpt5' })).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL' }));
    expect(() => resolveCheckpointingConfig({ model: '8b', numProcesses: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => resolveCheckpointingConfig({ model: '8b', numCheckpointsWrite: 2, numCheckpointsRead: 3 })).toThrow(/-ncr \(3\) cannot exceed -ncw \(2\)/);
    expect(() => resolveCheckpointingConfig({ model: '8b', scale: 2 })).toThrow(/--scale/);
  });
});

describe('checkpointing engine on real files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlps-ckpt-'));
  });
  afterEach(() => {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      // Not mounted.
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes every shard of every checkpoint with the expected bytes, reads them back and reports both throughputs', async () => {
    const config = resolveCheckpointingConfig({
      model: 'llama3-8b', numProcesses: 4, checkpointFolder: dir, numCheckpointsWrite: 3, numCheckpointsRead: 2, scale: 0.0002, dropCaches: true,
    });
    const result = await runCheckpointingWorkload(config);
    const expectedCheckpoint = Math.round(15 * CHECKPOINT_GB * 0.0002) + Math.round(90 * CHECKPOINT_GB * 0.0002);
    expect(result.checkpoint_bytes).toBe(expectedCheckpoint);
    for (let i = 0; i < 3; i++) {
      let onDisk = 0;
      for (const shard of config.shards) {
        for (const f of shardFiles(join(dir, 'llama3-8b'), i, shard)) {
          expect(statSync(f.path).size).toBe(f.bytes);
          onDisk += f.bytes;
        }
      }
      expect(onDisk).toBe(expectedCheckpoint);
      expect(readdirSync(join(dir, 'llama3-8b', `checkpoint_${i}`))).toHaveLength(8);
    }
    expect(result.write?.checkpoints).toBe(3);
    expect(result.write?.bytes).toBe(3 * expectedCheckpoint);
    expect(result.read?.checkpoints).toBe(2);
    expect(result.read?.bytes).toBe(2 * expectedCheckpoint);
    expect(result.read?.per_checkpoint.map((p) => p.index)).toEqual([1, 2]);
    expect(result.write?.gb_per_second).toBeGreaterThan(0);
    expect(result.read?.gb_per_second).toBeGreaterThan(0);
    expect(result.write?.seconds_per_checkpoint.mean).toBeGreaterThan(0);
    expect(result.page_cache?.drop_caches_requested).toBe(true);
    expect(typeof result.page_cache?.caches_dropped).toBe('boolean');
    if (result.page_cache?.caches_dropped === false) expect(result.page_cache.drop_caches_error).toMatch(/could not drop caches/);
    // The verdict follows the device reads measured where there is a device (it followed drop_caches).
    const pc = result.page_cache!;
    if (pc.verdict_basis === 'device-reads') expect(pc.reads_could_be_cached).toBe(pc.device_read_bytes! < 0.9 * pc.read_bytes_total);
    else if (pc.verdict_basis === 'drop-caches-and-memory') expect(pc.reads_could_be_cached).toBe(pc.caches_dropped !== true);
    else expect(pc.reads_could_be_cached).toBe(true);
    expect(result.complete).toBe(true);
    expect(result.comparable).toBe(false);
    const summary = formatCheckpointingSummary(result);
    expect(summary).toMatch(/write \(fsync\): 3 checkpoint\(s\).*GB\/s/);
    expect(summary).toMatch(/read: 2 checkpoint\(s\).*GB\/s/);
    expect(summary).toMatch(/NOT COMPARABLE/);
  });

  test('an abort stops the writes within a request, removes the unfinished checkpoint and marks the result incomplete', async () => {
    // ~1 GiB per checkpoint: far longer than the 150 ms before the abort.
    const config = resolveCheckpointingConfig({ model: 'llama3-8b', numProcesses: 2, checkpointFolder: dir, numCheckpointsWrite: 3, numCheckpointsRead: 3, scale: 0.01 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = performance.now();
    const err = await runCheckpointingWorkload(config, { signal: controller.signal }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(20_000);
    const e = err as { code: string; message: string; details: { partialResult: { complete: boolean; read: unknown } } };
    expect(e.code).toBe('ABORTED');
    expect(e.message).toMatch(/^checkpointing run interrupted; the incomplete .*checkpoint_\d was removed; results marked incomplete$/);
    expect(e.details.partialResult.complete).toBe(false);
    expect(e.details.partialResult.read).toBeNull();
    // Only whole checkpoints remain: every file there has its full size.
    const folder = join(dir, 'llama3-8b');
    for (const name of readdirSync(folder)) {
      const index = Number(name.replace('checkpoint_', ''));
      for (const shard of config.shards) for (const f of shardFiles(folder, index, shard)) expect(statSync(f.path).size).toBe(f.bytes);
    }
  });

  test('-ncw 0 reads checkpoints already there and refuses missing ones', async () => {
    const base = { model: 'llama3-8b', numProcesses: 2, checkpointFolder: dir, scale: 0.0001 };
    await expect(runCheckpointingWorkload(resolveCheckpointingConfig({ ...base, numCheckpointsWrite: 0, numCheckpointsRead: 1 }))).rejects.toMatchObject({ code: 'DATA_DIR_NOT_FOUND' });
    await runCheckpointingWorkload(resolveCheckpointingConfig({ ...base, numCheckpointsWrite: 1, numCheckpointsRead: 0 }));
    const read = await runCheckpointingWorkload(resolveCheckpointingConfig({ ...base, numCheckpointsWrite: 0, numCheckpointsRead: 1 }));
    expect(read.write).toBeNull();
    expect(read.read?.bytes).toBe(read.checkpoint_bytes);
    await expect(runCheckpointingWorkload(resolveCheckpointingConfig({ ...base, numCheckpointsWrite: 0, numCheckpointsRead: 2 }))).rejects.toMatchObject({ code: 'CHECKPOINT_INCOMPLETE' });
    await expect(runCheckpointingWorkload(resolveCheckpointingConfig({ ...base, numProcesses: 3, numCheckpointsWrite: 0, numCheckpointsRead: 1 }))).rejects.toMatchObject({ code: 'CHECKPOINT_INCOMPLETE' });
  });

  itWithTools(['root'], 'on tmpfs the verdict is "came from memory" even when drop_caches succeeded (it said "not served from the page cache")', async () => {
    expect(mountTmpfs(dir, 'size=64m')).toBe(true);
    const config = resolveCheckpointingConfig({ model: 'llama3-8b', numProcesses: 2, checkpointFolder: dir, numCheckpointsWrite: 1, numCheckpointsRead: 1, scale: 0.0001, dropCaches: true });
    const result = await runCheckpointingWorkload(config);
    expect(result.complete).toBe(true);
    expect(result.page_cache).toMatchObject({ memory_file_system: 'tmpfs', verdict_basis: 'memory-file-system', reads_could_be_cached: true, caches_dropped: true });
    expect(result.not_comparable_reasons).toContain('reads may have been served from the page cache (see page_cache)');
    expect(formatCheckpointingSummary(result)).toMatch(/^page cache: reads CAME FROM MEMORY \(tmpfs\) — The checkpoint folder is on tmpfs, which lives in memory: every read came from memory, not from storage\. The page cache was dropped before the read phase\.$/m);
  });

  itWithTools(['root'], 'a full disk (1 MiB tmpfs) fails fast with NO_SPACE and writes nothing', async () => {
    expect(mountTmpfs(dir, 'size=1m')).toBe(true);
    const config = resolveCheckpointingConfig({ model: 'llama3-8b', numProcesses: 2, checkpointFolder: dir, numCheckpointsWrite: 1, numCheckpointsRead: 1, scale: 0.0001 });
    await expect(runCheckpointingWorkload(config)).rejects.toMatchObject({ code: 'NO_SPACE', message: expect.stringMatching(/^no space for the checkpoints: .* free on /) });
    expect(readdirSync(join(dir, 'llama3-8b'))).toEqual([]);
  });

  itWithTools(['root'], 'ENOSPC in the middle of a write removes the half-written checkpoint and marks the result incomplete', async () => {
    expect(mountTmpfs(dir, 'size=1m')).toBe(true);
    // 2 ranks × ~1.1 MB per checkpoint: the first one cannot fit.
    const config = resolveCheckpointingConfig({ model: 'llama3-8b', numProcesses: 2, checkpointFolder: dir, numCheckpointsWrite: 2, numCheckpointsRead: 2, scale: 0.00002 });
    const err = await runCheckpointingWorkload(config, { checkFreeSpace: false }).catch((e: unknown) => e);
    expect(isWorkloadError(err)).toBe(true);
    const e = err as { code: string; message: string; details: { removedFiles: string[]; partialResult: { complete: boolean; error: { code: string } } } };
    expect(e.code).toBe('NO_SPACE');
    expect(e.message).toMatch(/no space left on device writing .*rank_\d_.*\.pt/);
    expect(e.message).toMatch(/checkpoint_0 was removed; results marked incomplete$/);
    expect(e.message.split('\n')).toHaveLength(1);
    expect(e.details.partialResult.complete).toBe(false);
    expect(e.details.removedFiles).toContain(join(dir, 'llama3-8b', 'checkpoint_0'));
    expect(readdirSync(join(dir, 'llama3-8b'))).toEqual([]);
  });

  itWithTools(['root'], 'a read-only folder fails with PERMISSION_DENIED in one line', async () => {
    mkdirSync(join(dir, 'ro'));
    expect(mountTmpfs(join(dir, 'ro'), 'ro,size=1m')).toBe(true);
    try {
      const config = resolveCheckpointingConfig({ model: 'llama3-8b', numProcesses: 2, checkpointFolder: join(dir, 'ro'), numCheckpointsWrite: 1, numCheckpointsRead: 1, scale: 0.00001 });
      await expect(runCheckpointingWorkload(config)).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/read-only file system/) });
    } finally {
      execFileSync('umount', [join(dir, 'ro')]);
    }
  });
});
