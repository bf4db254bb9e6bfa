import { MlpsError } from '@mlps/timeseries';
import type { HostSpec } from '@mlps/multihost';

/** Options of {@link buildMpiPrefix}. */
export interface MpiOptions {
  /** The launcher program (resolved path or name). */
  mpiBin: string;
  hosts: HostSpec[];
  numProcesses: number;
  oversubscribe?: boolean;
  allowRunAsRoot?: boolean;
  /** `--mpi-params`, passed through as separate arguments. */
  mpiParams?: string[];
}

/**
 * Slots per host: the given ones, or `numProcesses` spread evenly with the remainder going to the first
 * hosts (as `mlpstorage`). Given slots must add up to at least `numProcesses`.
 */
export function distributeSlots(hosts: HostSpec[], numProcesses: number): Array<{ host: string; slots: number }> {
  if (hosts.length === 0) throw new MlpsError('INVALID_ARGUMENT', 'no hosts to run on');
  if (hosts.some((h) => h.slots !== undefined)) {
    const total = hosts.reduce((n, h) => n + (h.slots ?? 1), 0);
    if (total < numProcesses) {
      throw new MlpsError('INVALID_ARGUMENT', `--hosts: the configured slots (${total}) are fewer than the ${numProcesses} processes to run`);
    }
    return hosts.map((h) => ({ host: mpiHostName(h), slots: h.slots ?? 1 }));
  }
  const base = Math.floor(numProcesses / hosts.length);
  const extra = numProcesses % hosts.length;
  return hosts.map((h, i) => ({ host: mpiHostName(h), slots: base + (i < extra ? 1 : 0) })).filter((h) => h.slots > 0);
}

function mpiHostName(h: HostSpec): string {
  return h.user ? `${h.user}@${h.host}` : h.host;
}

/** `mpirun -n N -host h1:s1,h2:s2 [--oversubscribe] [--allow-run-as-root] [mpi params…]` as an argv. */
export function buildMpiPrefix(options: MpiOptions): string[] {
  const slots = distributeSlots(options.hosts, options.numProcesses);
  const argv = [
    options.mpiBin,
    '-n',
    String(options.numProcesses),
    '-host',
    slots.map((s) => (s.host.includes(':') ? `[${s.host}]:${s.slots}` : `${s.host}:${s.slots}`)).join(','),
  ];
  if (options.oversubscribe) argv.push('--oversubscribe');
  if (options.allowRunAsRoot) argv.push('--allow-run-as-root');
  argv.push(...(options.mpiParams ?? []));
  return argv;
}
