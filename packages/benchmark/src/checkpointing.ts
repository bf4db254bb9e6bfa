import { MlpsError, type StorageTarget } from '@mlps/timeseries';
import { Benchmark, type BenchmarkOptions, type ReferenceRunInfo } from './benchmark';
import { buildDlioCommand, parseParams, type DlioLaunchOptions } from './dlio';
import { LLM_CHECKPOINT_GB, type LlmModel } from './models';
import type { BuiltinEngine, EngineName } from './workload-context';

/** Options of {@link CheckpointingBenchmark} (`mlpstorage checkpointing <command>`). */
export interface CheckpointingOptions extends BenchmarkOptions, DlioLaunchOptions {
  command: 'datasize' | 'run';
  model: LlmModel;
  engine?: EngineName;
  numProcesses: number;
  checkpointFolder: string;
  numCheckpointsRead?: number;
  numCheckpointsWrite?: number;
  clientHostMemoryInGb?: number;
  out?: NodeJS.WritableStream;
}

/** What a checkpointing run writes and reads, from the model's checkpoint size. */
export function computeCheckpointDatasize(input: {
  model: LlmModel;
  numCheckpointsWrite: number;
  numCheckpointsRead: number;
  numProcesses: number;
}): Record<string, number | string> {
  const gb = LLM_CHECKPOINT_GB[input.model];
  const checkpointGb = gb.model + gb.optimizer;
  return {
    model: input.model,
    checkpoint_size_gb: checkpointGb,
    checkpoint_size_per_process_gb: Math.round((checkpointGb / Math.max(1, input.numProcesses)) * 1000) / 1000,
    total_write_gb: checkpointGb * input.numCheckpointsWrite,
    total_read_gb: checkpointGb * input.numCheckpointsRead,
  };
}

/** The checkpointing benchmark: DLIO's checkpoint workload (or the built-in engine). */
export class CheckpointingBenchmark extends Benchmark {
  static readonly BENCHMARK_TYPE = 'checkpointing' as const;
  readonly BENCHMARK_TYPE = 'checkpointing' as const;
  protected readonly checkpointing: CheckpointingOptions;

  constructor(options: CheckpointingOptions) {
    super({ ...options, dataDirs: options.dataDirs ?? [options.checkpointFolder] });
    this.checkpointing = options;
  }

  /** The checkpoint folder is the storage under test of role `checkpoint` (see {@link Benchmark.storageTargets}). */
  protected override storageTargets(): StorageTarget[] {
    return super.storageTargets().map((t) => (t.role === 'data' && t.path === this.checkpointing.checkpointFolder ? { ...t, role: 'checkpoint' as const } : t));
  }

  /** `--engine`, default `dlio`. */
  get engine(): EngineName {
    return this.checkpointing.engine ?? 'dlio';
  }

  /** The built-in engine, or null when this build has none (issue 5 wires src/engines here). */
  protected builtinEngine(): BuiltinEngine | null {
    return null;
  }

  protected override validate(): void {
    parseParams(this.checkpointing.params);
    if (this.checkpointing.command !== 'run') return;
    if (this.engine === 'builtin') {
      if (!this.builtinEngine()) {
        throw new MlpsError('ENGINE_UNAVAILABLE', '--engine: the built-in checkpointing engine is not available in this build; use --engine dlio');
      }
      return;
    }
    this.dlioCommand(!this.options.whatIf);
  }

  /** The workload overrides mlps sets itself, before the user's `--params` (as Python's `params_dict`). */
  private dlioOverrides(): Array<[string, string]> {
    const c = this.checkpointing;
    return [
      ['checkpoint.checkpoint_folder', c.checkpointFolder],
      ['checkpoint.num_checkpoints_read', String(c.numCheckpointsRead ?? 10)],
      ['checkpoint.num_checkpoints_write', String(c.numCheckpointsWrite ?? 10)],
    ];
  }

  protected override referenceRunInfo(): ReferenceRunInfo {
    let user: Array<[string, string]> = [];
    try {
      user = parseParams(this.checkpointing.params);
    } catch {
      // Refused at validation; the metadata is still written.
    }
    return {
      numProcesses: this.checkpointing.numProcesses,
      accelerator: null,
      overrideParameters: Object.fromEntries([...this.dlioOverrides(), ...user]),
    };
  }

  /** The DLIO argv of `checkpointing run`. */
  dlioCommand(resolve: boolean): string[] {
    const c = this.checkpointing;
    return buildDlioCommand({
      ...c,
      hosts: this.hosts,
      numProcesses: c.numProcesses,
      workload: c.model,
      outputDir: this.runResultOutput,
      overrides: this.dlioOverrides(),
      resolve,
    });
  }

  protected async _run(): Promise<number> {
    const c = this.checkpointing;
    if (c.command === 'datasize') {
      const size = computeCheckpointDatasize({
        model: c.model,
        numCheckpointsWrite: c.numCheckpointsWrite ?? 10,
        numCheckpointsRead: c.numCheckpointsRead ?? 10,
        numProcesses: c.numProcesses,
      });
      (c.out ?? process.stdout).write(`${JSON.stringify(size, null, 2)}\n`);
      return 0;
    }
    const engine = this.engine === 'builtin' ? this.builtinEngine() : null;
    if (engine) {
      return engine({ runDir: this.runResultOutput, executor: this.executor, signal: this.abortController.signal, log: (m) => this.info(m) });
    }
    return this.executor.execute(this.dlioCommand(!this.options.whatIf), {
      logDir: this.runResultOutput,
      logPrefix: `${this.BENCHMARK_TYPE}_${c.command}`,
    });
  }
}
