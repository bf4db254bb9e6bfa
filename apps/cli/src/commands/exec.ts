import { Option, type Command } from 'commander';
import { BENCHMARK_TYPES, CommandBenchmark, type BenchmarkType } from '@mlps/benchmark';
import type { CliContext } from '../context';
import { runBenchmarkCommand } from '../benchmark-command';
import { addSshOptions, addStandardOptions, addTimeseriesOptions, commonBenchmarkOptions, type CommonParsed } from '../options';

interface ExecParsed extends CommonParsed {
  benchmarkType: BenchmarkType;
  name: string;
  dataDir?: string[];
}

/**
 * `mlpstorage exec [options] -- <command...>`: any command as the workload of a `run`, with the whole
 * lifecycle (snapshots, time series, metadata). For ad-hoc workloads (fio, dd, a script) and the CLI tests.
 */
export function registerExecCommand(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('exec')
    .description('run any command as the workload, with host time-series collection and result files')
    .argument('<command...>', 'the workload and its arguments (after --; run without a shell)')
    .passThroughOptions();
  cmd.addOption(new Option('--benchmark-type <type>', 'results layout and file names to use').choices([...BENCHMARK_TYPES]).default('training'));
  cmd.addOption(new Option('--name <name>', 'model/name under which results are filed').default('exec'));
  cmd.addOption(new Option('--data-dir <dir...>', 'directories whose mounts the cluster snapshots record'));
  addStandardOptions(cmd);
  addTimeseriesOptions(cmd);
  addSshOptions(cmd);
  cmd.addHelpText('after', '\nExample:\n  mlpstorage exec --timeseries-interval 1 -- fio --name=seq --rw=write --size=1g --filename=/mnt/test/f\n');
  cmd.action(async (argv: string[], _parsed: ExecParsed, command: Command) => {
    ctx.exitCode = await runBenchmarkCommand<ExecParsed>(ctx, {
      program: 'exec',
      command: 'run',
      cmd: command,
      build: (p, args, events) =>
        new CommandBenchmark({
          ...commonBenchmarkOptions('run', p, { ...args, workload_argv: argv }),
          model: p.name,
          benchmarkType: p.benchmarkType,
          argv,
          events,
          ...(p.dataDir ? { dataDirs: p.dataDir } : {}),
        }),
    });
  });
}
