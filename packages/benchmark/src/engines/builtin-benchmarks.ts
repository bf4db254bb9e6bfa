/**
 * The built-in engines as benchmarks: subclasses of the training and checkpointing benchmarks whose
 * default engine is `builtin`. They check everything in `validate()` (before a results directory or the
 * collector exists), run the engine in `_run()`, write `{type}_{datetime}_results.json` beside the
 * metadata, add the results, comparability and the collector's cadence to the metadata, and print the
 * engine's summary once the time series is complete.
 */
import { MlpsError, formatMilliseconds } from '@mlps/timeseries';
import { isLocalHost, type HostSpec } from '@mlps/multihost';
import { writeJsonAtomic } from './atomic-json';
import { CheckpointingBenchmark, type CheckpointingOptions } from '../checkpointing';
import { parseParams } from '../dlio';
import { TrainingBenchmark, type TrainingOptions } from '../training';
import type { BuiltinEngine, EngineName, WorkloadContext } from '../workload-context';
import {
  computeCheckpointSizes,
  describeCheckpointingConfig,
  formatCheckpointDatasize,
  resolveCheckpointingConfig,
  type CheckpointingConfig,
} from './checkpointing-config';
import { runCheckpointingWorkload } from './checkpointing-run';
import { formatCheckpointingSummary } from './checkpointing-summary';
import { isWorkloadError } from './engine-errors';
import { preflightCheckpointing, preflightTrainingDatagen, preflightTrainingRun } from './preflight';
import type { EngineProgress } from './progress';
import { resolveTrainingConfig, formatTrainingConfig, describeTrainingConfig, type TrainingConfig } from './training-config';
import { generateTrainingDataset } from './training-datagen';
import { computeTrainingDatasetSize, formatTrainingDatasize } from './training-datasize';
import { runTrainingWorkload } from './training-run';
import { formatDatagenSummary, formatTrainingRunSummary } from './training-summary';

/** The collector's cadence target during a built-in run: p99 interval error under this many ms. */
export const CADENCE_P99_TARGET_MS = 20;

/** `--params` keys the built-in training engine understands (DLIO's names). */
export const BUILTIN_TRAINING_PARAMS = ['dataset.num_files_train', 'train.epochs', 'reader.read_threads', 'train.seed'] as const;

/** Options of {@link BuiltinTrainingBenchmark}: the training options plus `--scale`. */
export interface BuiltinTrainingOptions extends TrainingOptions {
  /** `--scale` in (0, 1]; see the engines' scale module. */
  scale?: number;
}

/** Options of {@link BuiltinCheckpointingBenchmark}: the checkpointing options plus `--scale` and `--drop-caches`. */
export interface BuiltinCheckpointingOptions extends CheckpointingOptions {
  scale?: number;
  dropCaches?: boolean;
}

type EngineResult = { complete: boolean; comparable: boolean; not_comparable_reasons: string[] };

/** What the built-in subclasses share: results file, metadata additions, summary printing, progress. */
class BuiltinRunState {
  result: EngineResult | null = null;
  resultFile: string | null = null;
  summary: string | null = null;
  lastProgressMs = 0;

  /** Progress lines at most every 2 s, except phase ends (an epoch, a checkpoint, the last file). */
  progress(ctx: WorkloadContext): (e: EngineProgress) => void {
    return (e) => {
      const now = performance.now();
      const milestone = e.phase === 'epoch' || e.phase === 'write' || e.phase === 'read' || e.phase === 'drop-caches' || e.done === e.total;
      if (!milestone && now - this.lastProgressMs < 2000) return;
      this.lastProgressMs = now;
      ctx.log(e.message);
    };
  }

  async record(result: EngineResult, file: string, summary: string): Promise<void> {
    this.result = result;
    this.summary = summary;
    try {
      await writeJsonAtomic(file, result);
      this.resultFile = file;
    } catch {
      // The metadata carries the same result; a results file that cannot be written is not a lost result.
    }
  }

