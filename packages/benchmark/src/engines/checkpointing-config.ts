/**
 * The effective configuration of a checkpointing workload and its `datasize` (bytes per rank and in total).
 */
import { join, resolve } from 'node:path';
import { MlpsError } from '@mlps/timeseries';
import { computeRankShards, getCheckpointModel, type CheckpointModelSpec, type RankShard } from './checkpoint-models';
import { DEFAULT_IO_SIZE } from './io-worker';
import { formatBytes } from './progress';
import { notComparableReasons, parsePositiveInt, parseScale, SCALE_DESCRIPTION } from './scale';

/** Options of the checkpointing engine (the CLI flags, camelCase). */
export interface CheckpointingEngineOptions {
  /** `llama3-8b`, `llama3-70b`, `llama3-405b` or `llama3-1t`. */
  model: string;
  /** `--num-processes`: ranks, one worker thread each (default: the model's minimum, 8). */
  numProcesses?: number;
  /** `--checkpoint-folder`: checkpoints go to `<folder>/<model>/checkpoint_<i>/`. */
  checkpointFolder?: string;
  /** `--num-checkpoints-write` / `-ncw` (default 10; 0 reads checkpoints already in the folder). */
  numCheckpointsWrite?: number;
  /** `--num-checkpoints-read` / `-ncr` (default 10; at most -ncw unless -ncw is 0). */
  numCheckpointsRead?: number;
  /** `--scale` in (0, 1] (default 1): see ./scale. */
  scale?: number;
  /** `--drop-caches`: sync and drop the page cache between the write and read phases (root only). */
  dropCaches?: boolean;
  /** Bytes per write/read system call (default 1 MiB). */
  ioSizeBytes?: number;
}

/** The resolved configuration of a checkpointing workload. */
export interface CheckpointingConfig {
  model: CheckpointModelSpec;
  modelName: string;
  numProcesses: number;
  checkpointFolder: string | null;
  /** `<checkpointFolder>/<model>`. */
  modelFolder: string | null;
  numCheckpointsWrite: number;
  numCheckpointsRead: number;
  scale: number;
  dropCaches: boolean;
  ioSizeBytes: number;
  shards: RankShard[];
  checkpointBytes: number;
  comparable: boolean;
  notComparableReasons: string[];
}

/** Validates `options` and returns the effective configuration. Throws {@link MlpsError}. */
export function resolveCheckpointingConfig(options: CheckpointingEngineOptions): CheckpointingConfig {
  const model = getCheckpointModel(options.model);
  const numProcesses = parsePositiveInt(options.numProcesses ?? model.minProcesses, '--num-processes', { max: 4096 });
  const ncw = parsePositiveInt(options.numCheckpointsWrite ?? 10, '--num-checkpoints-write (-ncw)', { min: 0, max: 100_000 });
  const ncr = parsePositiveInt(options.numCheckpointsRead ?? 10, '--num-checkpoints-read (-ncr)', { min: 0, max: 100_000 });
  if (ncw === 0 && ncr === 0) throw new MlpsError('INVALID_ARGUMENT', '-ncw and -ncr are both 0: nothing to do');
  if (ncw > 0 && ncr > ncw) {
    throw new MlpsError('INVALID_ARGUMENT', `-ncr (${ncr}) cannot exceed -ncw (${ncw}); use -ncw 0 to read checkpoints already written`);
  }
  const scale = parseScale(options.scale);
  const ioSizeBytes = parsePositiveInt(options.ioSizeBytes ?? DEFAULT_IO_SIZE, 'io size', { min: 4096, max: 256 * 1024 * 1024 });
  let checkpointFolder: string | null = null;
  if (options.checkpointFolder !== undefined && options.checkpointFolder !== null) {
    if (typeof options.checkpointFolder !== 'string' || options.checkpointFolder.trim() === '') {
      throw new MlpsError('INVALID_ARGUMENT', '--checkpoint-folder must be a directory path');
    }
    checkpointFolder = resolve(options.checkpointFolder);
  }
  const shards = computeRankShards(model, numProcesses, scale);
  const extra: string[] = [];
  if (numProcesses !== model.closedProcesses) extra.push(`${numProcesses} processes (closed: ${model.closedProcesses})`);
  if (ncw !== 10 || ncr !== 10) extra.push(`${ncw} checkpoints written, ${ncr} read (closed: 10 and 10)`);
  const reasons = notComparableReasons({ scale, extra });
  return {
    model,
    modelName: model.name,
    numProcesses,
    checkpointFolder,
    modelFolder: checkpointFolder === null ? null : join(checkpointFolder, model.name),
    numCheckpointsWrite: ncw,
    numCheckpointsRead: ncr,
    scale,
    dropCaches: options.dropCaches === true,
    ioSizeBytes,
    shards,
    checkpointBytes: shards.reduce((a, s) => a + s.totalBytes, 0),
    comparable: reasons.length === 0,
    notComparableReasons: reasons,
  };
}

