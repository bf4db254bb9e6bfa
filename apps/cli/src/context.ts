/** The process-level things a command needs, injectable so the program can be driven in-process. */
export interface CliContext {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  /** Set by the command's action: the process exit code. */
  exitCode: number;
}

/** Exit codes of `mlpstorage` (README "Exit codes"). */
export const EXIT = {
  OK: 0,
  WORKLOAD_FAILED: 1,
  BAD_ARGUMENTS: 2,
  SIGINT: 130,
  SIGTERM: 143,
} as const;
