/**
 * Main-thread handles on the engines' worker threads. All file I/O of a workload runs in these threads
 * (synchronous pread/pwrite into reused buffers), so the main event loop, which samples the time series,
 * only exchanges small messages.
 */
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MlpsError } from '@mlps/timeseries';
import { ENGINE_ERROR_CODES } from './engine-errors';
import { IO_WORKER_SOURCE } from './io-worker-source';

/** An I/O failure reported by a worker: errno-like code, message and path. */
export interface WorkerIoError {
  code: string;
  message: string;
  path: string;
}

/** A worker's answer to one request. */
export type IoReply =
  | { ok: true; bytes: number; ms: number }
  | { ok: false; error: WorkerIoError; partialFile?: string; partial?: 'removed' | 'absent' | 'left' };

/** Default bytes per read/write system call. */
export const DEFAULT_IO_SIZE = 1024 * 1024;

/**
 * How many nice steps the workload threads run below the main thread (whose event loop samples the time
 * series). It only matters when the CPUs are contended: then the sampler is scheduled first and its
 * cadence holds; on an otherwise idle host the workload's throughput is the same.
 */
export const WORKER_NICE_STEPS = 5;

function workerNiceValue(): number | null {
  try {
    return Math.min(19, getPriority() + WORKER_NICE_STEPS);
  } catch {
    return null;
  }
}

/** Starts a worker thread running {@link IO_WORKER_SOURCE} in `role`. */
export function startEngineWorker(workerData: Record<string, unknown>): Worker {
  try {
    return new Worker(IO_WORKER_SOURCE, {
      eval: true,
      workerData: { niceValue: workerNiceValue(), ...workerData, source: IO_WORKER_SOURCE },
    });
  } catch (err) {
    throw new MlpsError(ENGINE_ERROR_CODES.workerFailed, `could not start an I/O worker thread: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * One `io` worker thread, used by the checkpointing engine (one per rank) and by datagen. Requests are
 * answered in order; a worker that dies fails every pending request with `WORKER_FAILED`.
 */
export class IoWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (reply: IoReply) => void>();
  private nextId = 1;
  private deadReason: string | null = null;
  private exited: Promise<void>;
  private readonly abortFlag = new Int32Array(new SharedArrayBuffer(4));

  constructor(options: { ioSize?: number } = {}) {
    this.worker = startEngineWorker({ role: 'io', ioSize: options.ioSize ?? DEFAULT_IO_SIZE, abort: this.abortFlag.buffer });
    this.worker.on('message', (m: { id: number } & IoReply) => {
      const resolve = this.pending.get(m.id);
      if (resolve) {
        this.pending.delete(m.id);
        resolve(m);
      }
    });
    this.worker.on('error', (err) => this.fail(`I/O worker failed: ${err.message}`));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.fail(`I/O worker exited (code ${code})`);
        resolve();
      });
    });
  }

  private fail(reason: string): void {
    if (this.deadReason === null) this.deadReason = reason;
    for (const resolve of this.pending.values()) {
      resolve({ ok: false, error: { code: 'EWORKER', message: this.deadReason, path: '' } });
    }
    this.pending.clear();
  }

  private request(message: Record<string, unknown>): Promise<IoReply> {
    if (this.deadReason !== null) {
      return Promise.resolve({ ok: false, error: { code: 'EWORKER', message: this.deadReason, path: '' } });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ ...message, id });
    });
  }

  /**
   * Writes `size` random bytes to `path` in `ioSize` chunks, then fsyncs when `fsync`. With `atomic` the
   * data goes to `path.partial`, renamed on success. A failed write removes its partial file.
   */
  write(input: { path: string; size: number; fsync: boolean; atomic?: boolean; seed?: number }): Promise<IoReply> {
    return this.request({ op: 'write', ...input });
  }

  /** Reads all of `path`; fails with `ESIZE` when its size is not `expectBytes` (pass -1 to skip the check). */
  readFile(path: string, expectBytes: number): Promise<IoReply> {
    return this.request({ op: 'readFile', path, expectBytes });
  }

  /** Writes 3 to /proc/sys/vm/drop_caches (root only). */
  dropCaches(): Promise<IoReply> {
    return this.request({ op: 'dropCaches' });
  }

  /**
   * Makes the request in progress, and every later one, fail with `EABORT` at its next 1 MiB step; a write
   * stopped this way removes its partial file like any failed write.
   */
  abort(): void {
    Atomics.store(this.abortFlag, 0, 1);
  }

  /** Stops the thread (an in-flight system call finishes first) and waits for it to exit. */
  async close(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }
}
