import { Option, type Command } from 'commander';
import {
  ACCELERATORS,
  TRAINING_MODELS,
  type BenchmarkEvents,
  type TrainingOptions,
} from '@mlps/benchmark';
import { BUILTIN_TRAINING_PARAMS, BuiltinTrainingBenchmark, type BuiltinTrainingOptions } from '@mlps/benchmark/engines';
import type { CliContext } from '../context';
import { runBenchmarkCommand } from '../benchmark-command';
import {
  addDlioOptions,
  addExecTypeOption,
  addMpiOptions,
  addSshOptions,
  addStandardOptions,
  addTimeseriesOptions,
  commonBenchmarkOptions,
  type CommonParsed,
  dlioMpiBenchmarkOptions,
  type DlioMpiParsed,
} from '../options';
import { parsePositiveInt, parsePositiveNumber } from '../option-parsers';
import { dlioFlagsNotHonoured, filterParamsForBuiltin } from './dlio-flags';

type TrainingCommand = TrainingOptions['command'];

interface TrainingParsed extends CommonParsed, DlioMpiParsed {
  model: TrainingOptions['model'];
  acceleratorType?: TrainingOptions['acceleratorType'];
  numAccelerators?: number;
  numProcesses?: number;
  maxAccelerators?: number;
  clientHostMemoryInGb?: number;
  numClientHosts?: number;
  dataDir?: string;
}

const HELP = {
  datasize: 'calculate the number of samples and files a dataset needs for a workload, accelerator count and client memory',
  datagen: 'generate the dataset of a workload',
  run: 'run the training benchmark (with host time-series collection)',
  configview: 'show the final configuration and the command the options give',
};

function addModel(cmd: Command): void {
  cmd.addOption(new Option('-m, --model <model>', 'workload to emulate').choices([...TRAINING_MODELS]).makeOptionMandatory());
}

/** `mlpstorage training datasize|datagen|run|configview`. */
export function registerTrainingCommands(program: Command, ctx: CliContext): void {
  const training = program.command('training').description('MLPerf Storage training benchmark (built-in engine, or DLIO with --engine dlio)');
  for (const name of ['datasize', 'datagen', 'run', 'configview'] as const) {
    const cmd = training.command(name).description(HELP[name]);
    addModel(cmd);
    if (name !== 'datagen') {
      const memory = new Option('--client-host-memory-in-gb <gb>', 'memory of each client host, GB (alias -cm)').argParser(parsePositiveInt);
      // datasize measures this host's memory when it is not given (issue 5).
      cmd.addOption(memory);
    }
    if (name === 'datasize' || name === 'run') {
      cmd.addOption(new Option('-g, --accelerator-type <type>', 'accelerator to simulate').choices([...ACCELERATORS]).default('h100'));
      cmd.addOption(new Option('--num-client-hosts <n>', 'number of client hosts (alias -nc; default: number of --hosts)').argParser(parsePositiveInt));
    }
    if (name === 'run' || name === 'configview' || name === 'datagen') {
      cmd.addOption(new Option('--num-accelerators <n>', 'simulated accelerators, one MPI process each (alias -na)').argParser(parsePositiveInt).default(1));
    }
    if (name === 'datasize') {
      cmd.addOption(new Option('--num-accelerators <n>', 'simulated accelerators the dataset must feed (alias -na; same as --max-accelerators)').argParser(parsePositiveInt));
    }
    if (name !== 'datasize') {
      cmd.addOption(new Option('--scale <fraction>', 'builtin engine: run at this fraction of the dataset size, e.g. 0.001 (results labelled not comparable)').argParser(parsePositiveNumber));
    }
    if (name === 'datagen') {
      cmd.addOption(new Option('--num-processes <n>', 'parallel generation processes (alias -np)').argParser(parsePositiveInt).default(1));
    }
    if (name === 'datasize') {
      cmd.addOption(new Option('--max-accelerators <n>', 'most simulated accelerators the dataset must feed (alias -ma)').argParser(parsePositiveInt));
    }
    cmd.addOption(new Option('--data-dir <dir>', 'filesystem location of the dataset (alias -dd)'));
    if (name !== 'configview') addExecTypeOption(cmd);
    addStandardOptions(cmd);
    addDlioOptions(cmd, name === 'run' || name === 'datagen');
    addMpiOptions(cmd);
    if (name === 'run') addTimeseriesOptions(cmd);
    addSshOptions(cmd);
    cmd.action(async (_parsed: TrainingParsed, command: Command) => {
      ctx.exitCode = await runBenchmarkCommand<TrainingParsed>(ctx, {
        program: 'training',
        command: name,
        cmd: command,
        notHonoured: (p) => dlioFlagsNotHonoured(command, p, BUILTIN_TRAINING_PARAMS),
        build: (p, args, events) => {
          const params = filterParamsForBuiltin(p, BUILTIN_TRAINING_PARAMS);
          return buildTraining(ctx, name, { ...p, ...(params ? { params } : {}) }, args, events);
        },
      });
    });
  }
}

function buildTraining(ctx: CliContext, command: TrainingCommand, p: TrainingParsed, args: Record<string, unknown>, events: BenchmarkEvents): BuiltinTrainingBenchmark {
  const options: BuiltinTrainingOptions = {
    ...commonBenchmarkOptions(command, p, args),
    command,
    model: p.model,
    events,
    out: ctx.stdout,
    ...(p.acceleratorType ? { acceleratorType: p.acceleratorType } : {}),
    ...(p.numAccelerators !== undefined ? { numAccelerators: p.numAccelerators } : {}),
    ...(p.numProcesses !== undefined ? { numProcesses: p.numProcesses } : {}),
    ...(p.maxAccelerators !== undefined ? { maxAccelerators: p.maxAccelerators } : {}),
    ...(p.clientHostMemoryInGb !== undefined ? { clientHostMemoryInGb: p.clientHostMemoryInGb } : {}),
    ...(p.numClientHosts !== undefined ? { numClientHosts: p.numClientHosts } : {}),
    ...(p.dataDir ? { dataDir: p.dataDir } : {}),
    ...dlioMpiBenchmarkOptions(p),
  };
  return new BuiltinTrainingBenchmark(options);
}
