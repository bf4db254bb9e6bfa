import type { Command } from 'commander';
import type { Benchmark, BenchmarkEvents } from '@mlps/benchmark';
import type { CliContext } from './context';
import { outputLevel, type CommonParsed } from './options';
import { applyConfigFile, notHonouredWarning, pythonArgs, universalNotHonoured, type NotHonoured } from './python-args';
import { runBenchmarkWithProgress } from './run-benchmark';

/** What {@link runBenchmarkCommand} needs from one benchmark command. */
export interface BenchmarkCommandSpec<P extends CommonParsed> {
  /** `training`, `checkpointing`, `vectordb`, `kvcache` or `exec` (`args.program`). */
  program: string;
  /** `run`, `datagen`, … (`args.command`). */
  command: string;
  /** The commander command being run (its values, their sources, its options). */
  cmd: Command;
  /** Flags of this program the engine does not honour (beside the universal ones). */
  notHonoured?: (p: P) => NotHonoured[];
  /** Builds the benchmark of one loop iteration. `args` is the record for the metadata. */
  build: (p: P, args: Record<string, unknown>, events: BenchmarkEvents) => Benchmark;
}

/**
 * Runs a benchmark command as `mlpstorage` does: `--config-file` applied over the command line, one warning
 * line naming the flags that are accepted and recorded but not honoured, `args` recorded Python-style, and
 * the benchmark run `--loops` times (a fresh run directory each time; stops at the first failure, whose
 * exit code is returned).
 */
export async function runBenchmarkCommand<P extends CommonParsed>(ctx: CliContext, spec: BenchmarkCommandSpec<P>): Promise<number> {
  const initial = spec.cmd.opts() as P;
  if (initial.configFile) {
    for (const w of applyConfigFile(spec.cmd, initial.configFile)) ctx.stderr.write(`mlpstorage: warning: ${w}\n`);
  }
  const p = spec.cmd.opts() as P;
  const notHonoured = [...universalNotHonoured(spec.cmd, p), ...(spec.notHonoured?.(p) ?? [])];
  const warning = notHonouredWarning(notHonoured, p.engine);
  if (warning) ctx.stderr.write(`${warning}\n`);
  const args = pythonArgs({ program: spec.program, command: spec.command, cmd: spec.cmd, notHonoured });
  const loops = p.loops ?? 1;
  const quiet = outputLevel(p).quiet;
  let code = 0;
  for (let loop = 1; loop <= loops; loop++) {
    if (loops > 1 && !quiet) ctx.stderr.write(`mlpstorage: loop ${loop} of ${loops}\n`);
    code = await runBenchmarkWithProgress(ctx, quiet, (events) => spec.build(p, args, events), { devicesGlob: p.devices });
    if (code !== 0) {
      if (loops > 1) ctx.stderr.write(`mlpstorage: benchmark failed in loop ${loop} of ${loops}; not running the rest\n`);
      break;
    }
  }
  return code;
}
