import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { MlpsError } from '@mlps/timeseries';
import { formatCommandLine } from './command-line';

/** One command the executor ran (or, in what-if mode, would have run); recorded in the metadata. */
export interface CommandRecord {
  /** Display form, quoted for a POSIX shell. */
  command: string;
  argv: string[];
  what_if: boolean;
  stdout_log?: string;
  stderr_log?: string;
  exit_code: number | null;
  /** The signal that ended the command, if one did. */
  signal: string | null;
  start_time: string;
  end_time: string | null;
  duration_seconds: number | null;
}

/** Where the executor writes: the console streams (defaults: this process's stdout/stderr). */
export interface ExecutorOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Options of {@link CommandExecutor}. */
export interface CommandExecutorOptions {
  /** Print the exact command lines to stdout and run nothing. */
  whatIf?: boolean;
  /** Copy the workload's output to the console (always kept in the log files). Default true. */
  echo?: boolean;
  output?: ExecutorOutput;
  /**
   * Receives one line per problem that does not stop the workload (a log file that cannot be written, e.g.
   * a full disk). Default: none.
   */
  warn?: (message: string) => void;
  /** Told the pid of each workload process as it starts (the run's collector tracks its I/O). */
  onSpawn?: (pid: number) => void;
}

/** Options of one {@link CommandExecutor.execute} call. */
export interface ExecuteOptions {
  /** Log files `<logDir>/<logPrefix>.stdout.log` and `.stderr.log`; no files without it. */
  logDir?: string;
  logPrefix?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

interface RunningChild {
  pid: number;
  signalled: number;
  /** Resolves when the command closed (exited and its output ended). */
  closed: Promise<void>;
}

/** Sends `signal` to the process group led by `pid` (the command and everything it started), else to `pid`. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: nothing to signal.
    }
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number>)[signal] ?? 0;
}

/** A log file of the workload's output that stops being written (never crashes the run) when a write fails. */
interface LogFile {
  stream: WriteStream;
  name: string;
  failed: boolean;
}

function openLog(path: string, name: string, warn: (message: string) => void): LogFile {
  const log: LogFile = { stream: createWriteStream(path, { flags: 'a' }), name, failed: false };
  // ENOSPC/EIO on a log must not become an unhandled 'error' event: say so once, keep the workload running.
  log.stream.on('error', (err: NodeJS.ErrnoException) => {
    if (log.failed) return;
    log.failed = true;
    const why = err.code === 'ENOSPC' ? 'the file system is full' : err.message;
    warn(`workload log ${name} not written further (${why}); the workload goes on, its output still reaches the console`);
  });
  return log;
}

function writeLog(log: LogFile | undefined, chunk: Buffer): void {
  if (log && !log.failed) log.stream.write(chunk);
}

function closeLog(log: LogFile | undefined): Promise<void> {
  if (!log) return Promise.resolve();
  if (log.failed) {
    log.stream.destroy();
    return Promise.resolve();
  }
  return closeStream(log.stream);
}

function closeStream(stream: WriteStream | undefined): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    stream.end(() => resolve());
    stream.once('error', () => resolve());
  });
}

/**
 * Runs workload commands as child processes: argv arrays, never a shell, so user values are never
 * interpolated. Output goes to the console and to log files in the run directory; SIGINT/SIGTERM that the
 * benchmark receives are forwarded with {@link CommandExecutor.interrupt}; the exit code is returned
 * (128 + signal number when the command was killed by a signal, as a shell reports it).
 */
export class CommandExecutor {
  /** Every command executed (or printed, in what-if mode), in order. */
  readonly records: CommandRecord[] = [];
  private readonly whatIf: boolean;
  private readonly echo: boolean;
  private readonly output: ExecutorOutput;
  private readonly warn: (message: string) => void;
  private readonly running = new Set<RunningChild>();
  private interruptedBy: NodeJS.Signals | null = null;
  /**
   * While commands run: kills their process groups if this process exits first (a crash, `process.exit`),
   * since they run detached (own process group) and would otherwise outlive it.
   */
  private exitHook: (() => void) | null = null;

  private readonly onSpawn: ((pid: number) => void) | undefined;

  constructor(options: CommandExecutorOptions = {}) {
    this.whatIf = options.whatIf ?? false;
    this.echo = options.echo ?? true;
    this.output = options.output ?? { stdout: process.stdout, stderr: process.stderr };
    this.onSpawn = options.onSpawn;
    const warn = options.warn;
    this.warn = (message) => {
      try {
        warn?.(message);
      } catch {
        // A failing observer must not fail the workload.
      }
    };
  }

  /** True after {@link CommandExecutor.interrupt}: later commands are not started. */
  get interrupted(): NodeJS.Signals | null {
    return this.interruptedBy;
  }

