/**
 * `checkpointing run`: every rank (one worker thread each) writes its shard of each checkpoint with fsync,
 * the ranks meeting at a barrier per checkpoint (the checkpoint takes as long as its slowest rank); then,
 * optionally after dropping the page cache, they read the checkpoints back, size-checked. Alongside, it
 * records whether the reads could have been served from memory: the bytes read against MemAvailable, and
 * what the block device under the folder really read (/proc/diskstats).
 */
import { execFile } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { makeDirectory } from './make-dir';
import { MlpsError } from '@mlps/timeseries';
import { checkpointDir, describeCheckpointingConfig, shardFiles, type CheckpointingConfig } from './checkpointing-config';
import { codeForErrno, describeErrno, ENGINE_ERROR_CODES, fsError, WorkloadError } from './engine-errors';
import { deviceOf, freeBytes, memoryFileSystemOf, readDeviceCounters, readHostMemory } from './host-memory';
import { IoWorker, type IoReply } from './io-worker';
import { emitProgress, formatBytes, type ProgressCallback } from './progress';

/** One phase (write or read) of a checkpointing run. */
export interface CheckpointPhaseStats {
  checkpoints: number;
  bytes: number;
  duration_seconds: number;
  /** Decimal GB (1e9) per second. */
  gb_per_second: number;
  gib_per_second: number;
  seconds_per_checkpoint: { mean: number; min: number; max: number };
  per_checkpoint: Array<{ index: number; seconds: number; bytes: number; gb_per_second: number }>;
}

/** Whether the read phase could have been served from the page cache, and the evidence. */
export interface PageCacheAssessment {
  /** True when --drop-caches was asked for. */
  drop_caches_requested: boolean;
  /** True when the caches were really dropped before reading (false if it failed, null if not asked). */
  caches_dropped: boolean | null;
  drop_caches_error?: string;
  mem_available_bytes: number | null;
  /** Bytes of one checkpoint, and of the largest single rank shard. */
  checkpoint_bytes: number;
  max_shard_bytes: number;
  read_bytes_total: number;
  /** Block device under the checkpoint folder, when it is one (null on tmpfs/overlay/network). */
  device: string | null;
  /** What that device read during the read phase (null when unknown). */
  device_read_bytes: number | null;
  /** `tmpfs`/`ramfs` when the checkpoint folder lives in memory, else null. */
  memory_file_system: string | null;
  /**
   * True when the reads could have come from memory. Judged on the evidence measured, in this order: a
   * folder in memory (tmpfs) always; else the device's reads during the read phase (less than
   * {@link DEVICE_READ_SHARE_FROM_STORAGE} of the bytes read means memory served the rest); only where
   * neither exists (overlay, network) whether the caches were dropped and a checkpoint fits in MemAvailable.
   */
  reads_could_be_cached: boolean;
  /** What the verdict rests on. */
  verdict_basis: 'memory-file-system' | 'device-reads' | 'drop-caches-and-memory';
  explanation: string;
}

/**
 * Share of the bytes read that the device must have read for the reads to count as served by storage.
 * Readahead makes a cold read ≥ 100%; other processes' reads on the same device only raise it.
 */
export const DEVICE_READ_SHARE_FROM_STORAGE = 0.9;

/** Result of a checkpointing run (snake_case, JSON-serialisable). */
export interface CheckpointingRunResult {
  engine: 'builtin';
  workload: 'checkpointing';
  command: 'run';
  model: string;
  num_processes: number;
  complete: boolean;
  comparable: boolean;
  not_comparable_reasons: string[];
  scale: number;
  config: Record<string, unknown>;
  checkpoint_folder: string;
  checkpoint_bytes: number;
  ranks: Array<{ rank: number; model_bytes: number; optimizer_bytes: number; total_bytes: number }>;
  started_at: string;
  ended_at: string;
  write: CheckpointPhaseStats | null;
  read: CheckpointPhaseStats | null;
  page_cache: PageCacheAssessment | null;
  /** Checkpoint folders left incomplete by a failure (their files were removed). */
  removed_incomplete_checkpoints: string[];
  error?: { code: string; message: string };
}

/** Options of {@link runCheckpointingWorkload}. */
export interface CheckpointingRunOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Refuse to start when the file system has less free space than the checkpoints (default true). */
  checkFreeSpace?: boolean;
}

type Failure = { code: string; message: string; removed: string[]; left: string[] };