/** Folder of checkpoint `index`. */
export function checkpointDir(modelFolder: string, index: number): string {
  return join(modelFolder, `checkpoint_${index}`);
}

/** The shard files of `shard` in checkpoint `index`, with their sizes (a rank without model bytes has no model file). */
export function shardFiles(modelFolder: string, index: number, shard: RankShard): Array<{ path: string; bytes: number }> {
  const dir = checkpointDir(modelFolder, index);
  const files: Array<{ path: string; bytes: number }> = [];
  if (shard.modelBytes > 0) files.push({ path: join(dir, `rank_${shard.rank}_model.pt`), bytes: shard.modelBytes });
  if (shard.optimizerBytes > 0) files.push({ path: join(dir, `rank_${shard.rank}_optimizer.pt`), bytes: shard.optimizerBytes });
  return files;
}

/** The configuration as stored in results and printed (snake_case, JSON-serialisable). */
export function describeCheckpointingConfig(c: CheckpointingConfig): Record<string, unknown> {
  return {
    engine: 'builtin',
    workload: 'checkpointing',
    model: c.modelName,
    num_processes: c.numProcesses,
    checkpoint_folder: c.checkpointFolder,
    model_folder: c.modelFolder,
    num_checkpoints_write: c.numCheckpointsWrite,
    num_checkpoints_read: c.numCheckpointsRead,
    parallelism: c.model.parallelism,
    model_gb: c.model.modelGB,
    optimizer_gb: c.model.optimizerGB,
    checkpoint_bytes: c.checkpointBytes,
    fsync: true,
    drop_caches: c.dropCaches,
    io_size_bytes: c.ioSizeBytes,
    scale: c.scale,
    scale_effect: SCALE_DESCRIPTION.checkpointing,
    comparable: c.comparable,
    not_comparable_reasons: c.notComparableReasons,
  };
}

/** Result of checkpointing `datasize` (snake_case, JSON-serialisable). */
export interface CheckpointDatasizeResult {
  model: string;
  num_processes: number;
  scale: number;
  ranks: Array<{ rank: number; model_bytes: number; optimizer_bytes: number; total_bytes: number }>;
  checkpoint_bytes: number;
  num_checkpoints_write: number;
  /** Bytes on disk after the write phase (every checkpoint is kept). */
  total_bytes_written: number;
}

/** Bytes per rank and in total for `config`. */
export function computeCheckpointSizes(c: CheckpointingConfig): CheckpointDatasizeResult {
  return {
    model: c.modelName,
    num_processes: c.numProcesses,
    scale: c.scale,
    ranks: c.shards.map((s) => ({ rank: s.rank, model_bytes: s.modelBytes, optimizer_bytes: s.optimizerBytes, total_bytes: s.totalBytes })),
    checkpoint_bytes: c.checkpointBytes,
    num_checkpoints_write: c.numCheckpointsWrite,
    total_bytes_written: c.checkpointBytes * c.numCheckpointsWrite,
  };
}

/** Printable checkpointing `datasize`: one line per rank (runs of equal ranks folded) and the totals. */
export function formatCheckpointDatasize(r: CheckpointDatasizeResult): string {
  const lines = [`model: ${r.model}, ${r.num_processes} process(es)${r.scale !== 1 ? `, scale ${r.scale} (not comparable)` : ''}`, 'bytes per rank per checkpoint:'];
  let i = 0;
  while (i < r.ranks.length) {
    const first = r.ranks[i] as CheckpointDatasizeResult['ranks'][number];
    let j = i;
    while (j + 1 < r.ranks.length && r.ranks[j + 1]?.total_bytes === first.total_bytes && r.ranks[j + 1]?.model_bytes === first.model_bytes) j++;
    const label = i === j ? `Rank ${i}` : `Ranks ${i}-${j}`;
    lines.push(`  ${label}: ${first.total_bytes} bytes (${formatBytes(first.total_bytes)}; model ${formatBytes(first.model_bytes)}, optimizer ${formatBytes(first.optimizer_bytes)})`);
    i = j + 1;
  }
  lines.push(`Total per checkpoint: ${r.checkpoint_bytes} bytes (${formatBytes(r.checkpoint_bytes)})`);
  lines.push(`Total for ${r.num_checkpoints_write} checkpoint(s) written: ${r.total_bytes_written} bytes (${formatBytes(r.total_bytes_written)})`);
  return lines.join('\n');
}
