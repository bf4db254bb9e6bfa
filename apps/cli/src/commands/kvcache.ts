import { Option, type Command } from 'commander';
import { KVCACHE_MODELS, KvCacheBenchmark, type KvCacheOptions } from '@mlps/benchmark';
import { runBenchmarkCommand } from '../benchmark-command';
import type { CliContext } from '../context';
import {
  addExecTypeOption,
  addMpiOptions,
  addSshOptions,
  addStandardOptions,
  addTimeseriesOptions,
  commonBenchmarkOptions,
  GROUPS,
  type CommonParsed,
  type DlioMpiParsed,
} from '../options';
import { parseNonNegativeInt, parsePositiveInt, parsePositiveNumber } from '../option-parsers';
import { givenByUser, type NotHonoured } from '../python-args';

interface KvCacheParsed extends CommonParsed, Pick<DlioMpiParsed, 'mpiBin' | 'oversubscribe' | 'allowRunAsRoot' | 'mpiParams'> {
  model: KvCacheOptions['model'];
  numUsers?: number;
  gpuMemGb?: number;
  cpuMemGb?: number;
  cacheDir?: string;
  duration?: number;
  generationMode?: string;
  performanceProfile?: string;
  seed?: number;
  kvcacheBinPath?: string;
  disableMultiTurn?: boolean;
  disablePrefixCaching?: boolean;
  enableRag?: boolean;
  ragNumDocs?: number;
  enableAutoscaling?: boolean;
  autoscalerMode?: 'qos' | 'predictive';
  numProcesses?: number;
}

function group(cmd: Command, heading: string, options: Option[]): void {
  for (const o of options) cmd.addOption(o.helpGroup(heading));
}