/** Runs the checkpointing workload of `config`. Throws {@link MlpsError} / {@link WorkloadError}. */
export async function runCheckpointingWorkload(config: CheckpointingConfig, options: CheckpointingRunOptions = {}): Promise<CheckpointingRunResult> {
  if (config.modelFolder === null || config.checkpointFolder === null) {
    throw new MlpsError('INVALID_ARGUMENT', '--checkpoint-folder is required');
  }
  const folder = config.modelFolder;
  const ncw = config.numCheckpointsWrite;
  const ncr = config.numCheckpointsRead;
  const firstRead = ncw === 0 ? 0 : ncw - ncr;
  if (ncw > 0) {
    try {
      await makeDirectory(folder);
    } catch (err) {
      throw fsError(err, 'cannot create the checkpoint folder', folder);
    }
    const needed = config.checkpointBytes * ncw;
    const free = options.checkFreeSpace === false ? null : await freeBytes(folder);
    if (free !== null && free < needed) {
      throw new MlpsError(
        ENGINE_ERROR_CODES.noSpace,
        `no space for the checkpoints: ${ncw} × ${formatBytes(config.checkpointBytes)} = ${formatBytes(needed)} needed, ${formatBytes(free)} free on ${folder} (use a smaller --scale, fewer -ncw or another --checkpoint-folder)`,
      );
    }
  } else {
    await checkExistingCheckpoints(config, ncr);
  }

  const startedAt = new Date();
  const workers = config.shards.map(() => new IoWorker({ ioSize: config.ioSizeBytes }));
  // A shard can take minutes: an interrupt stops the writes within 1 MiB instead of after the checkpoint.
  const onAbort = (): void => workers.forEach((w) => w.abort());
  options.signal?.addEventListener('abort', onAbort);
  let write: CheckpointPhaseStats | null = null;
  let read: CheckpointPhaseStats | null = null;
  let pageCache: PageCacheAssessment | null = null;
  const removedCheckpoints: string[] = [];
  let failure: Failure | null = null;
  const aborted = (): boolean => options.signal?.aborted === true;
  try {
    if (ncw > 0) {
      const phase = await runPhase(config, workers, 'write', 0, ncw, options);
      write = phase.stats;
      failure = phase.failure;
      if (failure !== null && phase.failedIndex !== null) {
        // A checkpoint some ranks finished and others did not is not a checkpoint: remove it whole.
        const dir = checkpointDir(folder, phase.failedIndex);
        try {
          await rm(dir, { recursive: true, force: true });
          removedCheckpoints.push(dir);
        } catch {
          failure.left.push(dir);
        }
      }
    }
    if (failure === null && !aborted() && ncr > 0) {
      pageCache = await prepareReads(config, workers, options);
      const device = await deviceOf(folder);
      const before = device ? await readDeviceCounters(device) : null;
      const phase = await runPhase(config, workers, 'read', firstRead, ncr, options);
      read = phase.stats;
      failure = phase.failure;
      const after = device ? await readDeviceCounters(device) : null;
      finishAssessment(pageCache, read?.bytes ?? 0, before, after);
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.close()));
  }

  const reasons = [...config.notComparableReasons];
  if (pageCache?.reads_could_be_cached) reasons.push('reads may have been served from the page cache (see page_cache)');
  const stopped = failure as Failure | null;
  const error =
    aborted() ? { code: ENGINE_ERROR_CODES.aborted, message: 'checkpointing run interrupted' } : stopped ? { code: stopped.code, message: stopped.message } : undefined;
  const result: CheckpointingRunResult = {
    engine: 'builtin',
    workload: 'checkpointing',
    command: 'run',
    model: config.modelName,
    num_processes: config.numProcesses,
    complete: error === undefined,
    comparable: reasons.length === 0,
    not_comparable_reasons: reasons,
    scale: config.scale,
    config: describeCheckpointingConfig(config),
    checkpoint_folder: folder,
    checkpoint_bytes: config.checkpointBytes,
    ranks: config.shards.map((s) => ({ rank: s.rank, model_bytes: s.modelBytes, optimizer_bytes: s.optimizerBytes, total_bytes: s.totalBytes })),
    started_at: startedAt.toISOString(),
    ended_at: new Date().toISOString(),
    write,
    read,
    page_cache: pageCache,
    removed_incomplete_checkpoints: removedCheckpoints,
    ...(error ? { error } : {}),
  };
  if (error) {
    const removed = stopped?.removed ?? [];
    const left = stopped?.left ?? [];
    const cleanup =
      left.length > 0
        ? `; remove by hand: ${left.join(', ')}`
        : removedCheckpoints.length > 0
          ? `; the incomplete ${removedCheckpoints.join(', ')} was removed`
          : '';
    throw new WorkloadError(error.code, `${error.message}${cleanup}; results marked incomplete`, {
      removedFiles: [...removed, ...removedCheckpoints],
      leftoverFiles: left,
      partialResult: result,
    });
  }
  return result;
}