  metadata(base: Record<string, unknown>, engine: EngineName, config: Record<string, unknown> | null): Record<string, unknown> {
    const stats = base.interval_stats as { interval_error_ms?: { p99: number; mean: number; max: number }; skipped_ticks?: number } | null | undefined;
    const p99 = stats?.interval_error_ms?.p99;
    return {
      ...base,
      engine,
      ...(config ? { engine_config: config } : {}),
      ...(this.result
        ? {
            comparable: this.result.comparable,
            not_comparable_reasons: this.result.not_comparable_reasons,
            results_complete: this.result.complete,
            results_file: this.resultFile,
            results: this.result,
          }
        : {}),
      ...(p99 !== undefined
        ? { timeseries_cadence: { interval_error_p99_ms: p99, target_p99_ms: CADENCE_P99_TARGET_MS, within_target: p99 < CADENCE_P99_TARGET_MS, skipped_ticks: stats?.skipped_ticks ?? 0 } }
        : {}),
    };
  }

  cadenceLine(base: Record<string, unknown>): string | null {
    const stats = base.interval_stats as { interval_error_ms?: { p99: number; mean: number; max: number }; skipped_ticks?: number } | null | undefined;
    const e = stats?.interval_error_ms;
    if (!e) return null;
    return (
      `time-series cadence during the workload: interval error p99 ${formatMilliseconds(e.p99)}, mean ${formatMilliseconds(e.mean)}, max ${formatMilliseconds(e.max)}, ` +
      `skipped ticks ${stats?.skipped_ticks ?? 0} (${e.p99 < CADENCE_P99_TARGET_MS ? 'within' : 'OVER'} the ${CADENCE_P99_TARGET_MS} ms target)`
    );
  }
}

/**
 * The builtin engines run on this host; remote --hosts only get time series collected. This host is
 * sampled too (Benchmark.timeseriesHosts), and the note says under which name.
 */
function remoteHostsNote(hosts: readonly HostSpec[]): string | null {
  const remote = hosts.filter((h) => !isLocalHost(h.host)).map((h) => h.host);
  if (remote.length === 0) return null;
  const local = hosts.some((h) => isLocalHost(h.host)) ? '' : '; this host is sampled too, as 127.0.0.1';
  return `the builtin engine runs the workload on this host only; ${remote.join(', ')} get time series collected but no workload (use --engine dlio to run on every host)${local}`;
}

function resultsFileOf(metadataPath: string): string {
  return metadataPath.replace(/_metadata\.json$/, '_results.json');
}

function builtinTrainingParams(params: readonly string[] | undefined): { numFiles?: number; epochs?: number; readThreads?: number; seed?: number } {
  const out: { numFiles?: number; epochs?: number; readThreads?: number; seed?: number } = {};
  for (const [key, value] of parseParams(params)) {
    const n = Number(value);
    if (key === 'dataset.num_files_train') out.numFiles = n;
    else if (key === 'train.epochs') out.epochs = n;
    else if (key === 'reader.read_threads') out.readThreads = n;
    else if (key === 'train.seed') out.seed = n;
    else {
      throw new MlpsError('INVALID_ARGUMENT', `--params ${key} is not supported by the builtin engine (supported: ${BUILTIN_TRAINING_PARAMS.join(', ')}; or use --engine dlio)`);
    }
  }
  return out;
}

/**
 * `mlpstorage training datasize|datagen|run|configview` with the built-in engine as default
 * (`--engine dlio` falls back to {@link TrainingBenchmark}'s DLIO launch).
 */
export class BuiltinTrainingBenchmark extends TrainingBenchmark {
  private readonly builtinOptions: BuiltinTrainingOptions;
  private readonly state = new BuiltinRunState();
  private engineConfig: TrainingConfig | null = null;

  constructor(options: BuiltinTrainingOptions) {
    super(options);
    this.builtinOptions = options;
  }

  /** `--engine`, default `builtin`. */
  override get engine(): EngineName {
    return this.training.engine ?? 'builtin';
  }

  /** The built-in engine runs the workload here, so this host is always sampled. */
  protected override workloadRunsOnThisHost(): boolean {
    return this.engine === 'builtin';
  }

  /** The structured result of the last datagen/run (null before, or when the engine failed before starting). */
  get engineResult(): unknown {
    return this.state.result;
  }

