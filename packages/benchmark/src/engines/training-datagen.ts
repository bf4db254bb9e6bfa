/**
 * `training datagen`: writes the model's dataset (random content, the model's record sizes) with several
 * I/O threads, each file fsynced and renamed into place, and a manifest that says complete only at the end.
 */
import { rm, stat } from 'node:fs/promises';
import { makeDirectory } from './make-dir';
import { join } from 'node:path';
import { MlpsError } from '@mlps/timeseries';
import { writeJsonAtomic } from './atomic-json';
import { codeForErrno, describeErrno, ENGINE_ERROR_CODES, fsError, WorkloadError } from './engine-errors';
import { freeBytes } from './host-memory';
import { IoWorker } from './io-worker';
import { emitProgress, formatBytes, type ProgressCallback } from './progress';
import type { TrainingConfig } from './training-config';
import { datasetNoSpaceAdvice } from './preflight';
import {
  DATASET_MANIFEST_NAME,
  datasetBytes,
  datasetFilePath,
  generateRecordSizes,
  newManifest,
  type DatasetManifest,
} from './training-dataset';

/** Result of datagen (snake_case, JSON-serialisable). */
export interface DatagenResult {
  engine: 'builtin';
  workload: 'training';
  command: 'datagen';
  model: string;
  data_folder: string;
  manifest_path: string;
  num_files: number;
  files_written: number;
  total_bytes: number;
  bytes_written: number;
  duration_seconds: number;
  mb_per_second: number;
  scale: number;
  comparable: boolean;
  not_comparable_reasons: string[];
  complete: boolean;
}

/** Options of {@link generateTrainingDataset}. */
export interface DatagenRunOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Refuse to start when the file system has less free space than the dataset (default true). */
  checkFreeSpace?: boolean;
}

