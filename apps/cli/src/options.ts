import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { BenchmarkOptions, EngineName } from '@mlps/benchmark';
import { ENGINE_NAMES, MPI_BINS } from '@mlps/benchmark';
import type { SshOptions } from '@mlps/multihost';
import {
  collectHosts,
  collectMpiParams,
  collectParams,
  collectStrings,
  parseIntervalSeconds,
  parsePort,
  parsePositiveInt,
  parsePositiveNumber,
} from './option-parsers';
import { addServeOptions } from './live';

/** Default `--results-dir`, as `mlpstorage`: `<tmpdir>/mlperf_storage_results`. */
export const DEFAULT_RESULTS_DIR = join(tmpdir(), 'mlperf_storage_results');

/** Help group headings: `mlpstorage`'s groups (same names) and ours beside them. */
export const GROUPS = {
  standard: 'Standard Arguments:',
  output: 'Output Control:',
  viewOnly: 'View Only:',
  validation: 'Validation:',
  mpi: 'MPI:',
  dlio: 'DLIO:',
  timeseries: 'Time-Series Collection:',
  ssh: 'SSH:',
  kvModel: 'Model Configuration:',
  kvCache: 'Cache Configuration:',
  kvRun: 'Run Configuration:',
  kvFeatures: 'Optional Features:',
  kvDistributed: 'Distributed Execution:',
  vdbEnd: 'Provide an end condition of runtime (in seconds) or total number of queries to execute (default: 60 s):',
} as const;

/** `--exec-type/-et` values, as `mlpstorage`'s EXEC_TYPE. */
export const EXEC_TYPES = ['mpi', 'docker'] as const;

/** Python's `--hosts` default (`DEFAULT_HOSTS`), recorded in `args.hosts` when no host is given. */
export const DEFAULT_HOSTS = ['127.0.0.1'] as const;

function grouped(cmd: Command, group: string, options: Option[]): void {
  for (const o of options) cmd.addOption(o.helpGroup(group));
}

/** How {@link addStandardOptions} adds `--hosts`. */
export type HostsFlag = 'short' | 'long-only' | 'none';

/**
 * `mlpstorage`'s universal arguments, same spellings and defaults, in its help groups: "Standard Arguments"
 * (`--results-dir/-rd`, `--hosts/-s`, `--loops`, `--config-file/-c`, `--file`/`--object [s3]`,
 * `--open`/`--closed`), "Output Control" (`--debug`, `--verbose`, `--stream-log-level`,
 * `--allow-invalid-params/-aip`, and our `-q/--quiet`), "View Only" (`--what-if`) and "Validation"
 * (`--verify-lockfile`, `--skip-validation`). `hosts: 'long-only'` keeps `-s` free (vectordb's `-s` is
 * the database host, as in Python); `'none'` leaves `--hosts` out (reports, history, lockfile).
 */
