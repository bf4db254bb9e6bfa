import { MlpsError } from '@mlps/timeseries';
import { Benchmark, type BenchmarkOptions, type ReferenceRunInfo } from './benchmark';
import { buildDlioCommand, parseParams, type DlioLaunchOptions } from './dlio';
import { formatCommandLine } from './command-line';
import {
  MEMORY_MULTIPLIER,
  STEPS_PER_EPOCH,
  TRAINING_WORKLOADS,
  type Accelerator,
  type TrainingModel,
} from './models';
import type { BuiltinEngine, EngineName } from './workload-context';

/** Options of {@link TrainingBenchmark} (`mlpstorage training <command>`). */
export interface TrainingOptions extends BenchmarkOptions, DlioLaunchOptions {
  command: 'datasize' | 'datagen' | 'run' | 'configview';
  model: TrainingModel;
  engine?: EngineName;
  acceleratorType?: Accelerator;
  /** `run` and `configview`: simulated accelerators (MPI processes). */
  numAccelerators?: number;
  /** `datagen`: generation processes. */
  numProcesses?: number;
  /** `datasize`: the most accelerators the dataset must feed. */
  maxAccelerators?: number;
  clientHostMemoryInGb?: number;
  numClientHosts?: number;
  dataDir?: string;
  /** Where `datasize` and `configview` print (default stdout). */
  out?: NodeJS.WritableStream;
}

/** Result of `training datasize`. */
export interface TrainingDatasize {
  model: TrainingModel;
  accelerator: Accelerator;
  num_client_hosts: number;
  total_client_memory_gb: number;
  samples_by_steps: number;
  samples_by_memory: number;
  num_samples: number;
  num_files_train: number;
  dataset_bytes: number;
}

/**
 * Samples and files a training dataset needs: enough for {@link STEPS_PER_EPOCH} steps of every
 * accelerator, and at least {@link MEMORY_MULTIPLIER}× the clients' memory, so the page cache cannot hold it.
 */
export function computeTrainingDatasize(input: {
  model: TrainingModel;
  accelerator: Accelerator;
  maxAccelerators: number;
  clientHostMemoryInGb: number;
  numClientHosts: number;
}): TrainingDatasize {
  const w = TRAINING_WORKLOADS[input.model];
  const memoryBytes = input.clientHostMemoryInGb * 1024 ** 3 * input.numClientHosts;
  const samplesBySteps = STEPS_PER_EPOCH * w.batchSize[input.accelerator] * input.maxAccelerators;
  const samplesByMemory = Math.ceil((memoryBytes * MEMORY_MULTIPLIER) / w.recordBytes);
  const numSamples = Math.max(samplesBySteps, samplesByMemory);
  const numFiles = Math.ceil(numSamples / w.samplesPerFile);
  return {
    model: input.model,
    accelerator: input.accelerator,
    num_client_hosts: input.numClientHosts,
    total_client_memory_gb: input.clientHostMemoryInGb * input.numClientHosts,
    samples_by_steps: samplesBySteps,
    samples_by_memory: samplesByMemory,
    num_samples: numSamples,
    num_files_train: numFiles,
    dataset_bytes: numFiles * w.samplesPerFile * w.recordBytes,
  };
}

/** The training benchmark: DLIO under MPI (or the built-in engine) reading a generated dataset. */
export class TrainingBenchmark extends Benchmark {
  static readonly BENCHMARK_TYPE = 'training' as const;
  readonly BENCHMARK_TYPE = 'training' as const;
  protected readonly training: TrainingOptions;

  constructor(options: TrainingOptions) {
    super({ ...options, dataDirs: options.dataDirs ?? (options.dataDir ? [options.dataDir] : []) });
    this.training = options;
  }

  /** `--engine`, default `dlio`. */
  get engine(): EngineName {
    return this.training.engine ?? 'dlio';
  }

  /** The built-in engine for this command, or null when this build has none (issue 5 wires src/engines here). */
  protected builtinEngine(): BuiltinEngine | null {
    return null;
  }

