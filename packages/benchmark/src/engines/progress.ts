/** Progress events of the engines, for the CLI's stderr lines. */

/** One progress event. `done`/`total` count files (datagen), steps (run) or checkpoints (checkpointing). */
export interface EngineProgress {
  phase: 'datagen' | 'run' | 'epoch' | 'write' | 'read' | 'drop-caches';
  done: number;
  total: number;
  /** Bytes moved so far in this phase, when known. */
  bytes?: number;
  /** 1-based epoch, for `run`/`epoch`. */
  epoch?: number;
  /** A ready-to-print line. */
  message: string;
}

/** Receives progress events; must not throw (a throwing callback is ignored). */
export type ProgressCallback = (event: EngineProgress) => void;

/** Calls `callback` safely: progress display never breaks a workload. */
export function emitProgress(callback: ProgressCallback | undefined, event: EngineProgress): void {
  if (!callback) return;
  try {
    callback(event);
  } catch {
    // A broken progress printer must not abort a benchmark.
  }
}

/** Formats bytes with binary units ("1.50 GiB"). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(2)} ${units[u]}`;
}