export function addStandardOptions(cmd: Command, hosts: HostsFlag = 'short'): Command {
  const standard = [new Option('--results-dir <dir>', 'directory where results are saved (alias -rd)').default(DEFAULT_RESULTS_DIR)];
  if (hosts !== 'none') {
    standard.push(
      new Option(
        `${hosts === 'short' ? '-s, ' : ''}--hosts <hosts...>`,
        hosts === 'short'
          ? 'participating hosts: host, host:slots, user@host, [v6addr]:slots; space- or comma-separated (default: this machine)'
          : 'hosts whose time series are collected (default: this machine); -s is the database host here, as in mlpstorage',
      ).argParser(collectHosts),
    );
  }
  standard.push(
    new Option('--loops <n>', 'number of times to run the benchmark (each run gets its own run directory)').argParser(parsePositiveInt).default(1),
    new Option('-c, --config-file <file>', 'YAML file of argument overrides (argument names as in mlpstorage, e.g. num_accelerators: 8), applied after the command line'),
    new Option('--file', 'use POSIX files as the data access method (the default)').conflicts('object'),
    new Option('--object [api]', 'use the given object API as the data access method (s3); recorded: mlps runs files (with --engine dlio, as mlpstorage, storage comes from --params storage.*)')
      .choices(['s3'])
      .preset('s3'),
    new Option('--open', 'run as an open submission (the default)').conflicts('closed'),
    new Option('--closed', 'run as a closed submission; recorded (mlps does not check the closed-division rules)'),
  );
  grouped(cmd, GROUPS.standard, standard);
  grouped(cmd, GROUPS.output, [
    new Option('--debug', 'debug output (stack traces on internal errors)'),
    new Option('--verbose', 'more output'),
    new Option('--stream-log-level <level>', 'console log level: DEBUG (as --verbose), INFO, WARNING/ERROR/CRITICAL (as --quiet)')
      .argParser(parseLogLevel)
      .default('INFO'),
    new Option('--allow-invalid-params', 'do not fail on invalid --params (alias -aip): the built-in engine drops the ones it cannot use, with a warning'),
    new Option('-q, --quiet', 'no progress output (warnings and errors still print)'),
  ]);
  grouped(cmd, GROUPS.viewOnly, [new Option('--what-if', 'print the configuration and the commands that would run; run nothing')]);
  grouped(cmd, GROUPS.validation, [
    new Option('--verify-lockfile <path>', 'mlpstorage checks installed Python packages against this lockfile; recorded, not applicable to mlps'),
    new Option('--skip-validation', 'skip environment validation; recorded (mlps checks only the programs a run needs)'),
  ]);
  return cmd;
}

/** `--exec-type/-et mpi|docker` (default mpi), as `mlpstorage` on training, checkpointing and kvcache. */
export function addExecTypeOption(cmd: Command, group?: string): Command {
  const o = new Option('--exec-type <type>', 'execution type (alias -et): mpi launches under MPI; docker, as in mlpstorage, runs without the MPI launcher (no container is started)').choices([...EXEC_TYPES]).default('mpi');
  if (group) o.helpGroup(group);
  cmd.addOption(o);
  return cmd;
}

/** The log levels `--stream-log-level` knows (Python logging names and mlpstorage's own). */
export const STREAM_LOG_LEVELS = ['RIDICULOUS', 'DEBUG', 'VERBOSER', 'VERBOSE', 'INFO', 'STATUS', 'RESULT', 'WARNING', 'ERROR', 'CRITICAL'] as const;

/** `--stream-log-level`: case-insensitive, normalised to upper case. */
export function parseLogLevel(value: string): string {
  const v = value.trim().toUpperCase();
  if (!(STREAM_LOG_LEVELS as readonly string[]).includes(v)) {
    throw new InvalidArgumentError(`must be one of ${STREAM_LOG_LEVELS.join(', ')}.`);
  }
  return v;
}

/** The "Time-Series Collection" group, on every `run`. */
export function addTimeseriesOptions(cmd: Command): Command {
  grouped(cmd, GROUPS.timeseries, [
    new Option('--timeseries-interval <seconds>', 'seconds between samples (float)').argParser(parseIntervalSeconds).default(10),
    new Option('--skip-timeseries', 'do not collect host time series'),
    new Option('--max-timeseries-samples <n>', 'samples kept per host in memory and in the document (the journal keeps all)')
      .argParser(parsePositiveInt)
      .default(3600),
    new Option('--timeseries-overflow <policy>', 'at the cap: decimate (whole run covered) or keep-first (as mlpstorage)')
      .choices(['decimate', 'keep-first'])
      .default('decimate'),
    new Option('--watch-path <dir>', 'a directory whose storage is also the storage under test (repeatable): its mount and devices lead the summary').argParser(collectStrings),
    new Option('--devices <glob>', 'devices the summary leads with instead of the storage under test (comma-separated globs: nvme*n1,dm-*)'),
  ]);
  addServeOptions(cmd, true);
  // The live view belongs with collection in the help, not among the command's own options.
  for (const o of cmd.options) if (o.long === '--serve' || o.long === '--serve-host') o.helpGroup(GROUPS.timeseries);
  return cmd;
}