/** The MPI flags of `kvcache run` that apply only when it runs under MPI (`--num-processes`). */
function mpiFlagsWithoutMpi(cmd: Command, p: KvCacheParsed): NotHonoured[] {
  if (p.numProcesses !== undefined && (p.execType ?? 'mpi') === 'mpi') return [];
  return ['mpiBin', 'oversubscribe', 'allowRunAsRoot', 'mpiParams']
    .filter((a) => givenByUser(cmd, a))
    .map((a) => ({ flag: `--${a.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, why: 'kvcache runs under MPI only with --num-processes and --exec-type mpi' }));
}

/** `mlpstorage kvcache datasize|run`, with `mlpstorage`'s option groups. */
export function registerKvcacheCommands(program: Command, ctx: CliContext): void {
  const kvcache = program.command('kvcache').description('KV-cache benchmark for LLM inference storage (preview): kv-cache.py');
  const help = { datasize: 'calculate the KV-cache footprint of a model and user count', run: 'run the KV-cache benchmark (with host time-series collection)' };
  for (const name of ['datasize', 'run'] as const) {
    const cmd = kvcache.command(name).description(help[name]);
    group(cmd, GROUPS.kvModel, [
      new Option('-m, --model <model>', 'model whose KV cache is simulated').choices([...KVCACHE_MODELS]).default('llama3.1-8b'),
      new Option('--num-users <n>', 'concurrent users (alias -nu)').argParser(parsePositiveInt).default(100),
    ]);
    group(cmd, GROUPS.kvCache, [
      new Option('--gpu-mem-gb <gb>', 'GPU memory of the first cache tier, GiB').argParser(parsePositiveNumber).default(16),
      new Option('--cpu-mem-gb <gb>', 'CPU memory of the second cache tier, GiB').argParser(parsePositiveNumber).default(32),
      new Option('--cache-dir <dir>', 'directory of the storage cache tier'),
    ]);
    if (name === 'run') {
      group(cmd, GROUPS.kvRun, [
        new Option('-d, --duration <seconds>', 'run duration').argParser(parsePositiveInt).default(60),
        new Option('--generation-mode <mode>', 'token generation simulation').choices(['none', 'fast', 'realistic']).default('realistic'),
        new Option('--performance-profile <profile>', 'pass/fail profile').choices(['latency', 'throughput']).default('latency'),
        new Option('--seed <n>', 'random seed').argParser(parseNonNegativeInt),
        new Option('--kvcache-bin-path <file>', 'path of kv-cache.py (default: PATH)'),
      ]);
      group(cmd, GROUPS.kvFeatures, [
        new Option('--disable-multi-turn', 'disable multi-turn conversation simulation'),
        new Option('--disable-prefix-caching', 'disable prefix caching'),
        new Option('--enable-rag', 'enable RAG document handling'),
        new Option('--rag-num-docs <n>', 'RAG documents per query when RAG is enabled').argParser(parsePositiveInt).default(10),
        new Option('--enable-autoscaling', 'enable autoscaling of the user load'),
        new Option('--autoscaler-mode <mode>', 'autoscaler: qos (quality of service) or predictive (load prediction)').choices(['qos', 'predictive']).default('qos'),
      ]);
      addExecTypeOption(cmd, GROUPS.kvDistributed);
      group(cmd, GROUPS.kvDistributed, [
        new Option('--num-processes <n>', 'MPI processes (ranks) running kv-cache.py over --hosts (alias -np; default: no MPI, one process)').argParser(parsePositiveInt),
      ]);
    }
    addStandardOptions(cmd);
    if (name === 'run') {
      addMpiOptions(cmd);
      addTimeseriesOptions(cmd);
    }
    addSshOptions(cmd);
    cmd.action(async (_parsed: KvCacheParsed, command: Command) => {
      ctx.exitCode = await runBenchmarkCommand<KvCacheParsed>(ctx, {
        program: 'kvcache',
        command: name,
        cmd: command,
        notHonoured: (p) => mpiFlagsWithoutMpi(command, p),
        build: (p, args, events) => {
          const options: KvCacheOptions = {
            ...commonBenchmarkOptions(name, p, args),
            command: name,
            model: p.model,
            events,
            out: ctx.stdout,
            ...(p.numUsers !== undefined ? { numUsers: p.numUsers } : {}),
            ...(p.gpuMemGb !== undefined ? { gpuMemGb: p.gpuMemGb } : {}),
            ...(p.cpuMemGb !== undefined ? { cpuMemGb: p.cpuMemGb } : {}),
            ...(p.cacheDir ? { cacheDir: p.cacheDir } : {}),
            ...(p.duration !== undefined ? { durationSeconds: p.duration } : {}),
            ...(p.generationMode ? { generationMode: p.generationMode } : {}),
            ...(p.performanceProfile ? { performanceProfile: p.performanceProfile } : {}),
            ...(p.seed !== undefined ? { seed: p.seed } : {}),
            ...(p.kvcacheBinPath ? { kvcacheBinPath: p.kvcacheBinPath } : {}),
            ...(p.disableMultiTurn ? { disableMultiTurn: true } : {}),
            ...(p.disablePrefixCaching ? { disablePrefixCaching: true } : {}),
            ...(p.enableRag ? { enableRag: true, ragNumDocs: p.ragNumDocs ?? 10 } : {}),
            ...(p.enableAutoscaling ? { enableAutoscaling: true, autoscalerMode: p.autoscalerMode ?? 'qos' } : {}),
            // As mlpstorage: the MPI prefix only with --exec-type mpi.
            ...(p.numProcesses !== undefined && (p.execType ?? 'mpi') === 'mpi'
              ? {
                  mpi: {
                    numProcesses: p.numProcesses,
                    mpiBin: p.mpiBin ?? 'mpirun',
                    ...(p.oversubscribe ? { oversubscribe: true } : {}),
                    ...(p.allowRunAsRoot ? { allowRunAsRoot: true } : {}),
                    ...(p.mpiParams ? { mpiParams: p.mpiParams } : {}),
                  },
                }
              : {}),
          };
          return new KvCacheBenchmark(options);
        },
      });
    });
  }
}
