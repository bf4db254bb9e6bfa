import type { CommandExecutor } from './executor';

/** What an in-process (built-in) workload engine gets from the benchmark running it. */
export interface WorkloadContext {
  /** The run directory (exists; the engine may write its own result files here). */
  runDir: string;
  /** For any child processes the engine starts (output to console and logs, signals forwarded). */
  executor: CommandExecutor;
  /** Aborted on SIGINT/SIGTERM: the engine stops promptly and resolves. */
  signal: AbortSignal;
  /** Progress lines for the user (stderr, silenced by `--quiet`). */
  log(message: string): void;
}

/** An in-process workload engine: resolves its exit code (0 = success). */
export type BuiltinEngine = (context: WorkloadContext) => Promise<number>;

/** `--engine`: DLIO under MPI (the reference's), or mlps' built-in workload. */
export type EngineName = 'dlio' | 'builtin';

/** The engine names, for option validation. */
export const ENGINE_NAMES: readonly EngineName[] = ['dlio', 'builtin'];
