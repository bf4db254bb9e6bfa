/**
 * Errors of the built-in engines. Every failure is an {@link MlpsError} with a stable code and one line a
 * user can act on; file-system failures are mapped from their errno so a full disk or a read-only folder
 * reads as such, not as a stack trace.
 */
import { MlpsError } from '@mlps/timeseries';

/** Stable codes the engines throw (besides `INVALID_ARGUMENT`). */
export const ENGINE_ERROR_CODES = {
  /** A model name the engine does not know. */
  unknownModel: 'UNKNOWN_MODEL',
  /** `--data-dir` (or the checkpoint folder to read) does not exist. */
  dataDirNotFound: 'DATA_DIR_NOT_FOUND',
  /** The data dir has no dataset written by `training datagen`. */
  datasetNotFound: 'DATASET_NOT_FOUND',
  /** The dataset is unfinished or does not match its manifest (missing or short files). */
  datasetIncomplete: 'DATASET_INCOMPLETE',
  /** ENOSPC / EDQUOT: the target file system is full. */
  noSpace: 'NO_SPACE',
  /** EACCES / EPERM / EROFS: the target cannot be written or read. */
  permissionDenied: 'PERMISSION_DENIED',
  /** Any other I/O failure. */
  ioError: 'IO_ERROR',
  /** An I/O worker thread died or could not start. */
  workerFailed: 'WORKER_FAILED',
  /** The run was stopped (signal or abort) before it finished. */
  aborted: 'ABORTED',
  /** The selected engine cannot run here (e.g. `--engine dlio` without dlio_benchmark). */
  engineUnavailable: 'ENGINE_UNAVAILABLE',
} as const;

/** What an I/O failure left behind: files removed because they were half written, and the partial result. */
export interface WorkloadFailureDetails {
  /** Half-written files that were deleted (so no partial file passes for a complete one). */
  removedFiles: string[];
  /** Half-written files that could not be deleted and must be removed by hand. */
  leftoverFiles: string[];
  /** The structured result up to the failure, marked `complete: false`, for the results file. */
  partialResult?: unknown;
}

/**
 * An engine failure that happened mid-workload: an {@link MlpsError} that also carries what was left on
 * disk and the partial result, so the caller writes an incomplete result instead of losing it.
 */
export class WorkloadError extends MlpsError {
  readonly details: WorkloadFailureDetails;

  constructor(code: string, message: string, details: WorkloadFailureDetails, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'WorkloadError';
    this.details = details;
  }
}

/** True when `value` is a {@link WorkloadError} (by shape, so it works across module copies). */
export function isWorkloadError(value: unknown): value is WorkloadError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { name?: unknown }).name === 'WorkloadError' &&
    typeof (value as { details?: unknown }).details === 'object'
  );
}

/** The error code for an errno string (`ENOSPC` → `NO_SPACE`, ...). */
export function codeForErrno(errno: string | undefined): string {
  switch (errno) {
    case 'ENOSPC':
    case 'EDQUOT':
      return ENGINE_ERROR_CODES.noSpace;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return ENGINE_ERROR_CODES.permissionDenied;
    case 'EABORT':
      return ENGINE_ERROR_CODES.aborted;
    default:
      return ENGINE_ERROR_CODES.ioError;
  }
}

/** A one-line description of an errno for messages ("no space left on device"). */
export function describeErrno(errno: string | undefined, fallback: string): string {
  switch (errno) {
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOENT':
      return 'no such file or directory';
    case 'ESHORT':
      return 'file is shorter than the dataset manifest says';
    case 'EABORT':
      return 'interrupted';
    default:
      return fallback.split('\n')[0] ?? fallback;
  }
}

/** Maps a Node file-system error to an {@link MlpsError} with a one-line message naming `action` and the path. */
export function fsError(err: unknown, action: string, path: string): MlpsError {
  const errno = (err as { code?: string } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return new MlpsError(codeForErrno(errno), `${action} ${path}: ${describeErrno(errno, message)}`, { cause: err });
}