/** Writes or reads checkpoints [first, first + count), all ranks per checkpoint, with a barrier between checkpoints. */
async function runPhase(
  config: CheckpointingConfig,
  workers: IoWorker[],
  kind: 'write' | 'read',
  first: number,
  count: number,
  options: CheckpointingRunOptions,
): Promise<{ stats: CheckpointPhaseStats | null; failure: Failure | null; failedIndex: number | null }> {
  const folder = config.modelFolder as string;
  const per: CheckpointPhaseStats['per_checkpoint'] = [];
  for (let n = 0; n < count; n++) {
    if (options.signal?.aborted) break;
    const index = first + n;
    if (kind === 'write') {
      try {
        await makeDirectory(checkpointDir(folder, index));
      } catch (err) {
        const e = fsError(err, 'cannot create', checkpointDir(folder, index));
        return { stats: phaseStats(per), failure: { code: e.code, message: e.message, removed: [], left: [] }, failedIndex: index };
      }
    }
    const t0 = performance.now();
    const replies = await Promise.all(
      config.shards.map(async (shard, r) => {
        const worker = workers[r] as IoWorker;
        const out: IoReply[] = [];
        for (const file of shardFiles(folder, index, shard)) {
          const reply =
            kind === 'write'
              ? await worker.write({ path: file.path, size: file.bytes, fsync: true, seed: index * 7919 + r })
              : await worker.readFile(file.path, file.bytes);
          out.push(reply);
          if (!reply.ok) break;
        }
        return out;
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const failed = replies.flat().filter((r): r is Extract<IoReply, { ok: false }> => !r.ok);
    const firstFailure = failed[0];
    if (firstFailure) {
      const e = firstFailure.error;
      const code = ['ENOENT', 'ESIZE', 'ESHORT'].includes(e.code) ? 'CHECKPOINT_INCOMPLETE' : codeForErrno(e.code);
      const detail = e.code === 'ESIZE' ? e.message : `${describeErrno(e.code, e.message)} ${kind === 'write' ? 'writing' : 'reading'} ${e.path}`;
      return {
        stats: phaseStats(per),
        failure: {
          code,
          message: `checkpoint ${index} ${kind}: ${detail}`,
          removed: failed.filter((f) => f.partial === 'removed' && f.partialFile).map((f) => f.partialFile as string),
          left: failed.filter((f) => f.partial === 'left' && f.partialFile).map((f) => f.partialFile as string),
        },
        failedIndex: index,
      };
    }
    const bytes = replies.flat().reduce((a, r) => a + (r.ok ? r.bytes : 0), 0);
    per.push({ index, seconds, bytes, gb_per_second: bytes / 1e9 / seconds });
    emitProgress(options.onProgress, {
      phase: kind,
      done: n + 1,
      total: count,
      bytes: per.reduce((a, p) => a + p.bytes, 0),
      message: `${kind} checkpoint ${n + 1}/${count}: ${formatBytes(bytes)} in ${seconds.toFixed(2)} s (${(bytes / 1e9 / seconds).toFixed(2)} GB/s)`,
    });
  }
  return { stats: phaseStats(per), failure: null, failedIndex: null };
}

function phaseStats(per: CheckpointPhaseStats['per_checkpoint']): CheckpointPhaseStats | null {
  if (per.length === 0) return null;
  const bytes = per.reduce((a, p) => a + p.bytes, 0);
  const seconds = per.reduce((a, p) => a + p.seconds, 0);
  const times = per.map((p) => p.seconds);
  return {
    checkpoints: per.length,
    bytes,
    duration_seconds: seconds,
    gb_per_second: bytes / 1e9 / seconds,
    gib_per_second: bytes / 1024 ** 3 / seconds,
    seconds_per_checkpoint: { mean: seconds / per.length, min: Math.min(...times), max: Math.max(...times) },
    per_checkpoint: per,
  };
}

/** Drops the page cache when asked (sync, then 3 > drop_caches, in a worker) and takes the memory snapshot. */
async function prepareReads(config: CheckpointingConfig, workers: IoWorker[], options: CheckpointingRunOptions): Promise<PageCacheAssessment> {
  let dropped: boolean | null = null;
  let dropError: string | undefined;
  if (config.dropCaches) {
    emitProgress(options.onProgress, { phase: 'drop-caches', done: 0, total: 1, message: 'dropping the page cache (sync; echo 3 > /proc/sys/vm/drop_caches)' });
    await new Promise<void>((resolve) => execFile('sync', () => resolve()));
    const reply = await (workers[0] as IoWorker).dropCaches();
    dropped = reply.ok;
    if (!reply.ok) {
      const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
      dropError = `could not drop caches: ${describeErrno(reply.error.code, reply.error.message)}${isRoot ? '' : ' (needs root)'}`;
      emitProgress(options.onProgress, { phase: 'drop-caches', done: 1, total: 1, message: `warning: ${dropError}` });
    }
  }
  const memory = await readHostMemory();
  const maxShard = Math.max(...config.shards.map((s) => s.totalBytes));
  return {
    drop_caches_requested: config.dropCaches,
    caches_dropped: dropped,
    ...(dropError ? { drop_caches_error: dropError } : {}),
    mem_available_bytes: memory?.memAvailableBytes ?? null,
    checkpoint_bytes: config.checkpointBytes,
    max_shard_bytes: maxShard,
    read_bytes_total: 0,
    device: null,
    device_read_bytes: null,
    memory_file_system: await memoryFileSystemOf(config.modelFolder as string),
    reads_could_be_cached: false,
    verdict_basis: 'drop-caches-and-memory',
    explanation: '',
  };
}

function finishAssessment(
  a: PageCacheAssessment,
  readBytes: number,
  before: { name: string; readBytes: number } | null,
  after: { name: string; readBytes: number } | null,
): void {
  a.read_bytes_total = readBytes;
  if (before && after) {
    a.device = before.name;
    a.device_read_bytes = Math.max(0, after.readBytes - before.readBytes);
  }
  const dropped =
    a.caches_dropped === true ? 'The page cache was dropped before the read phase' : a.drop_caches_error ? `Caches were not dropped (${a.drop_caches_error})` : 'Caches were not dropped';
  // The verdict follows what was measured; whether drop_caches succeeded is only the fallback (a dropped
  // cache says nothing about tmpfs, and a device that read every byte proves storage whatever was asked).
  if (a.memory_file_system !== null) {
    a.verdict_basis = 'memory-file-system';
    a.reads_could_be_cached = true;
    a.explanation = `The checkpoint folder is on ${a.memory_file_system}, which lives in memory: every read came from memory, not from storage. ${dropped}.`;
    return;
  }
  if (a.device_read_bytes !== null && readBytes > 0) {
    a.verdict_basis = 'device-reads';
    const share = a.device_read_bytes / readBytes;
    a.reads_could_be_cached = share < DEVICE_READ_SHARE_FROM_STORAGE;
    const measured = `The device ${a.device} read ${formatBytes(a.device_read_bytes)} for ${formatBytes(readBytes)} read (${(share * 100).toFixed(0)}%)`;
    a.explanation = a.reads_could_be_cached
      ? `${measured}: the rest came from the page cache. ${dropped}.`
      : `${measured}: the reads reached storage. ${dropped}.`;
    return;
  }
  a.verdict_basis = 'drop-caches-and-memory';
  const fits = a.mem_available_bytes === null || a.checkpoint_bytes <= a.mem_available_bytes;
  a.reads_could_be_cached = a.caches_dropped !== true && fits;
  const evidence = ' No block device under the folder to measure (overlay or network file system).';
  if (a.caches_dropped === true) {
    a.explanation = `Page cache dropped before the read phase.${evidence}`;
  } else if (!fits) {
    a.explanation = `A checkpoint (${formatBytes(a.checkpoint_bytes)}) exceeds MemAvailable (${formatBytes(a.mem_available_bytes ?? 0)}), so most reads reached storage.${evidence}`;
  } else {
    a.explanation = `Caches were not dropped${a.drop_caches_error ? ` (${a.drop_caches_error})` : ''} and a checkpoint (${formatBytes(a.checkpoint_bytes)}) fits in MemAvailable (${formatBytes(a.mem_available_bytes ?? 0)}): reads may have come from the page cache.${evidence}`;
  }
}

/** With -ncw 0, the checkpoints to read must already be there, whole. */
async function checkExistingCheckpoints(config: CheckpointingConfig, ncr: number): Promise<void> {
  const folder = config.modelFolder as string;
  try {
    await stat(folder);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new MlpsError(ENGINE_ERROR_CODES.dataDirNotFound, `no checkpoints to read: ${folder} does not exist (write them first, -ncw > 0)`);
    }
    throw fsError(err, 'cannot access', folder);
  }
  for (let i = 0; i < ncr; i++) {
    for (const shard of config.shards) {
      for (const f of shardFiles(folder, i, shard)) {
        let size: number;
        try {
          size = (await stat(f.path)).size;
        } catch {
          throw new MlpsError('CHECKPOINT_INCOMPLETE', `checkpoint ${i} is missing ${f.path} (written with other --num-processes/--scale?)`);
        }
        if (size !== f.bytes) {
          throw new MlpsError('CHECKPOINT_INCOMPLETE', `${f.path} is ${size} bytes, expected ${f.bytes} (written with other --num-processes/--scale?)`);
        }
      }
    }
  }
}
