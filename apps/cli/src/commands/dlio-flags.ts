import type { Command } from 'commander';
import type { CommonParsed, DlioMpiParsed } from '../options';
import { givenByUser, type NotHonoured } from '../python-args';

/** The engine a command runs: `--engine` where it has one, else the built-in computation. */
export function engineOf(p: CommonParsed): string {
  return p.engine ?? 'builtin';
}

/**
 * `--params` the built-in engine can use. With `--allow-invalid-params` the others are dropped (and named
 * by {@link dlioFlagsNotHonoured}) instead of failing the run, which is what the flag asks for; without
 * it they are kept, so the engine refuses them with its own message (exit 2).
 */
export function filterParamsForBuiltin(p: CommonParsed & DlioMpiParsed, supported: readonly string[]): string[] | undefined {
  if (!p.params || engineOf(p) !== 'builtin' || !p.allowInvalidParams) return p.params;
  return p.params.filter((kv) => supported.includes(kv.slice(0, kv.indexOf('='))));
}

/**
 * The DLIO and MPI flags the built-in engine does not use (it runs in-process, without MPI or DLIO), when
 * the user gave them; and the `--params` that `--allow-invalid-params` drops. Nothing with `--engine dlio`,
 * which passes them on as `mlpstorage` does.
 */
export function dlioFlagsNotHonoured(cmd: Command, p: CommonParsed & DlioMpiParsed, supportedParams: readonly string[]): NotHonoured[] {
  if (engineOf(p) !== 'builtin') return [];
  const out: NotHonoured[] = [];
  const mpi = ['mpiBin', 'oversubscribe', 'allowRunAsRoot', 'mpiParams'].filter((a) => cmd.options.some((o) => o.attributeName() === a) && givenByUser(cmd, a));
  for (const a of mpi) {
    const flag = `--${a.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    out.push({ flag, why: 'the built-in engine runs in-process, without MPI' });
  }
  if (p.dlioBinPath !== undefined) out.push({ flag: '--dlio-bin-path', why: 'DLIO runs only with --engine dlio' });
  if (p.dlioConfigDir !== undefined) out.push({ flag: '--dlio-config-dir', why: 'DLIO runs only with --engine dlio' });
  if (p.allowInvalidParams && p.params) {
    for (const kv of p.params) {
      if (!supportedParams.includes(kv.slice(0, kv.indexOf('=')))) out.push({ flag: `--params ${kv}`, why: 'dropped (--allow-invalid-params): the built-in engine does not use it' });
    }
  }
  return out;
}