/** The "SSH" group: how remote hosts are reached for collection and snapshots. */
export function addSshOptions(cmd: Command): Command {
  grouped(cmd, GROUPS.ssh, [
    new Option('--ssh-username <user>', 'remote user (default: user@host, else the current user)'),
    new Option('--ssh-port <port>', 'remote sshd port').argParser(parsePort).default(22),
    new Option('--ssh-identity <file>', 'private key file (repeatable; the ssh agent is used too)').argParser(collectStrings),
    new Option('--ssh-timeout <seconds>', 'connection timeout').argParser(parsePositiveNumber).default(10),
    new Option('--ssh-strict-host-key-checking <policy>', 'host key policy; a changed key is always refused')
      .choices(['yes', 'accept-new', 'no'])
      .default('accept-new'),
    new Option('--ssh-known-hosts <file>', 'known_hosts file (default ~/.ssh/known_hosts)'),
  ]);
  return cmd;
}

/** The "MPI" group of DLIO-based commands. */
export function addMpiOptions(cmd: Command): Command {
  grouped(cmd, GROUPS.mpi, [
    new Option('--mpi-bin <bin>', 'MPI launcher (the MPI_RUN_BIN / MPI_EXEC_BIN environment variables give its path)')
      .choices([...MPI_BINS])
      .default('mpirun'),
    new Option('--oversubscribe', 'pass --oversubscribe to MPI'),
    new Option('--allow-run-as-root', 'pass --allow-run-as-root to MPI'),
    new Option('--mpi-params <params...>', 'more MPI arguments (each split on whitespace, never through a shell)').argParser(collectMpiParams),
  ]);
  return cmd;
}

/** The "DLIO" group: engine, program location and parameter overrides. */
export function addDlioOptions(cmd: Command, withEngine: boolean): Command {
  const opts = [
    new Option('--dlio-bin-path <dir>', 'directory holding dlio_benchmark (alias -dp; default: PATH)'),
    new Option('-p, --params <key=value...>', 'DLIO workload overrides, e.g. dataset.num_files_train=400').argParser(collectParams),
    new Option('--dlio-config-dir <dir>', 'directory of DLIO workload YAML files (default: DLIO\'s own)'),
  ];
  if (withEngine) {
    opts.unshift(new Option('--engine <engine>', 'workload engine: builtin (in-process, needs nothing else) or dlio (dlio_benchmark under MPI)').choices([...ENGINE_NAMES]).default('builtin'));
  }
  grouped(cmd, GROUPS.dlio, opts);
  return cmd;
}

/** Parsed values of the standard, time-series and SSH options (commander's camelCase keys). */
export interface CommonParsed {
  resultsDir: string;
  hosts?: string[];
  loops?: number;
  configFile?: string;
  file?: boolean;
  object?: string;
  open?: boolean;
  closed?: boolean;
  whatIf?: boolean;
  debug?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  streamLogLevel?: string;
  allowInvalidParams?: boolean;
  verifyLockfile?: string;
  skipValidation?: boolean;
  execType?: (typeof EXEC_TYPES)[number];
  timeseriesInterval?: number;
  skipTimeseries?: boolean;
  maxTimeseriesSamples?: number;
  timeseriesOverflow?: 'decimate' | 'keep-first';
  watchPath?: string[];
  devices?: string;
  sshUsername?: string;
  sshPort?: number;
  sshIdentity?: string[];
  sshTimeout?: number;
  sshStrictHostKeyChecking?: 'yes' | 'accept-new' | 'no';
  sshKnownHosts?: string;
  engine?: EngineName;
}

/** Quiet and verbose as `--quiet`/`--verbose` and `--stream-log-level` say together. */
export function outputLevel(p: CommonParsed): { quiet: boolean; verbose: boolean } {
  const level = p.streamLogLevel ?? 'INFO';
  return {
    quiet: (p.quiet ?? false) || level === 'WARNING' || level === 'ERROR' || level === 'CRITICAL',
    verbose: (p.verbose ?? false) || level === 'DEBUG' || level === 'VERBOSE' || level === 'VERBOSER' || level === 'RIDICULOUS',
  };
}

