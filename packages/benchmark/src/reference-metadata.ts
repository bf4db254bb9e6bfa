/**
 * Pieces of the run metadata as Python `mlpstorage` writes them (`Benchmark.metadata` in
 * `mlpstorage_py/benchmarks/base.py`), kept pure so they are tested on their own.
 */
import { join } from 'node:path';
import { formatReferenceTimestamp, toEpochMs } from '@mlps/timeseries';
import type { CommandRecord } from './executor';

/**
 * A time under a reference key and its exact milliseconds beside it:
 * `referenceTimeFields('start_time', ms)` → `{ start_time: '2026-01-24T12:00:01Z', start_time_ms: 1769256001250 }`.
 * `null` (a time that never came) gives both keys `null`.
 */
export function referenceTimeFields<K extends string>(
  key: K,
  ms: number | null,
): Record<K, string | null> & Record<`${K}_ms`, number | null> {
  const exact = ms === null ? null : toEpochMs(ms);
  return {
    [key]: exact === null ? null : formatReferenceTimestamp(exact),
    [`${key}_ms`]: exact,
  } as Record<K, string | null> & Record<`${K}_ms`, number | null>;
}

/** `camelCase` → `snake_case` (`resultsDir` → `results_dir`, `clientHostMemoryInGb` → `client_host_memory_in_gb`). */
export function snakeCaseKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
}

/**
 * The parsed arguments as Python's `vars(args)`: one snake_case key per flag's dest (argparse derives it
 * from the long flag, as `snakeCaseKey` does from commander's camelCase name; keys that are already dests
 * are kept as they are). Values that JSON cannot
 * hold become strings; `undefined` becomes `null` (Python's `None` for a flag not given). The first
 * spelling wins when both forms of a key are present.
 */
export function pythonArgs(args: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    // Only commander's camelCase names are converted: a key with an underscore is already an argparse
    // dest and stays exactly as written (a dest may carry capitals).
    const k = /^[a-z][a-zA-Z0-9]*$/.test(key) ? snakeCaseKey(key) : key;
    if (k in out) continue;
    out[k] = jsonSafe(value);
  }
  return out;
}

function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = jsonSafe(v);
    return out;
  }
  return String(value);
}

/**
 * Folds dotted overrides into a nested dict: mirrors `Benchmark._apply_dotted_overrides`
 * (`{'dataset.num_files_train': '400'}` → `{dataset: {num_files_train: '400'}}`). A later key wins;
 * a dotted key under a scalar replaces the scalar, as Python's `setdefault` chain would fail to do
 * (it would raise), so a bad combination never loses the run's metadata.
 */
export function nestDottedParameters(
  overrides: Readonly<Record<string, unknown>>,
  base: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [dotted, value] of Object.entries(overrides)) {
    const parts = dotted.split('.');
    let cur = out;
    for (const p of parts.slice(0, -1)) {
      const next = cur[p];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[p] = {};
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts[parts.length - 1] as string] = value;
  }
  return out;
}

/** `command_output_files` as Python lists them: `{command, stdout, stderr}` with full paths, per logged command. */
export function commandOutputFiles(records: readonly CommandRecord[], runDir: string): Array<{ command: string; stdout: string; stderr: string }> {
  const out: Array<{ command: string; stdout: string; stderr: string }> = [];
  for (const r of records) {
    if (r.stdout_log === undefined || r.stderr_log === undefined) continue;
    out.push({ command: r.command, stdout: join(runDir, r.stdout_log), stderr: join(runDir, r.stderr_log) });
  }
  return out;
}
