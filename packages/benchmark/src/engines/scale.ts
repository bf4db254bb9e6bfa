/**
 * Scaling a workload down, honestly. `scale` (0 < scale ≤ 1) shrinks only the amount of data:
 *
 * - training: the number of dataset files (`numFiles × scale`, rounded up, and never fewer than one full
 *   batch per accelerator). Each file keeps the model's record sizes and distribution, samples per file,
 *   batch size, read threads, computation time and epochs, so every step does the real I/O and compute.
 * - checkpointing: the bytes of each checkpoint (model and optimizer bytes × scale, so every rank's shard
 *   shrinks by the same factor). The number of checkpoints, ranks and the write/fsync/read pattern stay.
 *
 * A run with scale < 1 is labelled not comparable (`comparable: false` in its result and metadata): a small
 * dataset or checkpoint fits in the page cache and says nothing about the storage at full size.
 */
import { MlpsError } from '@mlps/timeseries';

/** What `scale` changes, for configview/results. */
export const SCALE_DESCRIPTION = {
  training: 'scale multiplies the number of dataset files (record sizes, batch, threads, compute time and epochs are unchanged)',
  checkpointing: 'scale multiplies the bytes of every checkpoint shard (checkpoint count, ranks and I/O pattern are unchanged)',
} as const;

/** The engines `--engine` chooses between. */
export const ENGINE_CHOICES = ['builtin', 'dlio'] as const;
/** One of {@link ENGINE_CHOICES}; `builtin` is the default. */
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/** Validates `--scale`: a finite number in (0, 1]; default 1. */
export function parseScale(value: unknown): number {
  if (value === undefined || value === null || value === '') return 1;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 1) {
    throw new MlpsError('INVALID_ARGUMENT', `--scale must be a number in (0, 1], e.g. 0.001 (got '${String(value)}')`);
  }
  return n;
}

/** Validates `--engine`; default `builtin`. */
export function parseEngineName(value: unknown): EngineChoice {
  if (value === undefined || value === null || value === '') return 'builtin';
  if (typeof value === 'string' && (ENGINE_CHOICES as readonly string[]).includes(value)) return value as EngineChoice;
  throw new MlpsError('INVALID_ARGUMENT', `--engine must be one of ${ENGINE_CHOICES.join(', ')} (got '${String(value)}')`);
}

/** Why a run is not comparable to a published result (empty when it is). */
export function notComparableReasons(input: { scale: number; extra?: string[] }): string[] {
  const reasons: string[] = [];
  if (input.scale !== 1) reasons.push(`scaled to ${input.scale} of the model's size (--scale)`);
  for (const r of input.extra ?? []) reasons.push(r);
  return reasons;
}

/** Validates a positive integer option (`--num-accelerators`, `--num-processes`, ...). */
export function parsePositiveInt(value: unknown, flag: string, options: { min?: number; max?: number } = {}): number {
  const min = options.min ?? 1;
  const max = options.max ?? 1_000_000;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new MlpsError('INVALID_ARGUMENT', `${flag} must be an integer from ${min} to ${max} (got '${String(value)}')`);
  }
  return n;
}
