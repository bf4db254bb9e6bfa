import { MlpsError } from '@mlps/timeseries';
import type { HostSpec } from '@mlps/multihost';
import { buildMpiPrefix } from './mpi';
import { resolveProgram } from './program-lookup';

/** The program name of DLIO. */
export const DLIO_PROGRAM = 'dlio_benchmark';

/** How DLIO is launched (the CLI's MPI and DLIO options). */
export interface DlioLaunchOptions {
  /** `--dlio-bin-path`: directory holding `dlio_benchmark` (searched before PATH). */
  dlioBinPath?: string;
  /** `--mpi-bin` (`mpirun` default); the `MPI_RUN_BIN` environment variable overrides the program path. */
  mpiBin?: string;
  oversubscribe?: boolean;
  allowRunAsRoot?: boolean;
  mpiParams?: string[];
  /** `--params key=value` overrides, passed as `++workload.key=value`. */
  params?: string[];
  /** `--dlio-config-dir`: a directory of DLIO workload YAMLs (`--config-dir`); DLIO's own when absent. */
  configDir?: string;
  /**
   * `--exec-type`: `mpi` (default) launches DLIO under MPI; anything else runs `dlio_benchmark` directly,
   * one process on this host, as `mlpstorage` does (it adds the MPI prefix only for `mpi`).
   */
  execType?: 'mpi' | 'docker';
}

/** Parses `--params key=value` entries; a malformed one is an `INVALID_ARGUMENT` naming it. */
export function parseParams(params: readonly string[] | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const p of params ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new MlpsError('INVALID_ARGUMENT', `--params: '${p}' is not key=value`);
    out.push([p.slice(0, eq), p.slice(eq + 1)]);
  }
  return out;
}

/** The MPI launcher to use: `MPI_RUN_BIN` / `MPI_EXEC_BIN` when set (as `mlpstorage`), else `--mpi-bin`. */
export function mpiProgram(options: DlioLaunchOptions, env: NodeJS.ProcessEnv = process.env): { program: string; envVar: string } {
  const bin = options.mpiBin ?? 'mpirun';
  const envVar = bin === 'mpiexec' ? 'MPI_EXEC_BIN' : 'MPI_RUN_BIN';
  return { program: env[envVar] || bin, envVar };
}

/** Options of {@link buildDlioCommand}. */
export interface DlioCommandOptions extends DlioLaunchOptions {
  hosts: HostSpec[];
  numProcesses: number;
  /** DLIO workload config name, e.g. `unet3d_h100`, `unet3d_datagen`, `llama3-8b`. */
  workload: string;
  /** Results directory DLIO writes into (`++hydra.run.dir`). */
  outputDir: string;
  /** Overrides set by mlps itself (data folder, workflow flags), before the user's `--params`. */
  overrides: Array<[string, string]>;
  /** Resolve programs to absolute paths (false in what-if mode, where nothing needs to exist). */
  resolve: boolean;
}

/**
 * The full argv: `mpirun … dlio_benchmark workload=<name> ++hydra.run.dir=<dir> ++workload.k=v …` (without
 * the MPI prefix when `execType` is not `mpi`).
 * With `resolve`, missing programs throw `PROGRAM_NOT_FOUND` naming the option that points at them.
 */
export function buildDlioCommand(options: DlioCommandOptions): string[] {
  const useMpi = (options.execType ?? 'mpi') === 'mpi';
  const mpi = mpiProgram(options);
  let mpiBin = mpi.program;
  if (useMpi && options.resolve) mpiBin = resolveProgram(mpi.program, { hint: { option: '--mpi-bin', envVar: mpi.envVar } });
  const dlio = options.resolve
    ? resolveProgram(DLIO_PROGRAM, {
        ...(options.dlioBinPath ? { searchDirs: [options.dlioBinPath] } : {}),
        hint: { option: '--dlio-bin-path' },
      })
    : options.dlioBinPath
      ? `${options.dlioBinPath.replace(/\/+$/, '')}/${DLIO_PROGRAM}`
      : DLIO_PROGRAM;
  const argv = !useMpi
    ? []
    : buildMpiPrefix({
        mpiBin,
        hosts: options.hosts,
        numProcesses: options.numProcesses,
        ...(options.oversubscribe ? { oversubscribe: true } : {}),
        ...(options.allowRunAsRoot ? { allowRunAsRoot: true } : {}),
        ...(options.mpiParams ? { mpiParams: options.mpiParams } : {}),
      });
  argv.push(dlio, `workload=${options.workload}`, `++hydra.run.dir=${options.outputDir}`, '++hydra.output_subdir=dlio_config');
  for (const [k, v] of [...options.overrides, ...parseParams(options.params)]) argv.push(`++workload.${k}=${v}`);
  if (options.configDir) argv.push(`--config-dir=${options.configDir}`);
  return argv;
}