/** SSH options for the multi-host package from the parsed CLI values. */
export function sshOptionsFrom(p: CommonParsed): SshOptions {
  const ssh: SshOptions = {};
  if (p.sshUsername) ssh.username = p.sshUsername;
  if (p.sshPort !== undefined) ssh.port = p.sshPort;
  if (p.sshIdentity && p.sshIdentity.length > 0) ssh.identityFiles = p.sshIdentity;
  if (p.sshStrictHostKeyChecking) ssh.strictHostKeyChecking = p.sshStrictHostKeyChecking;
  if (p.sshTimeout !== undefined) ssh.connectTimeoutSeconds = p.sshTimeout;
  if (p.sshKnownHosts) ssh.knownHostsPath = p.sshKnownHosts;
  return ssh;
}

/**
 * The benchmark options every benchmark shares, from the parsed CLI values. `args` is what the metadata
 * records as the run's arguments (see `pythonArgs`); without it the parsed values are recorded as they are.
 */
export function commonBenchmarkOptions(command: string, p: CommonParsed, args?: Record<string, unknown>): BenchmarkOptions {
  const level = outputLevel(p);
  return {
    command,
    resultsDir: p.resultsDir,
    ...(p.hosts ? { hosts: p.hosts } : {}),
    whatIf: p.whatIf ?? false,
    debug: p.debug ?? false,
    verbose: level.verbose,
    quiet: level.quiet,
    timeseries: {
      ...(p.timeseriesInterval !== undefined ? { intervalSeconds: p.timeseriesInterval } : {}),
      skip: p.skipTimeseries ?? false,
      ...(p.maxTimeseriesSamples !== undefined ? { maxSamples: p.maxTimeseriesSamples } : {}),
      ...(p.timeseriesOverflow ? { overflow: p.timeseriesOverflow } : {}),
    },
    ssh: sshOptionsFrom(p),
    ...(p.watchPath && p.watchPath.length > 0 ? { watchPaths: p.watchPath } : {}),
    args: args ?? { command, ...p },
  };
}

/** What the "DLIO" and "MPI" option groups parse to (training and checkpointing). */
export interface DlioMpiParsed {
  engine?: EngineName;
  execType?: (typeof EXEC_TYPES)[number];
  dlioBinPath?: string;
  dlioConfigDir?: string;
  params?: string[];
  mpiBin?: 'mpirun' | 'mpiexec';
  oversubscribe?: boolean;
  allowRunAsRoot?: boolean;
  mpiParams?: string[];
  scale?: number;
}

/** The benchmark options of the engine, DLIO and MPI groups, leaving out what was not given. */
export function dlioMpiBenchmarkOptions(p: DlioMpiParsed): {
  engine?: EngineName;
  dlioBinPath?: string;
  configDir?: string;
  params?: string[];
  mpiBin?: 'mpirun' | 'mpiexec';
  oversubscribe?: boolean;
  allowRunAsRoot?: boolean;
  mpiParams?: string[];
  scale?: number;
  execType?: (typeof EXEC_TYPES)[number];
} {
  return {
    ...(p.engine ? { engine: p.engine } : {}),
    ...(p.execType ? { execType: p.execType } : {}),
    ...(p.dlioBinPath ? { dlioBinPath: p.dlioBinPath } : {}),
    ...(p.dlioConfigDir ? { configDir: p.dlioConfigDir } : {}),
    ...(p.params ? { params: p.params } : {}),
    ...(p.mpiBin ? { mpiBin: p.mpiBin } : {}),
    ...(p.oversubscribe ? { oversubscribe: true } : {}),
    ...(p.allowRunAsRoot ? { allowRunAsRoot: true } : {}),
    ...(p.mpiParams ? { mpiParams: p.mpiParams } : {}),
    ...(p.scale !== undefined ? { scale: p.scale } : {}),
  };
}
