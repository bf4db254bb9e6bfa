/**
 * Error samples as the reference files them. Python `mlpstorage`'s `MultiHostTimeSeriesCollector` records a
 * host it could not sample as `{timestamp, hostname, errors: {<key>: message}}` with one of three keys:
 * `ssh` (ssh failed or timed out), `json` (the host's answer could not be decoded) and `collection`
 * (anything else). Both mlps collectors build their error samples here so tools written for the Python
 * files find the same keys; the message keeps mlps's detail (what failed and why, the next reconnect).
 */
import { isMlpsError } from './errors';
import { sampleTimeFields } from './sampling';
import type { TimeSeriesSample } from './types';

/** The `errors` keys of a whole-sample failure in the reference. */
export type ReferenceErrorKey = 'ssh' | 'json' | 'collection';

/** MlpsError codes that mean the connection to the host failed (ssh2 connect, auth, host key, timeout). */
const SSH_CODES: ReadonlySet<string> = new Set([
  'HOST_UNREACHABLE',
  'TIMEOUT',
  'AUTH_FAILED',
  'HOST_KEY_MISMATCH',
  'HOST_KEY_UNKNOWN',
]);

/**
 * The reference's `errors` key for why a whole sample failed: `ssh` for connection failures and timeouts,
 * `json` for an answer that could not be decoded (`INVALID_FORMAT`, a `SyntaxError`), else `collection`.
 */
export function referenceErrorKey(error: unknown): ReferenceErrorKey {
  if (isMlpsError(error)) {
    if (SSH_CODES.has(error.code)) return 'ssh';
    if (error.code === 'INVALID_FORMAT') return 'json';
    return 'collection';
  }
  if (error instanceof SyntaxError) return 'json';
  return 'collection';
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Options of {@link buildErrorSample}. */
export interface ErrorSampleOptions {
  /** Wall-clock milliseconds of the tick the sample stands for. */
  wallMs: number;
  /** The host's own name, as the last good sample reported it (else the name it was requested by). */
  hostname: string;
  /** Why the sample failed. */
  error: unknown;
}

/**
 * A whole-sample failure as the reference files it (`timestamp` in the reference's form, `timestamp_ms`
 * beside it, `hostname`): `errors` holds one key chosen by
 * {@link referenceErrorKey}, whose message is mlps's own (it names the cause and, for remote hosts,
 * the reconnect state). No data keys, so the sample never counts as a good one.
 */
export function buildErrorSample(options: ErrorSampleOptions): TimeSeriesSample {
  return {
    ...sampleTimeFields(options.wallMs),
    hostname: options.hostname,
    errors: { [referenceErrorKey(options.error)]: messageOf(options.error) },
  };
}
