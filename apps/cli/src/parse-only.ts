import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { normalizeArgv } from './argv';
import type { CliContext } from './context';
import { buildProgram } from './program';
import { applyConfigFile, pythonArgs, universalNotHonoured, type NotHonoured } from './python-args';
import type { CommonParsed } from './options';

/** A command line parsed without running it. */
export interface ParsedCommandLine {
  /** The command path, e.g. `['training', 'run']`. */
  path: string[];
  /** The run's `args` as the metadata records them (Python `vars(args)` names). */
  args: Record<string, unknown>;
  /** The universal flags that were accepted but are not honoured. */
  notHonoured: NotHonoured[];
  /** Positional arguments (exec's workload, history's id). */
  operands: string[];
}

/**
 * Parses `argv` (without node and script) exactly as the CLI does, `--config-file` included, and returns
 * what the command would record, without running it. Throws commander's error (one line written to
 * `stderr`) for a command line the CLI refuses.
 */
export function parseCommandLine(argv: readonly string[], stderr: NodeJS.WritableStream = new Writable({ write: (_c, _e, cb) => cb() })): ParsedCommandLine {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const ctx: CliContext = { stdout: sink, stderr, env: {}, exitCode: 0 };
  const program = buildProgram(ctx);
  let captured: { cmd: Command; operands: string[] } | null = null;
  const visit = (c: Command): void => {
    if (c.commands.length === 0) {
      c.action((...actionArgs: unknown[]) => {
        const cmd = actionArgs[actionArgs.length - 1] as Command;
        captured = { cmd, operands: actionArgs.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a.map(String) : [String(a)])) };
      });
    }
    for (const sub of c.commands) visit(sub);
  };
  visit(program);
  program.parse(normalizeArgv(argv), { from: 'user' });
  if (!captured) throw new Error('no command was selected');
  const { cmd, operands } = captured as { cmd: Command; operands: string[] };
  const path: string[] = [];
  for (let c: Command | null = cmd; c && c !== program; c = c.parent) path.unshift(c.name());
  const initial = cmd.opts() as CommonParsed;
  if (initial.configFile) applyConfigFile(cmd, initial.configFile);
  const notHonoured = universalNotHonoured(cmd, cmd.opts() as CommonParsed);
  const args = pythonArgs({ program: path[0] ?? '', command: path[path.length - 1] ?? '', cmd, notHonoured });
  return { path, args, notHonoured, operands };
}
