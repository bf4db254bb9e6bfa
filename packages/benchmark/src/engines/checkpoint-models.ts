/**
 * The checkpointing workloads of MLPerf Storage (WORKLOADS.md) and how one checkpoint is split into the
 * shards each rank writes.
 */
import { MlpsError } from '@mlps/timeseries';
import { ENGINE_ERROR_CODES } from './engine-errors';

/** The checkpointing models the built-in engine knows. */
export const CHECKPOINT_MODEL_NAMES = ['llama3-8b', 'llama3-70b', 'llama3-405b', 'llama3-1t'] as const;
/** One of {@link CHECKPOINT_MODEL_NAMES}. */
export type CheckpointModelName = (typeof CHECKPOINT_MODEL_NAMES)[number];

/** Bytes in the "GB" of the published checkpoint sizes: they are binary (8.03e9 params × 2 B = 14.96 GiB ≈ 15). */
export const CHECKPOINT_GB = 1024 ** 3;

/** One LLM's published checkpoint parameters. */
export interface CheckpointModelSpec {
  name: CheckpointModelName;
  layers: number;
  hidden: number;
  ffnHidden: number;
  heads: number;
  kvHeads: number;
  parallelism: { tensor: number; pipeline: number; zeroStage: 1 | 3 };
  /** Model weights in fp16, GiB. */
  modelGB: number;
  /** Optimizer state in fp32, GiB. */
  optimizerGB: number;
  minProcesses: number;
  closedProcesses: number;
}

/** The published parameters of each LLM (WORKLOADS.md). */
export const CHECKPOINT_MODEL_SPECS: Readonly<Record<CheckpointModelName, CheckpointModelSpec>> = {
  'llama3-8b': {
    name: 'llama3-8b', layers: 32, hidden: 4096, ffnHidden: 14336, heads: 32, kvHeads: 8,
    parallelism: { tensor: 1, pipeline: 1, zeroStage: 3 }, modelGB: 15, optimizerGB: 90, minProcesses: 8, closedProcesses: 8,
  },
  'llama3-70b': {
    name: 'llama3-70b', layers: 80, hidden: 8192, ffnHidden: 28672, heads: 128, kvHeads: 8,
    parallelism: { tensor: 8, pipeline: 1, zeroStage: 3 }, modelGB: 130, optimizerGB: 781, minProcesses: 8, closedProcesses: 64,
  },
  'llama3-405b': {
    name: 'llama3-405b', layers: 126, hidden: 16384, ffnHidden: 53248, heads: 128, kvHeads: 8,
    parallelism: { tensor: 8, pipeline: 32, zeroStage: 1 }, modelGB: 755, optimizerGB: 4533, minProcesses: 8, closedProcesses: 512,
  },
  'llama3-1t': {
    name: 'llama3-1t', layers: 128, hidden: 25872, ffnHidden: 98304, heads: 192, kvHeads: 32,
    parallelism: { tensor: 8, pipeline: 64, zeroStage: 1 }, modelGB: 2571, optimizerGB: 15426, minProcesses: 8, closedProcesses: 1024,
  },
};

/** The spec of `name` (`llama3-8b`, or the short `8b`); anything else is an `UNKNOWN_MODEL` error. */
export function getCheckpointModel(name: unknown): CheckpointModelSpec {
  if (typeof name === 'string') {
    const full = name.startsWith('llama3-') ? name : `llama3-${name}`;
    if (Object.prototype.hasOwnProperty.call(CHECKPOINT_MODEL_SPECS, full)) return CHECKPOINT_MODEL_SPECS[full as CheckpointModelName];
  }
  throw new MlpsError(
    ENGINE_ERROR_CODES.unknownModel,
    `unknown checkpointing model '${String(name)}' (expected one of: ${CHECKPOINT_MODEL_NAMES.join(', ')})`,
  );
}

/** The bytes one rank writes (and reads back) of one checkpoint. */
export interface RankShard {
  rank: number;
  /** Bytes of model weights in this rank's shard (0 for ranks outside the first data-parallel replica at ZeRO-1). */
  modelBytes: number;
  optimizerBytes: number;
  totalBytes: number;
}

/**
 * Splits one checkpoint of `model` (scaled by `scale`) across `numProcesses` ranks, by the ZeRO stage:
 * - ZeRO-3: model and optimizer are sharded across all ranks.
 * - ZeRO-1: the optimizer is sharded across all ranks; the weights are replicated per data-parallel
 *   replica, so only the first replica (tensor × pipeline ranks, or all ranks when there are fewer) writes
 *   them.
 * The whole checkpoint is always written: the shards add up exactly to (model + optimizer) × scale bytes
 * (remainders go to the lowest ranks). Unlike DLIO's "subset" mode, a run with fewer ranks than the closed
 * count writes bigger shards, not a fraction of the checkpoint.
 */
export function computeRankShards(model: CheckpointModelSpec, numProcesses: number, scale = 1): RankShard[] {
  const modelTotal = Math.round(model.modelGB * CHECKPOINT_GB * scale);
  const optimizerTotal = Math.round(model.optimizerGB * CHECKPOINT_GB * scale);
  const modelWriters =
    model.parallelism.zeroStage === 3
      ? numProcesses
      : Math.min(numProcesses, model.parallelism.tensor * model.parallelism.pipeline);
  const shards: RankShard[] = [];
  for (let rank = 0; rank < numProcesses; rank++) {
    const modelBytes = rank < modelWriters ? splitEvenly(modelTotal, modelWriters, rank) : 0;
    const optimizerBytes = splitEvenly(optimizerTotal, numProcesses, rank);
    shards.push({ rank, modelBytes, optimizerBytes, totalBytes: modelBytes + optimizerBytes });
  }
  return shards;
}

function splitEvenly(total: number, parts: number, index: number): number {
  const base = Math.floor(total / parts);
  return base + (index < total - base * parts ? 1 : 0);
}
