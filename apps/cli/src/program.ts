import { Command, CommanderError } from 'commander';
import { isMlpsError } from '@mlps/timeseries';
import { normalizeArgv } from './argv';
import { EXIT, type CliContext } from './context';
import { registerCheckpointingCommands } from './commands/checkpointing';
import { registerDemoCommand } from './commands/demo';
import { registerExecCommand } from './commands/exec';
import { registerHistoryCommands } from './commands/history';
import { registerKvcacheCommands } from './commands/kvcache';
import { registerLockfileCommands } from './commands/lockfile';
import { registerReportsCommands } from './commands/reports';
import { registerTimeseriesCommands } from './commands/timeseries';
import { registerTrainingCommands } from './commands/training';
import { registerVectordbCommands } from './commands/vectordb';
import { appendHistoryEntry, historyFilePath } from './history';
import { GROUPS } from './options';

/** The CLI's version (kept with package.json). */
export const CLI_VERSION = '0.1.0';

const ROOT_HELP_AFTER = `
Every \`run\` command has these option groups:
  ${GROUPS.timeseries}  --timeseries-interval <seconds> (default 10), --skip-timeseries,
                           --max-timeseries-samples <n> (default 3600), --timeseries-overflow <decimate|keep-first>
                           --watch-path <dir> (repeatable), --devices <glob>: the storage under test
                           (the mount and devices of the data/checkpoint/results dirs) leads the summary
  ${GROUPS.ssh}  --ssh-username, --ssh-port, --ssh-identity, --ssh-timeout,
        --ssh-strict-host-key-checking <yes|accept-new|no> (default accept-new), --ssh-known-hosts

Results: <results-dir>/training/<model>/<command>/<datetime>/, checkpointing/<model>/<datetime>/,
vector_database/<command>/<datetime>/, kv_cache/<command>/<datetime>/ holding
{type}_{datetime}_timeseries.json (document), _timeseries.jsonl (journal) and _metadata.json.

Exit codes: 0 ok, 1 the workload failed, 2 bad arguments or configuration, 130 SIGINT, 143 SIGTERM.

Every flag of Python mlpstorage is accepted with the same spelling and meaning (Standard Arguments,
Output Control, View Only, Validation, MPI, …); a flag mlps cannot honour is recorded in the metadata's
args and named in one warning line. The command history is ~/mlps_history, shared with mlpstorage.

Examples:
  mlpstorage training run --model unet3d --num-accelerators 8 --hosts node1:4 node2:4 --data-dir /mnt/data
  mlpstorage exec --timeseries-interval 1 -- fio --name=w --rw=write --size=1g --filename=/mnt/test/f
  mlpstorage reports reportgen --results-dir /tmp/mlperf_storage_results
  mlpstorage history show -n 5
`;

/**
 * Configuration and workload-lookup errors: the invocation must change, nothing ran (exit 2). A file given
 * on the command line that is not a time-series file (`INVALID_FORMAT`) is a bad argument too.
 */
// Errors that reach here were found before a workload ran (a workload's own failure is the run's exit 1,
// with its result files): the built-in engines' pre-checks (no such data dir or dataset, no space for it,
// a folder that cannot be written) are configuration errors too, so they exit 2 as the README says.
const ARGUMENT_ERROR_CODES = new Set([
  'INVALID_ARGUMENT', 'INVALID_FORMAT', 'PROGRAM_NOT_FOUND', 'ENGINE_UNAVAILABLE', 'IO_ERROR', 'HOST_KEY_MISMATCH',
  'UNKNOWN_MODEL', 'DATA_DIR_NOT_FOUND', 'DATASET_NOT_FOUND', 'DATASET_INCOMPLETE', 'NO_SPACE', 'PERMISSION_DENIED',
]);

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

/**
 * The `mlpstorage` program. Commander's errors are printed as one line and turned into exceptions (never
 * `process.exit` inside), so {@link runCli} decides the exit code.
 */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('mlpstorage');
  // Settings must precede the subcommands: commander copies them into each command at creation.
  program
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: (s, write) => write(`mlpstorage: ${oneLine(s)}\n`),
    })
    .enablePositionalOptions()
    .showSuggestionAfterError(true);
  program
    .description('Run MLPerf Storage benchmarks and collect host time series (disks, memory, CPU, network) on every host')
    .version(CLI_VERSION, '-V, --version')
    .addHelpText('after', ROOT_HELP_AFTER);

  program.commandsGroup('Benchmarks:');
  registerTrainingCommands(program, ctx);
  registerCheckpointingCommands(program, ctx);
  registerVectordbCommands(program, ctx);
  registerKvcacheCommands(program, ctx);
  program.commandsGroup('Time series:');
  registerTimeseriesCommands(program, ctx);
  program.commandsGroup('Results and history (as mlpstorage):');
  registerReportsCommands(program, ctx);
  registerHistoryCommands(program, ctx, (args) => runCli(args, ctx, { recordHistory: false }));
  registerLockfileCommands(program, ctx);
  program.commandsGroup('Other:');
  registerExecCommand(program, ctx);
  registerDemoCommand(program, ctx);
  return program;
}

/**
 * Records the command in the history file (`~/mlps_history`) once it parsed, as `mlpstorage` does for
 * every program but `history`. A history that cannot be written is one warning, never the command's failure.
 */
function recordHistory(program: Command, args: readonly string[], ctx: CliContext): void {
  program.hook('preAction', (_program, action) => {
    let root: Command = action;
    while (root.parent && root.parent !== program) root = root.parent;
    if (root.name() === 'history') return;
    const file = historyFilePath(ctx.env);
    if (!file) return;
    try {
      appendHistoryEntry(file, args);
    } catch (err) {
      ctx.stderr.write(`mlpstorage: warning: command not recorded in ${file}: ${(err as Error).message}\n`);
    }
  });
}

/**
 * Parses `args` (without node and script), runs the command and resolves the exit code: 0 ok, 1 the
 * workload failed, 2 bad arguments (one line on stderr naming the option and the value), 130/143
 * interrupted. Never throws.
 */
export async function runCli(args: readonly string[], ctx: CliContext, options: { recordHistory?: boolean } = {}): Promise<number> {
  const program = buildProgram(ctx);
  if (options.recordHistory !== false) recordHistory(program, args, ctx);
  const debug = args.includes('--debug') || ctx.env.MLPS_DEBUG === '1';
  try {
    await program.parseAsync(normalizeArgv(args), { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
      // Help shown because a program was given without its command: still a usage error.
      return EXIT.BAD_ARGUMENTS;
    }
    if (isMlpsError(err)) {
      ctx.stderr.write(`mlpstorage: error: ${oneLine(err.message)}\n`);
      if (debug && err.stack) ctx.stderr.write(`${err.stack}\n`);
      return ARGUMENT_ERROR_CODES.has(err.code) ? EXIT.BAD_ARGUMENTS : EXIT.WORKLOAD_FAILED;
    }
    const message = err instanceof Error ? err.message : String(err);
    ctx.stderr.write(`mlpstorage: internal error: ${oneLine(message)}${debug ? '' : ' (run with --debug for details)'}\n`);
    if (debug && err instanceof Error && err.stack) ctx.stderr.write(`${err.stack}\n`);
    return EXIT.WORKLOAD_FAILED;
  }
}
