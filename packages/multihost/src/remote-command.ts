/**
 * One-off remote commands over a fresh ssh2 connection (cluster snapshots at the start and end of a
 * benchmark), with the same host-key policy, authentication and error codes as collection.
 */
import { MlpsError } from '@mlps/timeseries';
import { parseHostList } from './hosts';
import { openSshConnection, resolveSshOptions, type SshOptions, type SshTarget } from './transport';

/** What a remote command printed and how it ended. */
export interface RemoteCommandResult {
  stdout: string;
  stderr: string;
  /** Exit status; `null` when the command was killed by a signal. */
  exitCode: number | null;
  signal: string | null;
}

/** Options of {@link runRemoteCommand}. */
export interface RunRemoteCommandOptions extends SshOptions {
  /** Whole-command limit (connect included), in seconds. Default 30. */
  timeoutSeconds?: number;
}

/** Quotes one argument for a POSIX shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function targetOf(host: string | SshTarget): SshTarget {
  if (typeof host !== 'string') return host;
  const specs = parseHostList(host);
  const spec = specs[0];
  if (specs.length !== 1 || !spec) throw new MlpsError('INVALID_ARGUMENT', `runRemoteCommand needs exactly one host, got '${host}'`);
  return spec.user ? { host: spec.host, username: spec.user } : { host: spec.host };
}

/**
 * Runs `command` (a shell command line, or an argv array that is quoted for you) on `host` (`node1`,
 * `user@node1`, `[fe80::1]`, or an {@link SshTarget}) and resolves with its output and exit status, also
 * when the status is non-zero.
 *
 * @throws MlpsError `INVALID_ARGUMENT`, `HOST_UNREACHABLE`, `TIMEOUT`, `HOST_KEY_MISMATCH`,
 * `HOST_KEY_UNKNOWN` or `AUTH_FAILED`.
 */
export async function runRemoteCommand(
  host: string | SshTarget,
  command: string | readonly string[],
  options: RunRemoteCommandOptions = {},
): Promise<RemoteCommandResult> {
  const { timeoutSeconds = 30, ...ssh } = options;
  if (typeof timeoutSeconds !== 'number' || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new MlpsError('INVALID_ARGUMENT', `timeoutSeconds must be a positive number, got ${String(timeoutSeconds)}`);
  }
  const line = typeof command === 'string' ? command : command.map(shellQuote).join(' ');
  const target = targetOf(host);
  const resolved = resolveSshOptions(ssh);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutSeconds * 1000);
  timer.unref();
  const connection = await openSshConnection(target, resolved, abort.signal).catch((err: unknown) => {
    clearTimeout(timer);
    throw err;
  });
  try {
    return await new Promise<RemoteCommandResult>((resolve, reject) => {
      const onAbort = (): void =>
        reject(new MlpsError('TIMEOUT', `${connection.where}: command did not finish within ${timeoutSeconds} s`));
      abort.signal.addEventListener('abort', onAbort, { once: true });
      connection
        .exec(line, (channel) => {
          const out: Buffer[] = [];
          const err: Buffer[] = [];
          let exitCode: number | null = null;
          let signal: string | null = null;
          channel.on('data', (d: Buffer) => out.push(d));
          channel.stderr.on('data', (d: Buffer) => err.push(d));
          channel.on('exit', (code: number | null, sig?: string) => {
            exitCode = code;
            signal = sig ?? null;
          });
          channel.on('error', () => undefined);
          channel.on('close', () =>
            resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode, signal }),
          );
          channel.end();
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    connection.close();
  }
}