/** Writes the dataset of `config` under its data folder. Throws {@link MlpsError} / {@link WorkloadError}. */
export async function generateTrainingDataset(config: TrainingConfig, options: DatagenRunOptions = {}): Promise<DatagenResult> {
  if (config.dataFolder === null || config.trainFolder === null) throw new MlpsError('INVALID_ARGUMENT', '--data-dir is required');
  const trainFolder = config.trainFolder;
  const manifestPath = join(config.dataFolder, DATASET_MANIFEST_NAME);
  try {
    await makeDirectory(trainFolder);
  } catch (err) {
    throw fsError(err, 'cannot create the dataset folder', trainFolder);
  }
  try {
    // A stale "complete" manifest must not outlive the dataset it described.
    await rm(manifestPath, { force: true });
  } catch (err) {
    throw fsError(err, 'cannot replace the dataset manifest', manifestPath);
  }
  const sizes = generateRecordSizes(config);
  const totalBytes = datasetBytes(sizes, config.samplesPerFile);
  const ext = config.model.format;
  const fileBytes = (i: number): number => (sizes[i] ?? 0) * config.samplesPerFile;

  if (options.checkFreeSpace !== false) {
    const free = await freeBytes(trainFolder);
    if (free !== null && free < totalBytes) {
      const reusable = await existingBytes(trainFolder, config.numFiles, ext, free - totalBytes);
      if (free + reusable < totalBytes) {
        throw new MlpsError(
          ENGINE_ERROR_CODES.noSpace,
          `no space for the dataset: it needs ${formatBytes(totalBytes)}, ${formatBytes(free)} free on ${trainFolder} (${datasetNoSpaceAdvice(config)})`,
        );
      }
    }
  }

  const manifest: DatasetManifest = newManifest(config, totalBytes);
  try {
    await writeJsonAtomic(manifestPath, manifest);
  } catch (err) {
    throw fsError(err, 'cannot write the dataset manifest', manifestPath);
  }

  const started = performance.now();
  const workers = Array.from({ length: Math.min(config.datagenThreads, config.numFiles) }, () => new IoWorker({ ioSize: config.ioSizeBytes }));
  let next = 0;
  let filesWritten = 0;
  let bytesWritten = 0;
  let failure: { code: string; message: string; removed: string[]; left: string[] } | null = null;
  let lastProgress = 0;
  const aborted = (): boolean => options.signal?.aborted === true;
  const onAbort = (): void => workers.forEach((w) => w.abort());
  options.signal?.addEventListener('abort', onAbort);

  const loop = async (worker: IoWorker): Promise<void> => {
    while (failure === null && !aborted() && next < config.numFiles) {
      const i = next++;
      const path = datasetFilePath(trainFolder, i, config.numFiles, ext);
      const reply = await worker.write({ path, size: fileBytes(i), fsync: true, atomic: true, seed: i });
      if (!reply.ok) {
        if (failure === null) failure = { code: codeForErrno(reply.error.code), message: `${describeErrno(reply.error.code, reply.error.message)} writing ${reply.partialFile ?? path}`, removed: [], left: [] };
        if (reply.partial === 'removed' && reply.partialFile) failure.removed.push(reply.partialFile);
        if (reply.partial === 'left' && reply.partialFile) failure.left.push(reply.partialFile);
        return;
      }
      filesWritten++;
      bytesWritten += reply.bytes;
      const now = performance.now();
      if (now - lastProgress >= 250 || filesWritten === config.numFiles) {
        lastProgress = now;
        emitProgress(options.onProgress, {
          phase: 'datagen',
          done: filesWritten,
          total: config.numFiles,
          bytes: bytesWritten,
          message: `datagen: ${filesWritten}/${config.numFiles} files, ${formatBytes(bytesWritten)} of ${formatBytes(totalBytes)}`,
        });
      }
    }
  };
  try {
    await Promise.all(workers.map((w) => loop(w)));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.close()));
  }
  const seconds = (performance.now() - started) / 1000;
  const result: DatagenResult = {
    engine: 'builtin',
    workload: 'training',
    command: 'datagen',
    model: config.modelName,
    data_folder: config.dataFolder,
    manifest_path: manifestPath,
    num_files: config.numFiles,
    files_written: filesWritten,
    total_bytes: totalBytes,
    bytes_written: bytesWritten,
    duration_seconds: seconds,
    mb_per_second: seconds > 0 ? bytesWritten / 1e6 / seconds : 0,
    scale: config.scale,
    comparable: config.comparable,
    not_comparable_reasons: config.notComparableReasons,
    complete: failure === null && !aborted(),
  };
  manifest.files_written = filesWritten;
  const stopped = failure as { code: string; message: string; removed: string[]; left: string[] } | null;
  if (stopped !== null || aborted()) {
    const code = aborted() ? ENGINE_ERROR_CODES.aborted : (stopped?.code ?? ENGINE_ERROR_CODES.aborted);
    const what = aborted() ? 'interrupted' : (stopped?.message ?? 'interrupted');
    manifest.error = { code, message: what };
    // Best effort: the manifest is already "complete: false" on disk, which is what matters.
    await writeJsonAtomic(manifestPath, manifest).catch(() => undefined);
    const cleanup = stopped && stopped.left.length > 0 ? `; remove the partial file ${stopped.left.join(', ')}` : stopped && stopped.removed.length > 0 ? '; the partial file was removed' : '';
    throw new WorkloadError(
      code,
      `datagen stopped after ${filesWritten} of ${config.numFiles} files: ${what}${cleanup}; the dataset is marked incomplete in ${manifestPath}`,
      { removedFiles: stopped?.removed ?? [], leftoverFiles: stopped?.left ?? [], partialResult: result },
    );
  }
  manifest.complete = true;
  manifest.completed_at = new Date().toISOString();
  try {
    await writeJsonAtomic(manifestPath, manifest);
  } catch (err) {
    const e = fsError(err, 'dataset written but its manifest could not be', manifestPath);
    throw new WorkloadError(e.code, e.message, { removedFiles: [], leftoverFiles: [], partialResult: { ...result, complete: false } }, { cause: err });
  }
  return result;
}

/** Bytes of dataset files already present (they are overwritten, so their space is reusable). */
async function existingBytes(trainFolder: string, numFiles: number, ext: string, needed: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < numFiles && total < -needed; i++) {
    try {
      total += (await stat(datasetFilePath(trainFolder, i, numFiles, ext))).size;
    } catch {
      // Missing files free nothing.
    }
  }
  return total;
}
