/**
 * The training workloads of MLPerf Storage (WORKLOADS.md): what one sample is, how many a file holds, how
 * an accelerator batches and reads them, and how long it "computes" per batch.
 */
import { MlpsError } from '@mlps/timeseries';
import { ENGINE_ERROR_CODES } from './engine-errors';

/** The training models the built-in engine knows. */
export const TRAINING_MODEL_NAMES = ['unet3d', 'resnet50', 'cosmoflow'] as const;
/** One of {@link TRAINING_MODEL_NAMES}. */
export type TrainingModelName = (typeof TRAINING_MODEL_NAMES)[number];

/** The simulated accelerators (their `computation_time` per batch differs). */
export const ACCELERATOR_TYPES = ['h100', 'a100'] as const;
/** One of {@link ACCELERATOR_TYPES}. */
export type AcceleratorType = (typeof ACCELERATOR_TYPES)[number];

/** One training model's published workload parameters. */
export interface TrainingModelSpec {
  name: TrainingModelName;
  /** File format of the real dataset; the built-in engine writes random bytes under this extension. */
  format: 'npz' | 'tfrecord';
  /** Files of the published (unscaled) configuration. */
  numFiles: number;
  samplesPerFile: number;
  /** Mean bytes of one sample (record). */
  recordBytes: number;
  /** Standard deviation of the record size; 0 means every record has the mean size. */
  recordBytesStdev: number;
  batchSize: number;
  /** Reader threads per accelerator. */
  readThreads: number;
  /** Seconds an accelerator computes per batch. */
  computationTimeSeconds: Record<AcceleratorType, number>;
  /** Minimum accelerator utilisation (AU) for a passing run. */
  auThreshold: number;
  epochs: number;
}

/** The published parameters of each training model (WORKLOADS.md). */
export const TRAINING_MODEL_SPECS: Readonly<Record<TrainingModelName, TrainingModelSpec>> = {
  unet3d: {
    name: 'unet3d',
    format: 'npz',
    numFiles: 168,
    samplesPerFile: 1,
    recordBytes: 146_600_628,
    recordBytesStdev: 68_341_808,
    batchSize: 7,
    readThreads: 4,
    computationTimeSeconds: { h100: 0.323, a100: 0.636 },
    auThreshold: 0.9,
    epochs: 5,
  },
  resnet50: {
    name: 'resnet50',
    format: 'tfrecord',
    numFiles: 1024,
    samplesPerFile: 1251,
    recordBytes: 114_660,
    recordBytesStdev: 0,
    batchSize: 400,
    readThreads: 8,
    computationTimeSeconds: { h100: 0.224, a100: 0.435 },
    auThreshold: 0.9,
    epochs: 5,
  },
  cosmoflow: {
    name: 'cosmoflow',
    format: 'tfrecord',
    numFiles: 524_288,
    samplesPerFile: 1,
    recordBytes: 2_828_486,
    recordBytesStdev: 71_311,
    batchSize: 1,
    readThreads: 4,
    computationTimeSeconds: { h100: 0.0035, a100: 0.00551 },
    auThreshold: 0.7,
    epochs: 5,
  },
};

/** The spec of `name`; an unknown name is an `UNKNOWN_MODEL` error listing the known ones. */
export function getTrainingModel(name: unknown): TrainingModelSpec {
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(TRAINING_MODEL_SPECS, name)) {
    return TRAINING_MODEL_SPECS[name as TrainingModelName];
  }
  throw new MlpsError(
    ENGINE_ERROR_CODES.unknownModel,
    `unknown training model '${String(name)}' (expected one of: ${TRAINING_MODEL_NAMES.join(', ')})`,
  );
}

/** Validates an accelerator type; anything else is an `INVALID_ARGUMENT` error. */
export function parseAcceleratorType(value: unknown): AcceleratorType {
  if (typeof value === 'string' && (ACCELERATOR_TYPES as readonly string[]).includes(value)) return value as AcceleratorType;
  throw new MlpsError(
    'INVALID_ARGUMENT',
    `--accelerator-type must be one of ${ACCELERATOR_TYPES.join(', ')} (got '${String(value)}')`,
  );
}