  protected override validate(): void {
    parseParams(this.training.params);
    const cmd = this.training.command;
    if (cmd === 'run' || cmd === 'datagen') {
      if (this.engine === 'builtin') {
        if (!this.builtinEngine()) {
          throw new MlpsError('ENGINE_UNAVAILABLE', `--engine: the built-in training engine is not available in this build; use --engine dlio`);
        }
        return;
      }
      // Resolving the programs here turns a missing dlio_benchmark/mpirun into one line before any file exists.
      this.dlioCommand(!this.options.whatIf);
    }
  }

  /** The workload overrides mlps sets itself (data folder, workflow), before the user's `--params`. */
  private dlioOverrides(): Array<[string, string]> {
    const t = this.training;
    const overrides: Array<[string, string]> = [];
    if (t.dataDir) overrides.push(['dataset.data_folder', t.dataDir]);
    const datagen = t.command === 'datagen';
    overrides.push(['workflow.generate_data', datagen ? 'True' : 'False'], ['workflow.train', datagen ? 'False' : 'True']);
    return overrides;
  }

  /** Processes are the simulated accelerators (`run`) or the generation processes (`datagen`). */
  protected override referenceRunInfo(): ReferenceRunInfo {
    const t = this.training;
    const datagen = t.command === 'datagen';
    let user: Array<[string, string]> = [];
    try {
      user = parseParams(t.params);
    } catch {
      // Refused at validation; the metadata is still written.
    }
    return {
      numProcesses: (datagen ? t.numProcesses : t.numAccelerators) ?? 1,
      accelerator: datagen ? null : (t.acceleratorType ?? 'h100'),
      overrideParameters: Object.fromEntries([...this.dlioOverrides(), ...user]),
    };
  }

  /** The DLIO argv of this command (`run`/`datagen`/`configview`). */
  dlioCommand(resolve: boolean): string[] {
    const t = this.training;
    const accelerator = t.acceleratorType ?? 'h100';
    const overrides = this.dlioOverrides();
    const datagen = t.command === 'datagen';
    return buildDlioCommand({
      ...t,
      hosts: this.hosts,
      numProcesses: (datagen ? t.numProcesses : t.numAccelerators) ?? 1,
      workload: `${t.model}_${accelerator}`,
      outputDir: this.runResultOutput,
      overrides,
      resolve,
    });
  }

  protected async _run(): Promise<number> {
    const t = this.training;
    const out = t.out ?? process.stdout;
    switch (t.command) {
      case 'datasize': {
        const size = computeTrainingDatasize({
          model: t.model,
          accelerator: t.acceleratorType ?? 'h100',
          maxAccelerators: t.maxAccelerators ?? 1,
          clientHostMemoryInGb: t.clientHostMemoryInGb ?? 0,
          numClientHosts: t.numClientHosts ?? this.hosts.length,
        });
        out.write(`${JSON.stringify(size, null, 2)}\n`);
        out.write(`datagen with: --params dataset.num_files_train=${size.num_files_train}\n`);
        return 0;
      }
      case 'configview': {
        const view = {
          benchmark_type: this.BENCHMARK_TYPE,
          model: t.model,
          accelerator_type: t.acceleratorType ?? 'h100',
          num_accelerators: t.numAccelerators ?? 1,
          hosts: this.hosts.map((h) => h.spec),
          data_dir: t.dataDir ?? null,
          params: Object.fromEntries(parseParams(t.params)),
          command: formatCommandLine(this.dlioCommand(false)),
        };
        out.write(`${JSON.stringify(view, null, 2)}\n`);
        return 0;
      }
      case 'datagen':
      case 'run': {
        const engine = this.engine === 'builtin' ? this.builtinEngine() : null;
        if (engine) {
          return engine({
            runDir: this.runResultOutput,
            executor: this.executor,
            signal: this.abortController.signal,
            log: (m) => this.info(m),
          });
        }
        return this.executor.execute(this.dlioCommand(!this.options.whatIf), {
          logDir: this.runResultOutput,
          logPrefix: `${this.BENCHMARK_TYPE}_${t.command}`,
        });
      }
    }
  }
}
