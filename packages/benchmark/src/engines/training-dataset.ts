/**
 * The on-disk dataset of a training workload: its file names, record sizes and its manifest
 * (`mlps_dataset.json`), which says whether datagen finished. A run refuses an unfinished dataset instead
 * of reading whatever half of it exists.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MlpsError } from '@mlps/timeseries';
import { ENGINE_ERROR_CODES, fsError } from './engine-errors';
import { SeededRandom } from './random';
import type { TrainingConfig } from './training-config';

/** File name of the dataset manifest, in the dataset folder. */
export const DATASET_MANIFEST_NAME = 'mlps_dataset.json';
/** Version of the record-size generator; a manifest from another version is regenerated, never misread. */
export const RECORD_SIZE_GENERATOR = 'normal-clamped-v1';

/** The manifest datagen writes (snake_case: it is an on-disk record). */
export interface DatasetManifest {
  format: 'mlps-training-dataset';
  format_version: 1;
  /** False until every file is written and fsynced. */
  complete: boolean;
  model: string;
  num_files: number;
  samples_per_file: number;
  record_bytes_mean: number;
  record_bytes_stdev: number;
  record_size_generator: string;
  seed: number;
  scale: number;
  total_bytes: number;
  /** Files finished (fsynced and renamed into place). */
  files_written: number;
  /** `train/img_{i}_of_{n}.<ext>`, i from 1. */
  file_name_pattern: string;
  created_at: string;
  completed_at: string | null;
  /** Why datagen stopped, when it did not finish. */
  error?: { code: string; message: string };
}

/** The prefix of dataset file names (as DLIO's `img_`). */
export const DATASET_FILE_PREFIX = 'img_';

/** Path of file `index` (0-based) of a dataset of `numFiles` files. */
export function datasetFilePath(trainFolder: string, index: number, numFiles: number, ext: string): string {
  return join(trainFolder, `${DATASET_FILE_PREFIX}${index + 1}_of_${numFiles}.${ext}`);
}

/**
 * Bytes of one record in each file: the model's mean, or, with a standard deviation, a normal draw
 * clamped to [max(mean/16, mean − 3σ), mean + 3σ] (records cannot be negative; the tails are rare), all
 * from `seed`, so datagen and run agree without storing a size per file.
 */
export function generateRecordSizes(input: { numFiles: number; recordBytes: number; recordBytesStdev: number; seed: number }): Float64Array {
  const sizes = new Float64Array(input.numFiles);
  const mean = input.recordBytes;
  const sd = input.recordBytesStdev;
  if (sd <= 0) {
    sizes.fill(mean);
    return sizes;
  }
  const lo = Math.max(mean / 16, mean - 3 * sd);
  const hi = mean + 3 * sd;
  const random = new SeededRandom(input.seed);
  for (let i = 0; i < sizes.length; i++) {
    sizes[i] = Math.round(Math.min(hi, Math.max(lo, mean + sd * random.nextNormal())));
  }
  return sizes;
}

/** Total bytes of a dataset with `sizes` records and `samplesPerFile` records per file. */
export function datasetBytes(sizes: Float64Array, samplesPerFile: number): number {
  let total = 0;
  for (let i = 0; i < sizes.length; i++) total += (sizes[i] ?? 0) * samplesPerFile;
  return total;
}

/** A fresh manifest for `config` (complete: false). */
export function newManifest(config: TrainingConfig, totalBytes: number): DatasetManifest {
  return {
    format: 'mlps-training-dataset',
    format_version: 1,
    complete: false,
    model: config.modelName,
    num_files: config.numFiles,
    samples_per_file: config.samplesPerFile,
    record_bytes_mean: config.recordBytes,
    record_bytes_stdev: config.recordBytesStdev,
    record_size_generator: RECORD_SIZE_GENERATOR,
    seed: config.seed,
    scale: config.scale,
    total_bytes: totalBytes,
    files_written: 0,
    file_name_pattern: `train/${DATASET_FILE_PREFIX}{i}_of_${config.numFiles}.${config.model.format}`,
    created_at: new Date().toISOString(),
    completed_at: null,
  };
}

/**
 * Loads and checks the dataset a run will read. Errors: `DATA_DIR_NOT_FOUND` (no --data-dir folder),
 * `DATASET_NOT_FOUND` (no manifest: datagen never ran there), `DATASET_INCOMPLETE` (datagen did not
 * finish, or the manifest is for another model or generator).
 */
export async function loadDatasetManifest(config: TrainingConfig): Promise<{ manifest: DatasetManifest; sizes: Float64Array }> {
  if (config.dataDir === null || config.dataFolder === null) {
    throw new MlpsError('INVALID_ARGUMENT', '--data-dir is required');
  }
  try {
    const s = await stat(config.dataDir);
    if (!s.isDirectory()) throw new MlpsError(ENGINE_ERROR_CODES.dataDirNotFound, `--data-dir ${config.dataDir} is not a directory`);
  } catch (err) {
    if (err instanceof MlpsError) throw err;
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new MlpsError(ENGINE_ERROR_CODES.dataDirNotFound, `--data-dir ${config.dataDir} does not exist (create the dataset with: mlpstorage training datagen --model ${config.modelName} --data-dir ${config.dataDir})`);
    }
    throw fsError(err, 'cannot access --data-dir', config.dataDir);
  }
  const path = join(config.dataFolder, DATASET_MANIFEST_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new MlpsError(ENGINE_ERROR_CODES.datasetNotFound, `no ${config.modelName} dataset in ${config.dataFolder} (create it with: mlpstorage training datagen --model ${config.modelName} --data-dir ${config.dataDir})`);
    }
    throw fsError(err, 'cannot read dataset manifest', path);
  }
  let manifest: DatasetManifest;
  try {
    manifest = JSON.parse(text) as DatasetManifest;
  } catch {
    throw new MlpsError(ENGINE_ERROR_CODES.datasetIncomplete, `dataset manifest ${path} is not valid JSON; run datagen again`);
  }
  if (manifest?.format !== 'mlps-training-dataset' || manifest.model !== config.modelName) {
    throw new MlpsError(ENGINE_ERROR_CODES.datasetIncomplete, `${path} is not a ${config.modelName} dataset manifest; run datagen again`);
  }
  if (!manifest.complete) {
    throw new MlpsError(
      ENGINE_ERROR_CODES.datasetIncomplete,
      `the dataset in ${config.dataFolder} is incomplete (${manifest.files_written} of ${manifest.num_files} files written${manifest.error ? `: ${manifest.error.message}` : ''}); run datagen again`,
    );
  }
  if (manifest.record_size_generator !== RECORD_SIZE_GENERATOR || !Number.isInteger(manifest.num_files) || manifest.num_files < 1) {
    throw new MlpsError(ENGINE_ERROR_CODES.datasetIncomplete, `${path} was written by another version of mlps; run datagen again`);
  }
  const sizes = generateRecordSizes({
    numFiles: manifest.num_files,
    recordBytes: manifest.record_bytes_mean,
    recordBytesStdev: manifest.record_bytes_stdev,
    seed: manifest.seed,
  });
  if (datasetBytes(sizes, manifest.samples_per_file) !== manifest.total_bytes) {
    throw new MlpsError(ENGINE_ERROR_CODES.datasetIncomplete, `${path} does not match its record sizes; run datagen again`);
  }
  return { manifest, sizes };
}