  /**
   * Runs `argv` to completion and returns its exit code. In what-if mode prints the command line to stdout
   * and returns 0 without running anything. After an interrupt, returns 128 + signal without starting it.
   */
  async execute(argv: readonly string[], options: ExecuteOptions = {}): Promise<number> {
    if (argv.length === 0 || argv[0] === '') throw new MlpsError('INVALID_ARGUMENT', 'empty command line');
    const record: CommandRecord = {
      command: formatCommandLine(argv),
      argv: [...argv],
      what_if: this.whatIf,
      exit_code: null,
      signal: null,
      start_time: new Date().toISOString(),
      end_time: null,
      duration_seconds: null,
    };
    this.records.push(record);
    if (this.whatIf) {
      this.output.stdout.write(`${record.command}\n`);
      record.exit_code = 0;
      return 0;
    }
    if (this.interruptedBy) {
      record.signal = this.interruptedBy;
      return 128 + signalNumber(this.interruptedBy);
    }

    let stdoutLog: LogFile | undefined;
    let stderrLog: LogFile | undefined;
    if (options.logDir && options.logPrefix) {
      record.stdout_log = `${options.logPrefix}.stdout.log`;
      record.stderr_log = `${options.logPrefix}.stderr.log`;
      stdoutLog = openLog(join(options.logDir, record.stdout_log), record.stdout_log, this.warn);
      stderrLog = openLog(join(options.logDir, record.stderr_log), record.stderr_log, this.warn);
    }

    const started = performance.now();
    try {
      const { code, signal } = await this.spawnAndWait(argv, options, stdoutLog, stderrLog);
      record.exit_code = code;
      record.signal = signal;
      if (code !== null) return code;
      return 128 + (signal ? signalNumber(signal as NodeJS.Signals) : 0);
    } finally {
      record.end_time = new Date().toISOString();
      record.duration_seconds = Math.round(performance.now() - started) / 1000;
      await Promise.all([closeLog(stdoutLog), closeLog(stderrLog)]);
    }
  }

  /**
   * Forwards `signal` to every running command's process group (mpirun and its ranks, or a shell and its
   * children). A second interrupt kills them with SIGKILL, for workloads that ignore the first.
   */
  interrupt(signal: NodeJS.Signals): void {
    const escalate = this.interruptedBy !== null;
    this.interruptedBy = signal;
    for (const child of this.running) {
      const sig = escalate || child.signalled > 0 ? 'SIGKILL' : signal;
      child.signalled++;
      signalGroup(child.pid, sig);
    }
  }

  /** Commands running now. */
  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Stops every command still running, for a run that ends while they run (its workload threw or gave up
   * on them): SIGTERM to each process group, SIGKILL to those still there after `graceMs`. Resolves with
   * how many were running, once they closed (or 2 s after the SIGKILL). Never throws.
   */
  async stopRunning(graceMs = 5000): Promise<number> {
    const children = [...this.running];
    if (children.length === 0) return 0;
    const wait = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        timer.unref();
      });
    const allClosed = Promise.all(children.map((c) => c.closed));
    for (const child of children) signalGroup(child.pid, 'SIGTERM');
    const closedInTime = await Promise.race([allClosed.then(() => true), wait(graceMs).then(() => false)]);
    if (!closedInTime) {
      for (const child of children) if (this.running.has(child)) signalGroup(child.pid, 'SIGKILL');
      await Promise.race([allClosed, wait(2000)]);
    }
    return children.length;
  }

  private track(entry: RunningChild): void {
    this.running.add(entry);
    if (this.exitHook === null) {
      const hook = (): void => {
        for (const child of this.running) signalGroup(child.pid, 'SIGKILL');
      };
      this.exitHook = hook;
      process.on('exit', hook);
    }
  }

  private untrack(entry: RunningChild): void {
    this.running.delete(entry);
    if (this.running.size === 0 && this.exitHook !== null) {
      process.off('exit', this.exitHook);
      this.exitHook = null;
    }
  }

  private spawnAndWait(
    argv: readonly string[],
    options: ExecuteOptions,
    stdoutLog: LogFile | undefined,
    stderrLog: LogFile | undefined,
  ): Promise<{ code: number | null; signal: string | null }> {
    return new Promise((resolve, reject) => {
      // Own process group, so a forwarded signal reaches the whole workload tree, not just its leader.
      const child = spawn(argv[0] as string, argv.slice(1), {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        shell: false,
      });
      let entry: RunningChild | undefined;
      let markClosed: () => void = () => undefined;
      if (child.pid !== undefined) {
        entry = { pid: child.pid, signalled: 0, closed: new Promise<void>((r) => (markClosed = r)) };
        this.track(entry);
        try {
          this.onSpawn?.(child.pid);
        } catch {
          // An observer must not cost the workload.
        }
        // A signal that arrived between the check in execute() and the spawn still reaches it.
        if (this.interruptedBy) this.interrupt(this.interruptedBy);
      }
      child.stdout?.on('data', (chunk: Buffer) => {
        writeLog(stdoutLog, chunk);
        if (this.echo) this.output.stdout.write(chunk);
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        writeLog(stderrLog, chunk);
        if (this.echo) this.output.stderr.write(chunk);
      });
      child.once('error', (cause) => {
        if (entry) this.untrack(entry);
        markClosed();
        reject(new MlpsError('SPAWN_FAILED', `cannot run ${argv[0]}: ${cause.message}`, { cause }));
      });
      child.once('close', (code, signal) => {
        if (entry) this.untrack(entry);
        markClosed();
        resolve({ code, signal });
      });
    });
  }
}
