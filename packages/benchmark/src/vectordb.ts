import { Benchmark, type BenchmarkOptions } from './benchmark';
import { resolveProgram } from './program-lookup';

/** Options of {@link VectorDbBenchmark} (`mlpstorage vectordb <command>`). */
export interface VectorDbOptions extends BenchmarkOptions {
  command: 'datagen' | 'run';
  /** The database address (`--host`) and port. */
  dbHost?: string;
  dbPort?: number;
  config?: string;
  collection?: string;
  /** Directory holding `load-vdb` and `vdbbench` (`--vdb-bin-path`), searched before PATH. */
  vdbBinPath?: string;
  // datagen
  dimension?: number;
  numShards?: number;
  vectorDtype?: string;
  numVectors?: number;
  distribution?: string;
  batchSize?: number;
  chunkSize?: number;
  force?: boolean;
  // run
  numQueryProcesses?: number;
  reportCount?: number;
  runtimeSeconds?: number;
  queries?: number;
}

/** The VectorDB benchmark: `load-vdb` (datagen) and `vdbbench` (run), as `mlpstorage`. */
export class VectorDbBenchmark extends Benchmark {
  static readonly BENCHMARK_TYPE = 'vector_database' as const;
  readonly BENCHMARK_TYPE = 'vector_database' as const;
  protected readonly vdb: VectorDbOptions;

  constructor(options: VectorDbOptions) {
    super(options);
    this.vdb = options;
  }

  protected override validate(): void {
    this.command(!this.options.whatIf);
  }

  /** The argv of this command. */
  command(resolve: boolean): string[] {
    const v = this.vdb;
    const program = v.command === 'datagen' ? 'load-vdb' : 'vdbbench';
    const bin = resolve
      ? resolveProgram(program, { ...(v.vdbBinPath ? { searchDirs: [v.vdbBinPath] } : {}), hint: { option: '--vdb-bin-path' } })
      : v.vdbBinPath
        ? `${v.vdbBinPath.replace(/\/+$/, '')}/${program}`
        : program;
    const argv = [bin];
    const add = (flag: string, value: string | number | undefined): void => {
      if (value !== undefined && value !== '') argv.push(`--${flag}`, String(value));
    };
    add('config', v.config);
    if (v.command === 'datagen' && v.force) argv.push('--force');
    add('host', v.dbHost);
    add('port', v.dbPort);
    add('collection', v.collection);
    if (v.command === 'datagen') {
      add('dimension', v.dimension);
      add('num-shards', v.numShards);
      add('vector-dtype', v.vectorDtype);
      add('num-vectors', v.numVectors);
      add('distribution', v.distribution);
      add('batch-size', v.batchSize);
      add('chunk-size', v.chunkSize);
    } else {
      add('processes', v.numQueryProcesses);
      add('batch-size', v.batchSize);
      add('runtime', v.runtimeSeconds);
      add('queries', v.queries);
      add('report-count', v.reportCount);
      add('output-dir', this.runResultOutput);
    }
    return argv;
  }

  protected async _run(): Promise<number> {
    return this.executor.execute(this.command(!this.options.whatIf), {
      logDir: this.runResultOutput,
      logPrefix: `${this.BENCHMARK_TYPE}_${this.vdb.command}`,
    });
  }
}
