import { Option, type Command } from 'commander';
import { KVCACHE_MODELS, KvCacheBenchmark, type KvCacheOptions } from '@mlps/benchmark';
import type { CliContext } from '../context';
import { addSshOptions, addStandardOptions, addTimeseriesOptions, commonBenchmarkOptions, type CommonParsed } from '../options';
import { parseNonNegativeInt, parsePositiveInt, parsePositiveNumber } from '../option-parsers';
import { runBenchmarkWithProgress } from '../run-benchmark';

interface KvCacheParsed extends CommonParsed {
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
}

/** `mlpstorage kvcache datasize|run`. */
export function registerKvcacheCommands(program: Command, ctx: CliContext): void {
  const kvcache = program.command('kvcache').description('KV-cache benchmark for LLM inference storage (preview): kv-cache.py');
  const help = { datasize: 'calculate the KV-cache footprint of a model and user count', run: 'run the KV-cache benchmark (with host time-series collection)' };
  for (const name of ['datasize', 'run'] as const) {
    const cmd = kvcache.command(name).description(help[name]);
    cmd.addOption(new Option('-m, --model <model>', 'model whose KV cache is simulated').choices([...KVCACHE_MODELS]).default('llama3.1-8b'));
    cmd.addOption(new Option('--num-users <n>', 'concurrent users (alias -nu)').argParser(parsePositiveInt).default(100));
    cmd.addOption(new Option('--gpu-mem-gb <gb>', 'GPU memory of the first cache tier, GiB').argParser(parsePositiveNumber).default(16));
    cmd.addOption(new Option('--cpu-mem-gb <gb>', 'CPU memory of the second cache tier, GiB').argParser(parsePositiveNumber).default(32));
    cmd.addOption(new Option('--cache-dir <dir>', 'directory of the storage cache tier'));
    if (name === 'run') {
      cmd.addOption(new Option('-d, --duration <seconds>', 'run duration').argParser(parsePositiveInt).default(60));
      cmd.addOption(new Option('--generation-mode <mode>', 'token generation simulation').choices(['none', 'fast', 'realistic']).default('realistic'));
      cmd.addOption(new Option('--performance-profile <profile>', 'pass/fail profile').choices(['latency', 'throughput']).default('latency'));
      cmd.addOption(new Option('--seed <n>', 'random seed').argParser(parseNonNegativeInt));
      cmd.addOption(new Option('--kvcache-bin-path <file>', 'path of kv-cache.py (default: PATH)'));
    }
    addStandardOptions(cmd);
    if (name === 'run') addTimeseriesOptions(cmd);
    addSshOptions(cmd);
    cmd.action(async (p: KvCacheParsed) => {
      ctx.exitCode = await runBenchmarkWithProgress(ctx, p.quiet ?? false, (events) => {
        const options: KvCacheOptions = {
          ...commonBenchmarkOptions(name, p),
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
        };
        return new KvCacheBenchmark(options);
      });
    });
  }
}
