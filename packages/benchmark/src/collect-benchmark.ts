import { join } from 'node:path';
import { invalidArgument, isMlpsError, type StorageTarget } from '@mlps/timeseries';
import { Benchmark, EXIT_CODES, type BenchmarkOptions } from './benchmark';

/** Options of {@link CollectBenchmark}. */
export interface CollectBenchmarkOptions extends BenchmarkOptions {
  /** The command to collect around (run without a shell). Empty: collect for `durationSeconds`, or until a signal. */
  argv: string[];
  /** Collect for this long when there is no command. */
  durationSeconds?: number;
  /** File name prefix: `<name>_<YYYYMMDD_HHMMSS>_timeseries.json`. Default `collect`. */
  name?: string;
}

const NAME_PATTERN = /^[A-Za-z0-9._-]+$/;

/**
 * `mlpstorage timeseries collect`: host time series around any command, for a duration, or until Ctrl-C,
 * on the same lifecycle as every benchmark run (run directory, cluster snapshots, journal, document,
 * metadata, progress, signals to the command's whole process group, a second signal kills).
 *
 * Differences from a benchmark run, on purpose:
 * - the run directory is `<results-dir>/collect/<YYYYMMDD_HHMMSS>/` and the files are named
 *   `<name>_<datetime>_*` (the name replaces the benchmark type);
 * - the exit code is the command's own (as `time` or `timeout` report it: 127 not found, 128 + n killed by
 *   signal n), not 1 for every failure; interrupted runs exit 130/143 as every run;
 * - without a command, a signal is how collection normally ends: exit 0.
 */
export class CollectBenchmark extends Benchmark {
  readonly BENCHMARK_TYPE = 'training' as const;
  /** The file name prefix. */
  readonly name: string;
  private readonly argv: string[];
  private readonly durationSeconds: number | undefined;

  /** @throws MlpsError `INVALID_ARGUMENT` for a bad name, or both a command and a duration. */
  constructor(options: CollectBenchmarkOptions) {
    super({ ...options, command: 'run', model: options.name ?? 'collect' });
    this.name = options.name ?? 'collect';
    this.argv = [...options.argv];
    this.durationSeconds = options.durationSeconds;
  }

  protected override validate(): void {
    if (!NAME_PATTERN.test(this.name)) throw invalidArgument(`--name '${this.name}' must be letters, digits, '.', '_' or '-'`);
    if (this.argv.length > 0 && this.durationSeconds !== undefined) throw invalidArgument('give either --duration or a command after --, not both');
    if (this.durationSeconds !== undefined && !(Number.isFinite(this.durationSeconds) && this.durationSeconds > 0)) {
      throw invalidArgument(`--duration must be a positive number of seconds, got ${String(this.durationSeconds)}`);
    }
  }

  /** Only the `--watch-path` directories: the run directory holds the collector's own files, not the workload's. */
  protected override storageTargets(): StorageTarget[] {
    return super.storageTargets().filter((t) => t.role === 'watch');
  }

  protected override get fileNamePrefix(): string {
    return this.name;
  }

  protected override get resultsParent(): string {
    return join(this.options.resultsDir, 'collect');
  }

  protected override finalExitCode(workloadCode: number): number {
    const signal = this.interruptedSignal;
    if (signal !== null) return this.argv.length === 0 ? EXIT_CODES.OK : super.finalExitCode(workloadCode);
    return workloadCode;
  }

  /** The run's metadata, with `benchmark_type: collect` and what was collected around. */
  override get metadata(): Record<string, unknown> {
    return {
      ...super.metadata,
      benchmark_type: 'collect',
      name: this.name,
      collect_command: this.argv.length > 0 ? this.argv : null,
      duration_seconds: this.durationSeconds ?? null,
    };
  }

  protected async _run(): Promise<number> {
    if (this.argv.length === 0) return this.waitForEndOfCollection();
    try {
      return await this.executor.execute(this.argv, { logDir: this.runResultOutput, logPrefix: this.name });
    } catch (err) {
      // As a shell reports it: 127 when the command does not exist, 126 when it cannot be run.
      if (isMlpsError(err) && err.code === 'SPAWN_FAILED') {
        const notFound = (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
        this.warn(`cannot run ${this.argv[0] ?? ''}: ${notFound ? 'command not found' : (err.cause as Error | undefined)?.message ?? err.message}`);
        return notFound ? 127 : 126;
      }
      throw err;
    }
  }

  /** No command: until the duration is over, or a signal. */
  private waitForEndOfCollection(): Promise<number> {
    const abort = this.abortController.signal;
    this.info(this.durationSeconds !== undefined ? `collecting for ${this.durationSeconds} s (Ctrl-C stops early)` : 'collecting until Ctrl-C');
    return new Promise<number>((resolve) => {
      if (abort.aborted) {
        resolve(EXIT_CODES.OK);
        return;
      }
      let timer: NodeJS.Timeout | null = null;
      const done = (): void => {
        if (timer !== null) clearTimeout(timer);
        abort.removeEventListener('abort', done);
        resolve(EXIT_CODES.OK);
      };
      abort.addEventListener('abort', done, { once: true });
      if (this.durationSeconds !== undefined) timer = setTimeout(done, this.durationSeconds * 1000);
    });
  }
}
