/**
 * `training run`: reads the dataset in epochs as DLIO does. Each simulated accelerator is a worker thread
 * with `readThreads` reader threads of its own; per epoch the main thread shuffles all samples with a
 * seeded shuffle, gives each accelerator its share, and only collects reports. Accelerators wait for their
 * next batch (prefetched by their readers), then "compute" for the model's computation time.
 */
import type { Worker } from 'node:worker_threads';
import { MlpsError } from '@mlps/timeseries';
import { codeForErrno, describeErrno, ENGINE_ERROR_CODES, WorkloadError } from './engine-errors';
import { readHostMemory } from './host-memory';
import { startEngineWorker, type WorkerIoError } from './io-worker';
import { emitProgress, type ProgressCallback } from './progress';
import { SeededRandom, shuffleInPlace } from './random';
import { notComparableReasons } from './scale';
import { describeTrainingConfig, type TrainingConfig } from './training-config';
import { DATASET_FILE_PREFIX, loadDatasetManifest } from './training-dataset';

/** One accelerator in one epoch, or over the run. */
export interface AcceleratorStats {
  accelerator: number;
  steps: number;
  samples: number;
  bytes: number;
  /** Seconds spent "computing". */
  compute_seconds: number;
  /** Seconds waiting for a batch (I/O stall). */
  io_wait_seconds: number;
  /** Longest single wait for a batch, seconds. */
  max_io_wait_seconds: number;
  /** Wall time of this accelerator, seconds. */
  wall_seconds: number;
  /** Accelerator utilisation: compute_seconds / wall_seconds (0..1). */
  au: number;
  pass: boolean;
}

/** One epoch. */
export interface EpochStats {
  epoch: number;
  duration_seconds: number;
  steps: number;
  samples: number;
  bytes: number;
  samples_per_second: number;
  /** Decimal megabytes (1e6) per second. */
  mb_per_second: number;
  /** Mean AU over the accelerators. */
  au: number;
  accelerators: AcceleratorStats[];
}

/** Result of a training run (snake_case, JSON-serialisable): what the results file and summary hold. */
export interface TrainingRunResult {
  engine: 'builtin';
  workload: 'training';
  command: 'run';
  model: string;
  accelerator_type: string;
  num_accelerators: number;
  /** False when stopped early (error or signal): the figures cover only the epochs listed. */
  complete: boolean;
  comparable: boolean;
  not_comparable_reasons: string[];
  scale: number;
  config: Record<string, unknown>;
  dataset: {
    folder: string;
    num_files: number;
    samples: number;
    bytes: number;
    /** Host memory, to judge whether the dataset fit in the page cache. */
    mem_total_bytes: number | null;
    fits_in_page_cache: boolean | null;
  };
  started_at: string;
  ended_at: string;
  epochs: EpochStats[];
  overall: {
    duration_seconds: number;
    steps_per_epoch: number;
    samples: number;
    bytes: number;
    samples_per_second: number;
    mb_per_second: number;
    mib_per_second: number;
    /** Mean AU over the accelerators. */
    au: number;
    au_min: number;
    au_threshold: number;
    /** Every accelerator's AU ≥ the threshold (and the run completed). */
    pass: boolean;
  };
  /** Per accelerator over the whole run. */
  accelerators: AcceleratorStats[];
  error?: { code: string; message: string };
}

/** Options of {@link runTrainingWorkload}. */
export interface TrainingRunOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

type AccelMessage =
  | { op: 'ready' }
  | { op: 'progress'; epoch: number; step: number; steps: number }
  | { op: 'fatal'; error: WorkerIoError }
  | {
      op: 'epochDone';
      epoch: number;
      steps: number;
      samples: number;
      bytes: number;
      computeMs: number;
      wallMs: number;
      waitMs: number;
      maxWaitMs: number;
    }
  | { op: 'epochFailed'; epoch: number; step: number; error: WorkerIoError; bytes: number; computeMs: number; wallMs: number };

