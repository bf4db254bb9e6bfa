import { MlpsError } from '@mlps/timeseries';
import { Benchmark, type BenchmarkOptions } from './benchmark';
import { resolveProgram } from './program-lookup';
import type { BenchmarkType } from './run-directory';

/** Options of {@link CommandBenchmark}. */
export interface CommandBenchmarkOptions extends BenchmarkOptions {
  /** The workload: an argv, run without a shell. */
  argv: string[];
  /** Whose results layout and file names the run uses. Default `training`. */
  benchmarkType?: BenchmarkType;
}

/**
 * Any command as the workload, with the full run lifecycle (collection, snapshots, metadata): what
 * `mlpstorage exec` runs, for ad-hoc workloads such as fio, and what the CLI tests use as a real workload.
 */
export class CommandBenchmark extends Benchmark {
  readonly BENCHMARK_TYPE: BenchmarkType;
  private readonly argv: string[];

  constructor(options: CommandBenchmarkOptions) {
    super({ ...options, model: options.model ?? 'exec' });
    this.BENCHMARK_TYPE = options.benchmarkType ?? 'training';
    this.argv = options.argv;
  }

  protected override validate(): void {
    const program = this.argv[0];
    if (program === undefined || program === '') throw new MlpsError('INVALID_ARGUMENT', 'exec: no command given (put it after --)');
    if (!this.options.whatIf) this.argv[0] = resolveProgram(program);
  }

  protected async _run(): Promise<number> {
    return this.executor.execute(this.argv, { logDir: this.runResultOutput, logPrefix: `${this.BENCHMARK_TYPE}_${this.options.command}` });
  }
}
