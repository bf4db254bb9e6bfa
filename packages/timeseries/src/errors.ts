/**
 * Error classes of `@mlps/timeseries`. Every error mlps throws is an {@link MlpsError} with a stable
 * string `code`, so callers branch on `err.code`, never on message text.
 */

const MLPS_ERROR_MARKER = Symbol.for('@mlps/error');

/** Stable error codes used across the mlps packages. */
export type MlpsErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_STATE'
  | 'INVALID_FORMAT'
  | 'IO_ERROR'
  | 'HOST_UNREACHABLE'
  | 'HOST_KEY_MISMATCH'
  | 'AUTH_FAILED'
  | 'TIMEOUT'
  | (string & {});

/** Base class of every mlps error: a stable `code`, an actionable message and an optional `cause`. */
export class MlpsError extends Error {
  /** Stable, machine-readable error code, e.g. `INVALID_ARGUMENT`. */
  readonly code: MlpsErrorCode;

  constructor(code: MlpsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlpsError';
    this.code = code;
    Object.defineProperty(this, MLPS_ERROR_MARKER, { value: true, enumerable: false });
  }
}

/**
 * True when `value` is an {@link MlpsError}, also when it comes from another copy of the package
 * (ESM and CJS builds loaded side by side), which `instanceof` would miss.
 */
export function isMlpsError(value: unknown): value is MlpsError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MLPS_ERROR_MARKER] === true;
}

/** Shorthand for an `INVALID_ARGUMENT` error. */
export function invalidArgument(message: string): MlpsError {
  return new MlpsError('INVALID_ARGUMENT', message);
}