/** Runs the training workload of `config` over the dataset datagen wrote. Throws {@link MlpsError} / {@link WorkloadError}. */
export async function runTrainingWorkload(config: TrainingConfig, options: TrainingRunOptions = {}): Promise<TrainingRunResult> {
  const { manifest, sizes } = await loadDatasetManifest(config);
  const A = config.numAccelerators;
  const B = config.batchSize;
  const spf = manifest.samples_per_file;
  const totalSamples = manifest.num_files * spf;
  const steps = Math.floor(totalSamples / (A * B));
  if (steps < 1) {
    throw new MlpsError(
      'INVALID_ARGUMENT',
      `the dataset has ${totalSamples} samples, fewer than one batch (${B}) for each of ${A} accelerators; run datagen with --num-accelerators ${A} or a larger --scale`,
    );
  }
  const reasons = notComparableReasons({
    scale: manifest.scale,
    extra: config.notComparableReasons.filter((r) => !r.includes('--scale')),
  });
  const memory = await readHostMemory();
  const startedAt = new Date();
  const t0 = performance.now();

  const recordShared = new SharedArrayBuffer(sizes.length * 8);
  new Float64Array(recordShared).set(sizes);
  const workers: Worker[] = [];
  const listeners: Array<(m: AccelMessage) => void> = [];
  let fatal: WorkerIoError | null = null;
  let abortWake: (() => void) | null = null;
  const onAbort = (): void => abortWake?.();
  options.signal?.addEventListener('abort', onAbort);

  const epochs: EpochStats[] = [];
  const totals = Array.from({ length: A }, (_, a) => emptyStats(a));
  let error: { code: string; message: string } | undefined;
  try {
    const ready: Array<Promise<void>> = [];
    for (let a = 0; a < A; a++) {
      const w = startEngineWorker({
        role: 'accelerator',
        ioSize: config.ioSizeBytes,
        readThreads: config.readThreads,
        prefetch: config.readThreads * config.prefetchPerReader,
        computeMs: config.computationTimeSeconds * 1000,
        recordBytes: recordShared,
        samplesPerFile: spf,
        dir: config.trainFolder,
        prefix: DATASET_FILE_PREFIX,
        ext: config.model.format,
        numFiles: manifest.num_files,
      });
      workers.push(w);
      ready.push(
        new Promise<void>((resolve) => {
          listeners[a] = (m) => {
            if (m.op === 'ready') resolve();
          };
        }),
      );
      w.on('message', (m: AccelMessage) => {
        if (m.op === 'fatal') fatal = m.error;
        listeners[a]?.(m);
        if (m.op === 'fatal') abortWake?.();
      });
      w.on('error', (e) => {
        fatal = { code: 'EWORKER', message: e.message, path: '' };
        abortWake?.();
      });
    }
    await raceAbort(Promise.all(ready), options.signal, (wake) => (abortWake = wake), () => fatal);

    for (let e = 1; e <= config.epochs; e++) {
      const order = new Int32Array(totalSamples);
      for (let i = 0; i < totalSamples; i++) order[i] = i;
      shuffleInPlace(order, new SeededRandom(config.seed * 1000 + e));
      const epochStart = performance.now();
      const done: Array<Extract<AccelMessage, { op: 'epochDone' }>> = [];
      const failed: Array<Extract<AccelMessage, { op: 'epochFailed' }>> = [];
      const finished = new Promise<void>((resolve) => {
        let count = 0;
        for (let a = 0; a < A; a++) {
          listeners[a] = (m) => {
            if (m.op === 'progress' && a === 0) {
              emitProgress(options.onProgress, {
                phase: 'run', epoch: e, done: m.step, total: m.steps,
                message: `epoch ${e}/${config.epochs}: step ${m.step}/${m.steps}`,
              });
            } else if (m.op === 'epochDone' || m.op === 'epochFailed') {
              if (m.op === 'epochDone') done[a] = m;
              else failed.push(m);
              if (++count === A) resolve();
            }
          };
        }
      });
      for (let a = 0; a < A; a++) {
        const ids = order.slice(a * steps * B, (a + 1) * steps * B);
        workers[a]?.postMessage({ op: 'epoch', epoch: e, ids, batchSize: B, steps }, [ids.buffer]);
      }
      await raceAbort(finished, options.signal, (wake) => (abortWake = wake), () => fatal);
      const first = failed[0];
      if (first) {
        const code = ['ENOENT', 'ESHORT'].includes(first.error.code) ? ENGINE_ERROR_CODES.datasetIncomplete : codeForErrno(first.error.code);
        throw new MlpsError(code, `epoch ${e}: ${describeErrno(first.error.code, first.error.message)} reading ${first.error.path}`);
      }
      const duration = (performance.now() - epochStart) / 1000;
      const accel = done.map((m, a) => statsFrom(a, m, config.auThreshold));
      accel.forEach((s, a) => addInto(totals[a] as AcceleratorStats, s));
      const samples = sum(accel.map((s) => s.samples));
      const bytes = sum(accel.map((s) => s.bytes));
      epochs.push({
        epoch: e,
        duration_seconds: duration,
        steps,
        samples,
        bytes,
        samples_per_second: samples / duration,
        mb_per_second: bytes / 1e6 / duration,
        au: mean(accel.map((s) => s.au)),
        accelerators: accel,
      });
      emitProgress(options.onProgress, {
        phase: 'epoch', epoch: e, done: e, total: config.epochs, bytes,
        message: `epoch ${e}/${config.epochs}: ${(samples / duration).toFixed(1)} samples/s, ${(bytes / 1e6 / duration).toFixed(1)} MB/s, AU ${(mean(accel.map((s) => s.au)) * 100).toFixed(1)}%`,
      });
    }
  } catch (err) {
    error = isAbort(err)
      ? { code: ENGINE_ERROR_CODES.aborted, message: 'training run interrupted' }
      : { code: (err as MlpsError).code ?? ENGINE_ERROR_CODES.ioError, message: (err as Error).message };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
  }

  const duration = (performance.now() - t0) / 1000;
  for (const s of totals) finishStats(s, config.auThreshold);
  const samples = sum(epochs.map((x) => x.samples));
  const bytes = sum(epochs.map((x) => x.bytes));
  const epochSeconds = sum(epochs.map((x) => x.duration_seconds));
  const aus = totals.map((s) => s.au);
  const result: TrainingRunResult = {
    engine: 'builtin',
    workload: 'training',
    command: 'run',
    model: config.modelName,
    accelerator_type: config.acceleratorType,
    num_accelerators: A,
    complete: error === undefined,
    comparable: reasons.length === 0,
    not_comparable_reasons: reasons,
    scale: manifest.scale,
    config: { ...describeTrainingConfig(config), num_files: manifest.num_files, scale: manifest.scale },
    dataset: {
      folder: config.dataFolder ?? '',
      num_files: manifest.num_files,
      samples: totalSamples,
      bytes: manifest.total_bytes,
      mem_total_bytes: memory?.memTotalBytes ?? null,
      fits_in_page_cache: memory ? manifest.total_bytes <= memory.memTotalBytes : null,
    },
    started_at: startedAt.toISOString(),
    ended_at: new Date().toISOString(),
    epochs,
    overall: {
      duration_seconds: epochSeconds > 0 ? epochSeconds : duration,
      steps_per_epoch: steps,
      samples,
      bytes,
      samples_per_second: epochSeconds > 0 ? samples / epochSeconds : 0,
      mb_per_second: epochSeconds > 0 ? bytes / 1e6 / epochSeconds : 0,
      mib_per_second: epochSeconds > 0 ? bytes / 1048576 / epochSeconds : 0,
      au: aus.length ? mean(aus) : 0,
      au_min: aus.length ? Math.min(...aus) : 0,
      au_threshold: config.auThreshold,
      pass: error === undefined && epochs.length > 0 && totals.every((s) => s.pass),
    },
    accelerators: totals,
    ...(error ? { error } : {}),
  };
  if (error) {
    throw new WorkloadError(
      error.code,
      `${error.message}; results cover ${epochs.length} of ${config.epochs} epochs and are marked incomplete`,
      { removedFiles: [], leftoverFiles: [], partialResult: result },
    );
  }
  return result;
}

