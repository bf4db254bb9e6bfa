// Test helper (not a test): runs the real built CLI (dist/cli.cjs) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The built binary the tests run (turbo builds before test). */
export const CLI_PATH = resolve(__dirname, '..', 'dist', 'cli.cjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI with its output so far. */
export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<CliResult>;
}

/** Starts `node dist/cli.cjs ...args`. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  if (!existsSync(CLI_PATH)) throw new Error(`CLI not built: ${CLI_PATH} (run the build first)`);
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    // No command history in the user's home from tests (history tests set MLPS_HISTORY_FILE themselves).
    env: { ...process.env, NO_COLOR: '1', MLPS_HISTORY_FILE: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<CliResult>((res) => {
    child.on('close', (code, signal) => res({ code, signal, stdout: out, stderr: err }));
  });
  return { child, stdout: () => out, stderr: () => err, done };
}

/** Runs the CLI to completion. */
export function runCliProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** The only run directory under `parent`. */
export function onlyRunDir(parent: string): string {
  const dirs = readdirSync(parent);
  if (dirs.length !== 1) throw new Error(`expected one run directory in ${parent}, found ${dirs.join(', ')}`);
  return join(parent, dirs[0] as string);
}

/** Waits until `predicate()` holds (polling), or throws after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!predicate()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
