import { Option, type Command } from 'commander';
import { MlpsError } from '@mlps/timeseries';
import { EXIT, type CliContext } from '../context';
import { historyFilePath, readHistory, splitCommandLine } from '../history';
import { addStandardOptions } from '../options';
import { parsePositiveInt } from '../option-parsers';

/** Runs a command line of the CLI (the rerun of a history entry). */
export type RerunCommand = (args: string[]) => Promise<number>;

/** The CLI's top-level programs: what a recorded command starts with once the program path is dropped. */
const PROGRAMS = new Set(['training', 'checkpointing', 'vectordb', 'kvcache', 'reports', 'history', 'lockfile', 'timeseries', 'exec', 'demo']);

function historyFile(ctx: CliContext): string {
  const file = historyFilePath(ctx.env);
  if (!file) throw new MlpsError('INVALID_ARGUMENT', 'command history is off (MLPS_HISTORY_FILE=off, or no HOME)');
  return file;
}

/** `mlpstorage history show|rerun`, as `mlpstorage`: the same file (`~/mlps_history`), lines and output. */
export function registerHistoryCommands(program: Command, ctx: CliContext, rerun: RerunCommand): void {
  const history = program.command('history').description('view and rerun the command history (~/mlps_history, shared with mlpstorage)');
  const show = history
    .command('show')
    .description('show command history: "id : datetime : command"')
    .addOption(new Option('-n, --limit <n>', 'limit to the N most recent commands').argParser(parsePositiveInt))
    .addOption(new Option('-i, --id <id>', 'show a specific command by ID').argParser(parsePositiveInt));
  addStandardOptions(show, 'none');
  show.action(async (p: { limit?: number; id?: number }) => {
    const file = historyFile(ctx);
    if (p.id !== undefined) {
      const entry = (await readHistory(file)).find((e) => e.id === p.id);
      if (!entry) throw new MlpsError('INVALID_ARGUMENT', `no command with ID ${p.id} in ${file}`);
      ctx.stdout.write(`${entry.id}: ${entry.command}\n`);
      ctx.exitCode = EXIT.OK;
      return;
    }
    const entries = await readHistory(file, p.limit);
    if (entries.length === 0) throw new MlpsError('INVALID_ARGUMENT', `no history entries found in ${file}`);
    for (const e of entries) ctx.stdout.write(`${e.id} : ${e.datetime} : ${e.command}\n`);
    ctx.exitCode = EXIT.OK;
  });

  const rerunCmd = history
    .command('rerun')
    .description('re-run a command from history (not recorded again)')
    .argument('<rerun_id>', 'ID of the command to re-run', (v) => parsePositiveInt(v));
  addStandardOptions(rerunCmd, 'none');
  rerunCmd.action(async (id: number) => {
    const file = historyFile(ctx);
    const entry = (await readHistory(file)).find((e) => e.id === id);
    if (!entry) throw new MlpsError('INVALID_ARGUMENT', `command with ID ${id} not found in ${file}`);
    let words: string[];
    try {
      words = splitCommandLine(entry.command);
    } catch (err) {
      throw new MlpsError('INVALID_ARGUMENT', `command with ID ${id} could not be parsed: ${(err as Error).message}`);
    }
    // The recorded line starts with the program as it was called (mlpstorage, a path to it, python3 main.py…).
    const start = words.findIndex((w) => PROGRAMS.has(w));
    if (start < 0) throw new MlpsError('INVALID_ARGUMENT', `command with ID ${id} is not an mlpstorage command: ${entry.command}`);
    const args = words.slice(start);
    if (args[0] === 'history') throw new MlpsError('INVALID_ARGUMENT', `command with ID ${id} is itself a history command`);
    ctx.stderr.write(`mlpstorage: rerunning ${id}: ${entry.command}\n`);
    ctx.exitCode = await rerun(args);
  });
}
