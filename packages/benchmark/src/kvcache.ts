import { Benchmark, type BenchmarkOptions } from './benchmark';
import { KVCACHE_BYTES_PER_TOKEN, type KvCacheModel } from './models';
import { mpiProgram } from './dlio';
import { buildMpiPrefix } from './mpi';
import { resolveProgram } from './program-lookup';

/** Options of {@link KvCacheBenchmark} (`mlpstorage kvcache <command>`). */
export interface KvCacheOptions extends BenchmarkOptions {
  command: 'datasize' | 'run';
  model: KvCacheModel;
  numUsers?: number;
  gpuMemGb?: number;
  cpuMemGb?: number;
  cacheDir?: string;
  durationSeconds?: number;
  generationMode?: string;
  performanceProfile?: string;
  seed?: number;
  /** Path of `kv-cache.py` (`--kvcache-bin-path`); found in PATH when absent. */
  kvcacheBinPath?: string;
  /** `--disable-multi-turn`, passed to kv-cache.py. */
  disableMultiTurn?: boolean;
  /** `--disable-prefix-caching`, passed to kv-cache.py. */
  disablePrefixCaching?: boolean;
  /** `--enable-rag` (with `--rag-num-docs`, default 10), passed to kv-cache.py. */
  enableRag?: boolean;
  ragNumDocs?: number;
  /** `--enable-autoscaling` (with `--autoscaler-mode`, default `qos`), passed to kv-cache.py. */
  enableAutoscaling?: boolean;
  autoscalerMode?: 'qos' | 'predictive';
  /**
   * Run kv-cache.py under MPI over the run's hosts (`--num-processes` ranks), as `mlpstorage` with
   * `--exec-type mpi`. Without it kv-cache.py runs as one local process.
   */
  mpi?: { numProcesses: number; mpiBin: 'mpirun' | 'mpiexec'; oversubscribe?: boolean; allowRunAsRoot?: boolean; mpiParams?: string[] };
  out?: NodeJS.WritableStream;
}

/** Context length assumed per user by `kvcache datasize`. */
export const KVCACHE_TOKENS_PER_USER = 8192;

/** KV-cache footprint of `numUsers` users and where it spills beyond the GPU and CPU tiers. */
export function computeKvCacheDatasize(input: { model: KvCacheModel; numUsers: number; gpuMemGb: number; cpuMemGb: number }): Record<string, number | string> {
  const perToken = KVCACHE_BYTES_PER_TOKEN[input.model];
  const total = perToken * KVCACHE_TOKENS_PER_USER * input.numUsers;
  const gib = 1024 ** 3;
  return {
    model: input.model,
    bytes_per_token: perToken,
    tokens_per_user: KVCACHE_TOKENS_PER_USER,
    num_users: input.numUsers,
    total_kv_cache_gb: Math.round((total / gib) * 1000) / 1000,
    storage_tier_gb: Math.max(0, Math.round(((total - (input.gpuMemGb + input.cpuMemGb) * gib) / gib) * 1000) / 1000),
  };
}

/**
 * `kvcache datasize` as text, like `training datasize` and `checkpointing datasize` print theirs:
 * what was assumed, the total, and what spills past the GPU and CPU tiers to storage.
 */
export function formatKvCacheDatasize(size: ReturnType<typeof computeKvCacheDatasize>, tiers: { gpuMemGb: number; cpuMemGb: number }): string {
  return [
    `model: ${size.model}, ${size.num_users} user(s) × ${size.tokens_per_user} tokens of context`,
    `KV cache per token: ${size.bytes_per_token} bytes`,
    `Total KV cache: ${size.total_kv_cache_gb} GiB`,
    `GPU tier ${tiers.gpuMemGb} GiB + CPU tier ${tiers.cpuMemGb} GiB; storage tier needs: ${size.storage_tier_gb} GiB`,
  ].join('\n');
}

/** The KV-cache benchmark: `kv-cache.py` (run with python3), as `mlpstorage`. */
export class KvCacheBenchmark extends Benchmark {
  static readonly BENCHMARK_TYPE = 'kv_cache' as const;
  readonly BENCHMARK_TYPE = 'kv_cache' as const;
  protected readonly kv: KvCacheOptions;

  constructor(options: KvCacheOptions) {
    super({ ...options, dataDirs: options.dataDirs ?? (options.cacheDir ? [options.cacheDir] : []) });
    this.kv = options;
  }

  protected override validate(): void {
    if (this.kv.command === 'run') this.command(!this.options.whatIf);
  }

  /** The argv of `kvcache run`. */
  command(resolve: boolean): string[] {
    const k = this.kv;
    const script = resolve
      ? resolveProgram(k.kvcacheBinPath ?? 'kv-cache.py', { hint: { option: '--kvcache-bin-path' } })
      : (k.kvcacheBinPath ?? 'kv-cache.py');
    const python = resolve ? resolveProgram('python3', { hint: { option: 'PATH' } }) : 'python3';
    const argv = [python, script, '--model', k.model];
    const add = (flag: string, value: string | number | undefined): void => {
      if (value !== undefined && value !== '') argv.push(`--${flag}`, String(value));
    };
    add('num-users', k.numUsers);
    add('duration', k.durationSeconds);
    add('gpu-mem-gb', k.gpuMemGb);
    add('cpu-mem-gb', k.cpuMemGb);
    add('cache-dir', k.cacheDir);
    add('generation-mode', k.generationMode);
    add('performance-profile', k.performanceProfile);
    add('seed', k.seed);
    add('output', `${this.runResultOutput}/kv_cache_results.json`);
    if (k.disableMultiTurn) argv.push('--disable-multi-turn');
    if (k.disablePrefixCaching) argv.push('--disable-prefix-caching');
    if (k.enableRag) argv.push('--enable-rag', '--rag-num-docs', String(k.ragNumDocs ?? 10));
    if (k.enableAutoscaling) argv.push('--enable-autoscaling', '--autoscaler-mode', k.autoscalerMode ?? 'qos');
    if (!k.mpi) return argv;
    const mpiBin = mpiProgram({ mpiBin: k.mpi.mpiBin }).program;
    const launcher = resolve ? resolveProgram(mpiBin, { hint: { option: '--mpi-bin' } }) : mpiBin;
    return [
      ...buildMpiPrefix({
        mpiBin: launcher,
        hosts: this.hosts,
        numProcesses: k.mpi.numProcesses,
        ...(k.mpi.oversubscribe ? { oversubscribe: true } : {}),
        ...(k.mpi.allowRunAsRoot ? { allowRunAsRoot: true } : {}),
        ...(k.mpi.mpiParams ? { mpiParams: k.mpi.mpiParams } : {}),
      }),
      ...argv,
    ];
  }

  protected async _run(): Promise<number> {
    const k = this.kv;
    if (k.command === 'datasize') {
      const tiers = { gpuMemGb: k.gpuMemGb ?? 16, cpuMemGb: k.cpuMemGb ?? 32 };
      const size = computeKvCacheDatasize({ model: k.model, numUsers: k.numUsers ?? 100, ...tiers });
      (k.out ?? process.stdout).write(`${formatKvCacheDatasize(size, tiers)}\n`);
      return 0;
    }
    return this.executor.execute(this.command(!this.options.whatIf), {
      logDir: this.runResultOutput,
      logPrefix: `${this.BENCHMARK_TYPE}_${k.command}`,
    });
  }
}