class AbortedError extends Error {}
function isAbort(err: unknown): boolean {
  return err instanceof AbortedError;
}

/** Waits for `work`, but rejects when the signal aborts or a worker reports a fatal error. */
async function raceAbort<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  setWake: (wake: () => void) => void,
  fatal: () => WorkerIoError | null,
): Promise<T> {
  const check = (): void => {
    if (signal?.aborted) throw new AbortedError('aborted');
    const f = fatal();
    if (f) throw new MlpsError(ENGINE_ERROR_CODES.workerFailed, `an accelerator thread failed: ${f.message}`);
  };
  check();
  return await new Promise<T>((resolve, reject) => {
    setWake(() => {
      try {
        check();
      } catch (err) {
        reject(err);
      }
    });
    work.then(resolve, reject);
  });
}

function emptyStats(a: number): AcceleratorStats {
  return { accelerator: a, steps: 0, samples: 0, bytes: 0, compute_seconds: 0, io_wait_seconds: 0, max_io_wait_seconds: 0, wall_seconds: 0, au: 0, pass: false };
}

function statsFrom(a: number, m: Extract<AccelMessage, { op: 'epochDone' }>, threshold: number): AcceleratorStats {
  const s: AcceleratorStats = {
    accelerator: a,
    steps: m.steps,
    samples: m.samples,
    bytes: m.bytes,
    compute_seconds: m.computeMs / 1000,
    io_wait_seconds: m.waitMs / 1000,
    max_io_wait_seconds: m.maxWaitMs / 1000,
    wall_seconds: m.wallMs / 1000,
    au: 0,
    pass: false,
  };
  finishStats(s, threshold);
  return s;
}

function addInto(total: AcceleratorStats, s: AcceleratorStats): void {
  total.steps += s.steps;
  total.samples += s.samples;
  total.bytes += s.bytes;
  total.compute_seconds += s.compute_seconds;
  total.io_wait_seconds += s.io_wait_seconds;
  total.max_io_wait_seconds = Math.max(total.max_io_wait_seconds, s.max_io_wait_seconds);
  total.wall_seconds += s.wall_seconds;
}

function finishStats(s: AcceleratorStats, threshold: number): void {
  s.au = s.wall_seconds > 0 ? Math.min(1, s.compute_seconds / s.wall_seconds) : 0;
  s.pass = s.wall_seconds > 0 && s.au >= threshold;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function mean(values: number[]): number {
  return values.length ? sum(values) / values.length : 0;
}
