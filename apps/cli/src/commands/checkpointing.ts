import { Option, type Command } from 'commander';
import { LLM_MODELS, type CheckpointingOptions } from '@mlps/benchmark';
import { BuiltinCheckpointingBenchmark, type BuiltinCheckpointingOptions } from '@mlps/benchmark/engines';
import { runBenchmarkCommand } from '../benchmark-command';
import type { CliContext } from '../context';
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
import { parseNonNegativeInt, parsePositiveInt, parsePositiveNumber } from '../option-parsers';
import { dlioFlagsNotHonoured, filterParamsForBuiltin } from './dlio-flags';

/** The built-in checkpointing engine takes no `--params`. */
const BUILTIN_CHECKPOINTING_PARAMS: readonly string[] = [];

interface CheckpointingParsed extends CommonParsed, DlioMpiParsed {
  model: CheckpointingOptions['model'];
  numProcesses: number;
  checkpointFolder: string;
  numCheckpointsRead?: number;
  numCheckpointsWrite?: number;
  clientHostMemoryInGb?: number;
  dropCaches?: boolean;
}

/** `mlpstorage checkpointing datasize|run`. */
export function registerCheckpointingCommands(program: Command, ctx: CliContext): void {
  const checkpointing = program.command('checkpointing').description('MLPerf Storage checkpointing benchmark (built-in engine, or DLIO with --engine dlio)');
  const help = {
    datasize: 'calculate the total writes and reads of a checkpointing run',
    run: 'run the checkpointing benchmark (with host time-series collection)',
  };
  for (const name of ['datasize', 'run'] as const) {
    const cmd = checkpointing.command(name).description(help[name]);
    cmd.addOption(new Option('-m, --model <model>', 'LLM whose checkpoints are emulated').choices([...LLM_MODELS]).makeOptionMandatory());
    cmd.addOption(new Option('--num-processes <n>', 'processes (simulated accelerators) (alias -np)').argParser(parsePositiveInt).makeOptionMandatory());
    cmd.addOption(new Option('--checkpoint-folder <dir>', 'where checkpoint files are written (alias -cf)').makeOptionMandatory());
    cmd.addOption(new Option('--num-checkpoints-read <n>', 'checkpoints to read (alias -ncr)').argParser(parseNonNegativeInt).default(10));
    cmd.addOption(new Option('--num-checkpoints-write <n>', 'checkpoints to write (alias -ncw)').argParser(parseNonNegativeInt).default(10));
    cmd.addOption(new Option('--client-host-memory-in-gb <gb>', 'memory of each client host, GB (alias -cm)').argParser(parsePositiveInt));
    cmd.addOption(new Option('--scale <fraction>', 'builtin engine: shrink every checkpoint to this fraction, e.g. 0.001 (results labelled not comparable)').argParser(parsePositiveNumber));
    if (name === 'run') cmd.addOption(new Option('--drop-caches', 'builtin engine: sync and drop the page cache between writing and reading (root)'));
    addExecTypeOption(cmd);
    addStandardOptions(cmd);
    addDlioOptions(cmd, name === 'run');
    addMpiOptions(cmd);
    if (name === 'run') addTimeseriesOptions(cmd);
    addSshOptions(cmd);
    cmd.action(async (_parsed: CheckpointingParsed, command: Command) => {
      ctx.exitCode = await runBenchmarkCommand<CheckpointingParsed>(ctx, {
        program: 'checkpointing',
        command: name,
        cmd: command,
        notHonoured: (p) => dlioFlagsNotHonoured(command, p, BUILTIN_CHECKPOINTING_PARAMS),
        build: (parsed, args, events) => {
          const params = filterParamsForBuiltin(parsed, BUILTIN_CHECKPOINTING_PARAMS);
          const p: CheckpointingParsed = { ...parsed, ...(params ? { params } : {}) };
          const options: BuiltinCheckpointingOptions = {
            ...commonBenchmarkOptions(name, p, args),
            command: name,
            model: p.model,
            events,
            out: ctx.stdout,
            numProcesses: p.numProcesses,
            checkpointFolder: p.checkpointFolder,
            ...(p.numCheckpointsRead !== undefined ? { numCheckpointsRead: p.numCheckpointsRead } : {}),
            ...(p.numCheckpointsWrite !== undefined ? { numCheckpointsWrite: p.numCheckpointsWrite } : {}),
            ...(p.clientHostMemoryInGb !== undefined ? { clientHostMemoryInGb: p.clientHostMemoryInGb } : {}),
            ...dlioMpiBenchmarkOptions(p),
            ...(p.dropCaches ? { dropCaches: true } : {}),
          };
          return new BuiltinCheckpointingBenchmark(options);
        },
      });
    });
  }
}