  /** The effective configuration (resolves and validates the options). */
  resolveConfig(): TrainingConfig {
    const t = this.builtinOptions;
    const p = builtinTrainingParams(t.params);
    return resolveTrainingConfig({
      model: t.model,
      ...(t.dataDir !== undefined ? { dataDir: t.dataDir } : {}),
      ...(t.numAccelerators !== undefined ? { numAccelerators: t.numAccelerators } : {}),
      ...(t.acceleratorType !== undefined ? { acceleratorType: t.acceleratorType } : {}),
      ...(t.scale !== undefined ? { scale: t.scale } : {}),
      ...(t.command === 'datagen' && t.numProcesses !== undefined ? { datagenThreads: t.numProcesses } : {}),
      ...p,
    });
  }

  protected override builtinEngine(): BuiltinEngine | null {
    return (ctx) => this.runEngine(ctx);
  }

  protected override validate(): void {
    super.validate();
    if (this.engine !== 'builtin') return;
    const config = this.resolveConfig();
    this.engineConfig = config;
    if (this.options.whatIf) return;
    const note = this.training.command === 'run' ? remoteHostsNote(this.hosts) : null;
    if (note) this.warn(note);
    if (this.training.command === 'run') preflightTrainingRun(config);
    if (this.training.command === 'datagen') preflightTrainingDatagen(config);
  }

  protected override async _run(): Promise<number> {
    if (this.engine !== 'builtin') return super._run();
    const t = this.training;
    const out = t.out ?? process.stdout;
    if (t.command === 'datasize') {
      const size = await computeTrainingDatasetSize({
        model: t.model,
        numAccelerators: t.numAccelerators ?? t.maxAccelerators ?? 1,
        ...(t.clientHostMemoryInGb !== undefined ? { clientHostMemoryGiB: t.clientHostMemoryInGb } : {}),
        numClientHosts: t.numClientHosts ?? this.hosts.length,
      });
      out.write(`${formatTrainingDatasize(size)}\n`);
      out.write(`datagen with: mlpstorage training datagen --model ${t.model} --params dataset.num_files_train=${size.required_files} --data-dir <dir>\n`);
      return 0;
    }
    if (t.command === 'configview') {
      out.write(`${formatTrainingConfig(this.engineConfig ?? this.resolveConfig())}\n`);
      return 0;
    }
    if (this.options.whatIf) {
      out.write(`what-if: builtin ${t.command}:\n${formatTrainingConfig(this.engineConfig ?? this.resolveConfig())}\n`);
      return 0;
    }
    return super._run();
  }

  private async runEngine(ctx: WorkloadContext): Promise<number> {
    const config = this.engineConfig ?? this.resolveConfig();
    const file = resultsFileOf(this.metadataFilePath);
    const options = { onProgress: this.state.progress(ctx), signal: ctx.signal };
    try {
      if (this.training.command === 'datagen') {
        const r = await generateTrainingDataset(config, options);
        await this.state.record(r, file, formatDatagenSummary(r));
      } else {
        const r = await runTrainingWorkload(config, options);
        await this.state.record(r, file, formatTrainingRunSummary(r));
      }
      return 0;
    } catch (err) {
      if (isWorkloadError(err) && err.details.partialResult) {
        const partial = err.details.partialResult as EngineResult;
        const text = this.training.command === 'datagen' ? formatDatagenSummary(partial as never) : formatTrainingRunSummary(partial as never);
        await this.state.record(partial, file, text);
      }
      throw err;
    }
  }

  override get metadata(): Record<string, unknown> {
    return this.state.metadata(super.metadata, this.engine, this.engineConfig ? describeTrainingConfig(this.engineConfig) : null);
  }

  /** Writes the metadata, then prints the engine's summary and the collector's cadence. */
  override async writeMetadata(): Promise<void> {
    await super.writeMetadata();
    printSummary(this.training.out ?? process.stdout, this.state, super.metadata);
  }
}

/**
 * `mlpstorage checkpointing datasize|run` with the built-in engine as default (`--engine dlio` falls back
 * to {@link CheckpointingBenchmark}'s DLIO launch).
 */
export class BuiltinCheckpointingBenchmark extends CheckpointingBenchmark {
  private readonly builtinOptions: BuiltinCheckpointingOptions;
  private readonly state = new BuiltinRunState();
  private engineConfig: CheckpointingConfig | null = null;

