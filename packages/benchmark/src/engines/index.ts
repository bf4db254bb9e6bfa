// `@mlps/benchmark/engines`: the built-in engines' public API (training, checkpointing: models, configs, runs).
export { TRAINING_MODEL_SPECS, TRAINING_MODEL_NAMES, ACCELERATOR_TYPES, getTrainingModel, parseAcceleratorType } from './training-models';
export type { TrainingModelName, TrainingModelSpec, AcceleratorType } from './training-models';
export { CHECKPOINT_MODEL_SPECS, CHECKPOINT_MODEL_NAMES, CHECKPOINT_GB, getCheckpointModel, computeRankShards } from './checkpoint-models';
export type { CheckpointModelName, CheckpointModelSpec, RankShard } from './checkpoint-models';
export { SCALE_DESCRIPTION, parseScale, parseEngineName } from './scale';
export { ENGINE_ERROR_CODES, WorkloadError, isWorkloadError, fsError } from './engine-errors';
export type { WorkloadFailureDetails } from './engine-errors';
export type { EngineProgress, ProgressCallback } from './progress';
export { formatBytes } from './progress';
export { resolveTrainingConfig, describeTrainingConfig, formatTrainingConfig } from './training-config';
export type { TrainingEngineOptions, TrainingConfig } from './training-config';
export { DATASET_MANIFEST_NAME, loadDatasetManifest, generateRecordSizes, datasetFilePath } from './training-dataset';
export type { DatasetManifest } from './training-dataset';
export { generateTrainingDataset } from './training-datagen';
export type { DatagenResult, DatagenRunOptions } from './training-datagen';
export { runTrainingWorkload } from './training-run';
export type { TrainingRunResult, TrainingRunOptions, EpochStats, AcceleratorStats } from './training-run';
export { computeTrainingDatasetSize, formatTrainingDatasize, HOST_MEMORY_GB } from './training-datasize';
export type { TrainingDatasizeOptions, TrainingDatasizeResult } from './training-datasize';
export { formatTrainingRunSummary, formatDatagenSummary } from './training-summary';
export {
  resolveCheckpointingConfig,
  describeCheckpointingConfig,
  computeCheckpointSizes,
  formatCheckpointDatasize,
  checkpointDir,
  shardFiles,
} from './checkpointing-config';
export type { CheckpointingEngineOptions, CheckpointingConfig, CheckpointDatasizeResult } from './checkpointing-config';
export { runCheckpointingWorkload } from './checkpointing-run';
export type { CheckpointingRunResult, CheckpointingRunOptions, CheckpointPhaseStats, PageCacheAssessment } from './checkpointing-run';
export { formatCheckpointingSummary } from './checkpointing-summary';
export { DEFAULT_IO_SIZE } from './io-worker';
export {
  BuiltinTrainingBenchmark,
  BuiltinCheckpointingBenchmark,
  CADENCE_P99_TARGET_MS,
  BUILTIN_TRAINING_PARAMS,
} from './builtin-benchmarks';
export type { BuiltinTrainingOptions, BuiltinCheckpointingOptions } from './builtin-benchmarks';
export { preflightTrainingRun, preflightTrainingDatagen, preflightCheckpointing } from './preflight';
export { makeDirectory, makeDirectorySync } from './make-dir';
