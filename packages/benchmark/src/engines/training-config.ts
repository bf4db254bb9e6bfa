/**
 * The effective configuration of a training workload: the model's published parameters, the user's
 * options, and what scaling changed. `configview` prints it; datagen and run work from it.
 */
import { basename, join, resolve } from 'node:path';
import { MlpsError } from '@mlps/timeseries';
import { DEFAULT_IO_SIZE } from './io-worker';
import { notComparableReasons, parsePositiveInt, parseScale, SCALE_DESCRIPTION } from './scale';
import {
  getTrainingModel,
  parseAcceleratorType,
  type AcceleratorType,
  type TrainingModelName,
  type TrainingModelSpec,
} from './training-models';

/** Options of the training engine (the CLI flags, camelCase). */
export interface TrainingEngineOptions {
  /** `unet3d`, `resnet50` or `cosmoflow`. */
  model: string;
  /** `--data-dir`: the dataset lives in `<dataDir>/<model>/` (or in `dataDir` itself when it ends with the model name). */
  dataDir?: string;
  /** `--num-accelerators` (default 1). */
  numAccelerators?: number;
  /** `--accelerator-type` h100|a100 (default h100). */
  acceleratorType?: string;
  /** `--scale` in (0, 1] (default 1): see ./scale. */
  scale?: number;
  /** Epochs to run (default: the model's, 5). Changing it makes the run not comparable. */
  epochs?: number;
  /** Explicit file count (DLIO's `dataset.num_files_train`), instead of the model's count × scale. */
  numFiles?: number;
  /** Reader threads per accelerator (default: the model's). */
  readThreads?: number;
  /** Batches each reader may have queued ahead of the accelerator (default 2, as PyTorch's prefetch_factor). */
  prefetchPerReader?: number;
  /** Seed of record sizes and of the per-epoch shuffles (default 42). */
  seed?: number;
  /** Bytes per read/write system call (default 1 MiB). */
  ioSizeBytes?: number;
  /** Threads writing the dataset in datagen (default 4). */
  datagenThreads?: number;
}

/** The resolved configuration of a training workload. */
export interface TrainingConfig {
  model: TrainingModelSpec;
  modelName: TrainingModelName;
  /** Absolute `--data-dir` as given (null when not given: datasize and configview do not need it). */
  dataDir: string | null;
  /** Where the dataset lives: `<dataDir>/<model>`. */
  dataFolder: string | null;
  /** Where its files are: `<dataFolder>/train`. */
  trainFolder: string | null;
  numAccelerators: number;
  acceleratorType: AcceleratorType;
  computationTimeSeconds: number;
  batchSize: number;
  readThreads: number;
  prefetchPerReader: number;
  samplesPerFile: number;
  recordBytes: number;
  recordBytesStdev: number;
  numFiles: number;
  /** Files for one batch per accelerator: the smallest dataset a run can use, whatever `--scale` says. */
  minimumFiles: number;
  /**
   * True when `--scale` asked for fewer files than {@link minimumFiles} and the count was raised to it:
   * a smaller `--scale` then changes nothing (fewer `--num-accelerators` does).
   */
  atMinimumFiles: boolean;
  epochs: number;
  scale: number;
  /** `--scale` as the user gave it; null when not given (then 1, or a dataset's own scale for `run`). */
  scaleGiven: number | null;
  seed: number;
  ioSizeBytes: number;
  datagenThreads: number;
  auThreshold: number;
  comparable: boolean;
  notComparableReasons: string[];
}