  constructor(options: BuiltinCheckpointingOptions) {
    super(options);
    this.builtinOptions = options;
  }

  /** `--engine`, default `builtin`. */
  override get engine(): EngineName {
    return this.checkpointing.engine ?? 'builtin';
  }

  /** The built-in engine runs the workload here, so this host is always sampled. */
  protected override workloadRunsOnThisHost(): boolean {
    return this.engine === 'builtin';
  }

  /** The structured result of the last run (null before, or when the engine failed before starting). */
  get engineResult(): unknown {
    return this.state.result;
  }

  /** The effective configuration (resolves and validates the options). */
  resolveConfig(): CheckpointingConfig {
    const c = this.builtinOptions;
    if (c.params && c.params.length > 0) {
      throw new MlpsError('INVALID_ARGUMENT', '--params is not supported by the builtin checkpointing engine (use --engine dlio)');
    }
    return resolveCheckpointingConfig({
      model: c.model,
      numProcesses: c.numProcesses,
      checkpointFolder: c.checkpointFolder,
      ...(c.numCheckpointsWrite !== undefined ? { numCheckpointsWrite: c.numCheckpointsWrite } : {}),
      ...(c.numCheckpointsRead !== undefined ? { numCheckpointsRead: c.numCheckpointsRead } : {}),
      ...(c.scale !== undefined ? { scale: c.scale } : {}),
      ...(c.dropCaches !== undefined ? { dropCaches: c.dropCaches } : {}),
    });
  }

  protected override builtinEngine(): BuiltinEngine | null {
    return (ctx) => this.runEngine(ctx);
  }

  protected override validate(): void {
    super.validate();
    if (this.engine !== 'builtin') return;
    const config = this.resolveConfig();
    this.engineConfig = config;
    if (this.checkpointing.command === 'run' && !this.options.whatIf) {
      const note = remoteHostsNote(this.hosts);
      if (note) this.warn(note);
      preflightCheckpointing(config);
    }
  }

  protected override async _run(): Promise<number> {
    if (this.engine !== 'builtin') return super._run();
    const out = this.checkpointing.out ?? process.stdout;
    const config = this.engineConfig ?? this.resolveConfig();
    if (this.checkpointing.command === 'datasize') {
      out.write(`${formatCheckpointDatasize(computeCheckpointSizes(config))}\n`);
      return 0;
    }
    if (this.options.whatIf) {
      out.write(`what-if: builtin checkpointing run:\n${JSON.stringify(describeCheckpointingConfig(config), null, 2)}\n`);
      return 0;
    }
    return super._run();
  }

  private async runEngine(ctx: WorkloadContext): Promise<number> {
    const config = this.engineConfig ?? this.resolveConfig();
    const file = resultsFileOf(this.metadataFilePath);
    try {
      const r = await runCheckpointingWorkload(config, { onProgress: this.state.progress(ctx), signal: ctx.signal });
      await this.state.record(r, file, formatCheckpointingSummary(r));
      return 0;
    } catch (err) {
      if (isWorkloadError(err) && err.details.partialResult) {
        const partial = err.details.partialResult as EngineResult;
        await this.state.record(partial, file, formatCheckpointingSummary(partial as never));
      }
      throw err;
    }
  }

  override get metadata(): Record<string, unknown> {
    return this.state.metadata(super.metadata, this.engine, this.engineConfig ? describeCheckpointingConfig(this.engineConfig) : null);
  }

  /** Writes the metadata, then prints the engine's summary and the collector's cadence. */
  override async writeMetadata(): Promise<void> {
    await super.writeMetadata();
    printSummary(this.checkpointing.out ?? process.stdout, this.state, super.metadata);
  }
}

function printSummary(out: NodeJS.WritableStream, state: BuiltinRunState, base: Record<string, unknown>): void {
  if (state.summary === null) return;
  const lines = [state.summary];
  if (state.resultFile) lines.push(`results file: ${state.resultFile}`);
  const cadence = state.cadenceLine(base);
  if (cadence) lines.push(cadence);
  out.write(`${lines.join('\n')}\n`);
}
