/**
 * Synchronous checks a benchmark runs in `validate()`, before its results directory exists or collection
 * starts: a missing data dir, a dataset datagen never finished, a read-only or full target fail here with
 * one line, and nothing is left behind. (The engines check the same again while running: things change.)
 */
import { accessSync, constants, readFileSync, statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MlpsError } from '@mlps/timeseries';
import type { CheckpointingConfig } from './checkpointing-config';
import { shardFiles } from './checkpointing-config';
import { ENGINE_ERROR_CODES, fsError } from './engine-errors';
import { makeDirectorySync } from './make-dir';
import { formatBytes } from './progress';
import type { TrainingConfig } from './training-config';
import { DATASET_MANIFEST_NAME, datasetBytes, generateRecordSizes, type DatasetManifest } from './training-dataset';

function freeBytesSync(path: string): number | null {
  try {
    const s = statfsSync(path);
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    return Number(isRoot ? s.bfree : s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

/** Creates `folder` if needed and checks it is writable (EACCES/EROFS → `PERMISSION_DENIED`). */
export function ensureWritableFolder(folder: string, what: string): void {
  try {
    makeDirectorySync(folder);
    accessSync(folder, constants.W_OK);
  } catch (err) {
    throw fsError(err, `cannot write the ${what}`, folder);
  }
}

/**
 * What to try when the dataset does not fit. A smaller `--scale` helps unless the dataset is already at
 * its floor of one batch per accelerator (`--scale 0.000001` of unet3d still needs 7 files, ~1 GB).
 */
export function datasetNoSpaceAdvice(config: TrainingConfig): string {
  if (!config.atMinimumFiles) return 'use a smaller --scale or another --data-dir';
  return (
    `${config.numFiles} files is already the minimum for ${config.numAccelerators} accelerator(s), one batch of ${config.batchSize} samples each, ` +
    `so a smaller --scale changes nothing: use fewer --num-accelerators or another --data-dir`
  );
}

/** Before `training datagen`: the folder is writable and has room for the dataset. */
export function preflightTrainingDatagen(config: TrainingConfig): void {
  if (config.trainFolder === null) throw new MlpsError('INVALID_ARGUMENT', '--data-dir is required for datagen');
  ensureWritableFolder(config.trainFolder, 'dataset folder');
  const needed = datasetBytes(generateRecordSizes(config), config.samplesPerFile);
  const free = freeBytesSync(config.trainFolder);
  if (free !== null && free < needed) {
    throw new MlpsError(
      ENGINE_ERROR_CODES.noSpace,
      `no space for the dataset: it needs ${formatBytes(needed)}, ${formatBytes(free)} free on ${config.trainFolder} (${datasetNoSpaceAdvice(config)})`,
    );
  }
}

/** Before `training run`: the data dir exists and holds a complete dataset big enough for the accelerators. */
export function preflightTrainingRun(config: TrainingConfig): DatasetManifest {
  if (config.dataDir === null || config.dataFolder === null) throw new MlpsError('INVALID_ARGUMENT', '--data-dir is required');
  const datagen = `mlpstorage training datagen --model ${config.modelName} --data-dir ${config.dataDir}`;
  try {
    if (!statSync(config.dataDir).isDirectory()) {
      throw new MlpsError(ENGINE_ERROR_CODES.dataDirNotFound, `--data-dir ${config.dataDir} is not a directory`);
    }
  } catch (err) {
    if (err instanceof MlpsError) throw err;
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new MlpsError(ENGINE_ERROR_CODES.dataDirNotFound, `--data-dir ${config.dataDir} does not exist (create the dataset with: ${datagen})`);
    }
    throw fsError(err, 'cannot access --data-dir', config.dataDir);
  }
  const path = join(config.dataFolder, DATASET_MANIFEST_NAME);
  let manifest: DatasetManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as DatasetManifest;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new MlpsError(ENGINE_ERROR_CODES.datasetNotFound, `no ${config.modelName} dataset in ${config.dataFolder} (create it with: ${datagen})`);
    }
    if (err instanceof SyntaxError) throw new MlpsError(ENGINE_ERROR_CODES.datasetIncomplete, `dataset manifest ${path} is not valid JSON; run datagen again`);
    throw fsError(err, 'cannot read dataset manifest', path);
  }
  if (manifest?.model !== config.modelName) {
    throw new MlpsError(ENGINE_ERROR_CODES.datasetIncomplete, `${path} is not a ${config.modelName} dataset manifest; run datagen again`);
  }
  if (!manifest.complete) {
    throw new MlpsError(
      ENGINE_ERROR_CODES.datasetIncomplete,
      `the dataset in ${config.dataFolder} is incomplete (${manifest.files_written} of ${manifest.num_files} files written${manifest.error ? `: ${manifest.error.message}` : ''}); run datagen again`,
    );
  }
  // An explicit --scale that is not the dataset's would run at the dataset's scale while the results say
  // both: refuse, naming the two ways out.
  if (config.scaleGiven !== null && typeof manifest.scale === 'number' && manifest.scale !== config.scaleGiven) {
    throw new MlpsError(
      'INVALID_ARGUMENT',
      `--scale ${config.scaleGiven} but the dataset in ${config.dataFolder} was made with --scale ${manifest.scale} (${manifest.num_files} files); ` +
        `run with --scale ${manifest.scale}, or make the dataset again with: ${datagen} --scale ${config.scaleGiven}`,
    );
  }
  const samples = manifest.num_files * manifest.samples_per_file;
  if (samples < config.numAccelerators * config.batchSize) {
    throw new MlpsError(
      'INVALID_ARGUMENT',
      `the dataset has ${samples} samples, fewer than one batch (${config.batchSize}) for each of ${config.numAccelerators} accelerators; run datagen with --num-accelerators ${config.numAccelerators} or a larger --scale`,
    );
  }
  return manifest;
}

/** Before `checkpointing run`: the folder is writable with room for -ncw checkpoints, or (-ncw 0) holds them. */
export function preflightCheckpointing(config: CheckpointingConfig): void {
  if (config.modelFolder === null) throw new MlpsError('INVALID_ARGUMENT', '--checkpoint-folder is required');
  if (config.numCheckpointsWrite > 0) {
    ensureWritableFolder(config.modelFolder, 'checkpoint folder');
    const needed = config.checkpointBytes * config.numCheckpointsWrite;
    const free = freeBytesSync(config.modelFolder);
    if (free !== null && free < needed) {
      throw new MlpsError(
        ENGINE_ERROR_CODES.noSpace,
        `no space for the checkpoints: ${config.numCheckpointsWrite} × ${formatBytes(config.checkpointBytes)} = ${formatBytes(needed)} needed, ${formatBytes(free)} free on ${config.modelFolder} (use a smaller --scale, fewer -ncw or another --checkpoint-folder)`,
      );
    }
    return;
  }
  for (let i = 0; i < config.numCheckpointsRead; i++) {
    for (const shard of config.shards) {
      for (const f of shardFiles(config.modelFolder, i, shard)) {
        let size: number;
        try {
          size = statSync(f.path).size;
        } catch {
          throw new MlpsError('CHECKPOINT_INCOMPLETE', `no checkpoint to read: ${f.path} is missing (write checkpoints first with -ncw > 0, same --num-processes and --scale)`);
        }
        if (size !== f.bytes) {
          throw new MlpsError('CHECKPOINT_INCOMPLETE', `${f.path} is ${size} bytes, expected ${f.bytes} (written with other --num-processes/--scale?)`);
        }
      }
    }
  }
}
