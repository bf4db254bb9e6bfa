import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
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

/** Help group headings. */
export const GROUPS = {
  standard: 'Standard Arguments:',
  output: 'Output Control:',
  mpi: 'MPI:',
  dlio: 'DLIO:',
  timeseries: 'Time-Series Collection:',
  ssh: 'SSH:',
} as const;

function grouped(cmd: Command, group: string, options: Option[]): void {
  for (const o of options) cmd.addOption(o.helpGroup(group));
}

/** `--results-dir/-rd`, `--hosts/-s` (optional), `--what-if`, `--debug`, `--verbose`, `--quiet`. */
export function addStandardOptions(cmd: Command, withHosts = true): Command {
  const standard = [new Option('--results-dir <dir>', 'directory where results are saved (alias -rd)').default(DEFAULT_RESULTS_DIR)];
  if (withHosts) {
    standard.push(
      new Option(
        '-s, --hosts <hosts...>',
        'participating hosts: host, host:slots, user@host, [v6addr]:slots; space- or comma-separated (default: this machine)',
      ).argParser(collectHosts),
    );
  }
  standard.push(new Option('--what-if', 'print the commands that would run and run nothing'));
  grouped(cmd, GROUPS.standard, standard);
  grouped(cmd, GROUPS.output, [
    new Option('--debug', 'debug output (stack traces on internal errors)'),
    new Option('--verbose', 'more output'),
    new Option('-q, --quiet', 'no progress output (warnings and errors still print)'),
  ]);
  return cmd;
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
  whatIf?: boolean;
  debug?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  timeseriesInterval?: number;
  skipTimeseries?: boolean;
  maxTimeseriesSamples?: number;
  timeseriesOverflow?: 'decimate' | 'keep-first';
  sshUsername?: string;
  sshPort?: number;
  sshIdentity?: string[];
  sshTimeout?: number;
  sshStrictHostKeyChecking?: 'yes' | 'accept-new' | 'no';
  sshKnownHosts?: string;
  engine?: EngineName;
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

/** The benchmark options every benchmark shares, from the parsed CLI values. */
export function commonBenchmarkOptions(command: string, p: CommonParsed): BenchmarkOptions {
  return {
    command,
    resultsDir: p.resultsDir,
    ...(p.hosts ? { hosts: p.hosts } : {}),
    whatIf: p.whatIf ?? false,
    debug: p.debug ?? false,
    verbose: p.verbose ?? false,
    quiet: p.quiet ?? false,
    timeseries: {
      ...(p.timeseriesInterval !== undefined ? { intervalSeconds: p.timeseriesInterval } : {}),
      skip: p.skipTimeseries ?? false,
      ...(p.maxTimeseriesSamples !== undefined ? { maxSamples: p.maxTimeseriesSamples } : {}),
      ...(p.timeseriesOverflow ? { overflow: p.timeseriesOverflow } : {}),
    },
    ssh: sshOptionsFrom(p),
    args: { command, ...p },
  };
}

/** What the "DLIO" and "MPI" option groups parse to (training and checkpointing). */
export interface DlioMpiParsed {
  engine?: EngineName;
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
} {
  return {
    ...(p.engine ? { engine: p.engine } : {}),
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
