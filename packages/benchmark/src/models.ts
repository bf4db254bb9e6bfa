/** Names `mlpstorage` accepts, so mlps accepts the same (and rejects the rest with exit code 2). */

/** Training workloads (`--model`). */
export const TRAINING_MODELS = ['cosmoflow', 'resnet50', 'unet3d'] as const;
/** Simulated accelerators (`--accelerator-type`). */
export const ACCELERATORS = ['h100', 'a100'] as const;
/** Checkpointing LLMs (`--model`). */
export const LLM_MODELS = ['llama3-8b', 'llama3-70b', 'llama3-405b', 'llama3-1t'] as const;
/** KV-cache models (`--model`). */
export const KVCACHE_MODELS = ['tiny-1b', 'mistral-7b', 'llama2-7b', 'llama3.1-8b', 'llama3.1-70b-instruct'] as const;
/** MPI launchers (`--mpi-bin`). */
export const MPI_BINS = ['mpirun', 'mpiexec'] as const;

export type TrainingModel = (typeof TRAINING_MODELS)[number];
export type Accelerator = (typeof ACCELERATORS)[number];
export type LlmModel = (typeof LLM_MODELS)[number];
export type KvCacheModel = (typeof KVCACHE_MODELS)[number];

/**
 * Per-sample size, samples per file and per-accelerator batch size of the training workloads, from the DLIO
 * workload configurations `mlpstorage` ships (used by `training datasize`).
 */
export const TRAINING_WORKLOADS: Record<TrainingModel, { recordBytes: number; samplesPerFile: number; batchSize: Record<Accelerator, number> }> = {
  unet3d: { recordBytes: 146_600_628, samplesPerFile: 1, batchSize: { h100: 7, a100: 7 } },
  resnet50: { recordBytes: 114_660, samplesPerFile: 1251, batchSize: { h100: 400, a100: 400 } },
  cosmoflow: { recordBytes: 2_828_486, samplesPerFile: 1, batchSize: { h100: 1, a100: 1 } },
};

/** Checkpoint size per model: (model GB, optimizer GB), as `mlpstorage`'s LLM_SIZE_BY_RANK. */
export const LLM_CHECKPOINT_GB: Record<LlmModel, { model: number; optimizer: number }> = {
  'llama3-8b': { model: 15, optimizer: 90 },
  'llama3-70b': { model: 130, optimizer: 781 },
  'llama3-405b': { model: 755, optimizer: 4533 },
  'llama3-1t': { model: 2571, optimizer: 15426 },
};

/** KV-cache bytes per token (layers × KV heads × head dim × 2 (K and V) × 2 bytes fp16). */
export const KVCACHE_BYTES_PER_TOKEN: Record<KvCacheModel, number> = {
  'tiny-1b': 16 * 8 * 64 * 2 * 2,
  'mistral-7b': 32 * 8 * 128 * 2 * 2,
  'llama2-7b': 32 * 32 * 128 * 2 * 2,
  'llama3.1-8b': 32 * 8 * 128 * 2 * 2,
  'llama3.1-70b-instruct': 80 * 8 * 128 * 2 * 2,
};

/** Steps per epoch and the dataset-to-memory ratio of the training rules. */
export const STEPS_PER_EPOCH = 500;
export const MEMORY_MULTIPLIER = 5;