/** Validates `options` against the model and returns the effective configuration. Throws {@link MlpsError}. */
export function resolveTrainingConfig(options: TrainingEngineOptions): TrainingConfig {
  const model = getTrainingModel(options.model);
  const numAccelerators = parsePositiveInt(options.numAccelerators ?? 1, '--num-accelerators', { max: 4096 });
  const acceleratorType = parseAcceleratorType(options.acceleratorType ?? 'h100');
  const scale = parseScale(options.scale);
  const epochs = parsePositiveInt(options.epochs ?? model.epochs, 'epochs', { max: 10_000 });
  const readThreads = parsePositiveInt(options.readThreads ?? model.readThreads, 'read threads', { max: 256 });
  const prefetchPerReader = parsePositiveInt(options.prefetchPerReader ?? 2, 'prefetch per reader', { max: 64 });
  const seed = options.seed ?? 42;
  if (!Number.isInteger(seed)) throw new MlpsError('INVALID_ARGUMENT', `seed must be an integer (got '${String(seed)}')`);
  const ioSizeBytes = parsePositiveInt(options.ioSizeBytes ?? DEFAULT_IO_SIZE, 'io size', { min: 4096, max: 256 * 1024 * 1024 });
  const datagenThreads = parsePositiveInt(options.datagenThreads ?? 4, 'datagen threads', { max: 256 });
  const minFiles = Math.ceil((numAccelerators * model.batchSize) / model.samplesPerFile);
  const scaledFiles = Math.ceil(model.numFiles * scale);
  const numFiles =
    options.numFiles !== undefined
      ? parsePositiveInt(options.numFiles, 'number of files', { max: 100_000_000 })
      : Math.max(scaledFiles, minFiles);

  let dataDir: string | null = null;
  let dataFolder: string | null = null;
  if (options.dataDir !== undefined && options.dataDir !== null) {
    if (typeof options.dataDir !== 'string' || options.dataDir.trim() === '') {
      throw new MlpsError('INVALID_ARGUMENT', '--data-dir must be a directory path');
    }
    dataDir = resolve(options.dataDir);
    // As mlpstorage: the model gets its own folder unless --data-dir already names it.
    dataFolder = basename(dataDir) === model.name ? dataDir : join(dataDir, model.name);
  }

  const extra: string[] = [];
  if (epochs !== model.epochs) extra.push(`${epochs} epochs instead of ${model.epochs}`);
  if (options.numFiles !== undefined && scale === 1 && numFiles !== model.numFiles) {
    extra.push(`${numFiles} files instead of ${model.numFiles}`);
  }
  const reasons = notComparableReasons({ scale, extra });
  return {
    model,
    modelName: model.name,
    dataDir,
    dataFolder,
    trainFolder: dataFolder === null ? null : join(dataFolder, 'train'),
    numAccelerators,
    acceleratorType,
    computationTimeSeconds: model.computationTimeSeconds[acceleratorType],
    batchSize: model.batchSize,
    readThreads,
    prefetchPerReader,
    samplesPerFile: model.samplesPerFile,
    recordBytes: model.recordBytes,
    recordBytesStdev: model.recordBytesStdev,
    numFiles,
    minimumFiles: minFiles,
    atMinimumFiles: options.numFiles === undefined && scaledFiles < minFiles,
    epochs,
    scale,
    scaleGiven: options.scale === undefined ? null : scale,
    seed,
    ioSizeBytes,
    datagenThreads,
    auThreshold: model.auThreshold,
    comparable: reasons.length === 0,
    notComparableReasons: reasons,
  };
}

/** The configuration as printed by `configview` and stored in results (snake_case, JSON-serialisable). */
export function describeTrainingConfig(config: TrainingConfig): Record<string, unknown> {
  return {
    engine: 'builtin',
    workload: 'training',
    model: config.modelName,
    format: config.model.format,
    data_dir: config.dataDir,
    data_folder: config.dataFolder,
    num_accelerators: config.numAccelerators,
    accelerator_type: config.acceleratorType,
    computation_time_seconds: config.computationTimeSeconds,
    batch_size: config.batchSize,
    read_threads: config.readThreads,
    prefetch_batches_per_reader: config.prefetchPerReader,
    num_files: config.numFiles,
    samples_per_file: config.samplesPerFile,
    record_bytes_mean: config.recordBytes,
    record_bytes_stdev: config.recordBytesStdev,
    dataset_bytes_estimate: config.numFiles * config.samplesPerFile * config.recordBytes,
    epochs: config.epochs,
    au_threshold: config.auThreshold,
    seed: config.seed,
    io_size_bytes: config.ioSizeBytes,
    scale: config.scale,
    scale_effect: SCALE_DESCRIPTION.training,
    comparable: config.comparable,
    not_comparable_reasons: config.notComparableReasons,
  };
}

/** `configview` as text: one `key: value` line each. */
export function formatTrainingConfig(config: TrainingConfig): string {
  const lines = Object.entries(describeTrainingConfig(config)).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join('; ') || '-' : String(v)}`);
  return lines.join('\n');
}
