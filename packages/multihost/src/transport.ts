/**
 * One ssh2 connection to one host: our own TCP socket (Nagle off, our connect timeout), host-key checking
 * against known_hosts, agent and identity-file authentication, keepalive, and every failure turned into an
 * {@link MlpsError} with a stable code (HOST_UNREACHABLE, TIMEOUT, HOST_KEY_MISMATCH, HOST_KEY_UNKNOWN,
 * AUTH_FAILED). An `'error'` listener is always attached, so no ssh2 or socket error is ever unhandled.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
// ssh2 is CommonJS: its `utils` is not visible as a named ESM export, so take the module object.
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import { MlpsError, isMlpsError } from '@mlps/timeseries';
import { knownKeyTypesFor, readKnownHostsFile, verifyHostKey, type HostKeyPolicy } from './knownhosts';

/** SSH options shared by every host of a run. */
export interface SshOptions {
  /** Remote user when a host entry has no `user@`. Default: the current user. */
  username?: string;
  /** SSH port. Default 22. */
  port?: number;
  /**
   * Private keys to offer, in order. Default: those of `~/.ssh/id_ed25519`, `~/.ssh/id_ecdsa`,
   * `~/.ssh/id_rsa` that exist. Keys protected by a passphrase are skipped (use the agent for them).
   */
  identityFiles?: string[];
  /** Host-key policy for keys not in known_hosts; a changed key is always refused. Default `accept-new`. */
  strictHostKeyChecking?: HostKeyPolicy;
  /** Time allowed for TCP connect plus SSH handshake and authentication, in seconds. Default 10. */
  connectTimeoutSeconds?: number;
  /** The known_hosts file read and appended to. Default `~/.ssh/known_hosts`. */
  knownHostsPath?: string;
  /**
   * SSH agent socket, or `false` for none. Default: `SSH_AUTH_SOCK` when set. Agent keys are offered before
   * identity files.
   */
  agent?: string | false;
  /** Interval of SSH keepalive messages, in seconds; 3 unanswered ones close the connection. Default 15. */
  keepaliveIntervalSeconds?: number;
}

/** Where to connect. */
export interface SshTarget {
  /** Host name or address (IPv6 without brackets). */
  host: string;
  /** Port; default {@link SshOptions.port} or 22. */
  port?: number;
  /** User; default {@link SshOptions.username} or the current user. */
  username?: string;
}

/** Options after defaults, as one connection uses them. */
export interface ResolvedSshOptions {
  username: string;
  port: number;
  identityFiles: string[];
  /** True when the identity files were given explicitly (then a missing one is an error, not skipped). */
  explicitIdentityFiles: boolean;
  strictHostKeyChecking: HostKeyPolicy;
  connectTimeoutMs: number;
  knownHostsPath: string;
  agent: string | undefined;
  keepaliveIntervalMs: number;
}

const DEFAULT_IDENTITY_NAMES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const POLICIES: readonly HostKeyPolicy[] = ['yes', 'accept-new', 'no'];

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'root';
  }
}

/**
 * Validates SSH options and fills in defaults.
 *
 * @throws MlpsError `INVALID_ARGUMENT` naming the bad option.
 */
export function resolveSshOptions(options: SshOptions | undefined): ResolvedSshOptions {
  const o = options ?? {};
  if (typeof o !== 'object') throw new MlpsError('INVALID_ARGUMENT', `ssh options must be an object, got ${typeof o}`);
  const bad = (what: string, value: unknown): MlpsError =>
    new MlpsError('INVALID_ARGUMENT', `ssh.${what}, got ${JSON.stringify(value) ?? String(value)}`);
  if (o.username !== undefined && (typeof o.username !== 'string' || o.username.length === 0)) {
    throw bad('username must be a non-empty string', o.username);
  }
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)) {
    throw bad('port must be an integer from 1 to 65535', o.port);
  }
  if (o.strictHostKeyChecking !== undefined && !POLICIES.includes(o.strictHostKeyChecking)) {
    throw bad("strictHostKeyChecking must be 'yes', 'accept-new' or 'no'", o.strictHostKeyChecking);
  }
  const timeout = o.connectTimeoutSeconds ?? 10;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw bad('connectTimeoutSeconds must be a positive number of seconds', o.connectTimeoutSeconds);
  }
  const keepalive = o.keepaliveIntervalSeconds ?? 15;
  if (typeof keepalive !== 'number' || !Number.isFinite(keepalive) || keepalive <= 0) {
    throw bad('keepaliveIntervalSeconds must be a positive number of seconds', o.keepaliveIntervalSeconds);
  }
  if (o.identityFiles !== undefined && (!Array.isArray(o.identityFiles) || o.identityFiles.some((f) => typeof f !== 'string' || !f))) {
    throw bad('identityFiles must be an array of file paths', o.identityFiles);
  }
  if (o.knownHostsPath !== undefined && (typeof o.knownHostsPath !== 'string' || !o.knownHostsPath)) {
    throw bad('knownHostsPath must be a file path', o.knownHostsPath);
  }
  if (o.agent !== undefined && o.agent !== false && (typeof o.agent !== 'string' || !o.agent)) {
    throw bad('agent must be a socket path or false', o.agent);
  }
  const home = homedir();
  const explicit = o.identityFiles !== undefined;
  const identityFiles = explicit
    ? [...(o.identityFiles ?? [])]
    : DEFAULT_IDENTITY_NAMES.map((n) => join(home, '.ssh', n)).filter((p) => existsSync(p));
  const envAgent = process.env.SSH_AUTH_SOCK;
  return {
    username: o.username ?? currentUser(),
    port: o.port ?? 22,
    identityFiles,
    explicitIdentityFiles: explicit,
    strictHostKeyChecking: o.strictHostKeyChecking ?? 'accept-new',
    connectTimeoutMs: Math.round(timeout * 1000),
    knownHostsPath: o.knownHostsPath ?? join(home, '.ssh', 'known_hosts'),
    agent: o.agent === false ? undefined : (o.agent ?? (envAgent ? envAgent : undefined)),
    keepaliveIntervalMs: Math.round(keepalive * 1000),
  };
}

const { Client, utils: ssh2Utils } = ssh2;
type Client = InstanceType<typeof Client>;

const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

type AuthAttempt = { type: 'agent'; username: string; agent: string } | { type: 'publickey'; username: string; key: Buffer } | { type: 'none'; username: string };

/** Loads the usable private keys; notes the ones skipped, for the authentication error message. */
function loadIdentities(opts: ResolvedSshOptions): { keys: Array<{ path: string; key: Buffer }>; skipped: string[] } {
  const keys: Array<{ path: string; key: Buffer }> = [];
  const skipped: string[] = [];
  for (const path of opts.identityFiles) {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (err) {
      skipped.push(`${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      continue;
    }
    const parsed = ssh2Utils.parseKey(data);
    if (parsed instanceof Error) {
      skipped.push(`${path} (${/encrypt|passphrase/i.test(parsed.message) ? 'passphrase-protected: use the agent' : parsed.message})`);
      continue;
    }
    keys.push({ path, key: data });
  }
  return { keys, skipped };
}

function describeTarget(username: string, host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `${username}@${h}:${port}`;
}

/** Turns a socket-level connect error into an actionable {@link MlpsError}. */
function socketError(err: NodeJS.ErrnoException, where: string): MlpsError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return new MlpsError('HOST_UNREACHABLE', `Connection refused by ${where}: no sshd is listening there.`, { cause: err });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new MlpsError('HOST_UNREACHABLE', `No route to ${where} (${err.code}): the host is down or not on this network.`, { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new MlpsError('HOST_UNREACHABLE', `Cannot resolve the host name of ${where} (${err.code}).`, { cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
      return new MlpsError('HOST_UNREACHABLE', `Connection to ${where} was reset (${err.code}).`, { cause: err });
    default:
      return new MlpsError('HOST_UNREACHABLE', `Cannot connect to ${where}: ${err.message}`, { cause: err });
  }
}

/** An open, authenticated ssh2 connection to one host. */
export class SshConnection {
  /** `user@host:port`, for messages. */
  readonly where: string;
  /** Warnings raised while connecting (e.g. a new host key that could not be recorded). */
  readonly warnings: string[];
  private readonly client: Client;
  private readonly sock: Socket;
  private isClosed = false;
  private closeError: MlpsError | undefined;
  private readonly closeListeners: Array<(err: MlpsError | undefined) => void> = [];

  /** @internal Use {@link openSshConnection}. */
  constructor(client: Client, sock: Socket, where: string, warnings: string[]) {
    this.client = client;
    this.sock = sock;
    this.where = where;
    this.warnings = warnings;
    client.on('error', (err: Error) => {
      this.closeError ??= new MlpsError('HOST_UNREACHABLE', `SSH connection to ${where} failed: ${err.message}`, { cause: err });
    });
    client.on('close', () => this.markClosed());
    sock.on('close', () => this.markClosed());
  }

  /** True once the connection is closed (by either side). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Calls `fn` once when the connection closes, with the error that closed it, if any. */
  onClose(fn: (err: MlpsError | undefined) => void): void {
    if (this.isClosed) queueMicrotask(() => fn(this.closeError));
    else this.closeListeners.push(fn);
  }

  /**
   * Starts `command` on the host (through the user's login shell, once) and resolves with what `wrap`
   * makes of its channel. `wrap` runs synchronously when the channel opens, so it sees every event
   * (an `exit` can arrive in the same packet as the channel's confirmation).
   *
   * @throws MlpsError `HOST_UNREACHABLE` when the connection is closed or refuses the session.
   */
  exec<T>(command: string, wrap: (channel: ClientChannel) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.isClosed) {
        reject(this.closeError ?? new MlpsError('HOST_UNREACHABLE', `SSH connection to ${this.where} is closed.`));
        return;
      }
      try {
        this.client.exec(command, (err, channel) => {
          if (err) reject(new MlpsError('HOST_UNREACHABLE', `${this.where} refused to start the remote command: ${err.message}`, { cause: err }));
          else resolve(wrap(channel));
        });
      } catch (err) {
        reject(new MlpsError('HOST_UNREACHABLE', `Cannot start a command on ${this.where}: ${(err as Error).message}`, { cause: err }));
      }
    });
  }

  /** Closes the connection and its socket; idempotent. */
  close(): void {
    try {
      this.client.end();
    } catch {
      // Already torn down.
    }
    this.sock.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    // The client may still report a late socket error after close; it must not be unhandled.
    const listeners = this.closeListeners.splice(0);
    for (const fn of listeners) fn(this.closeError);
  }
}

/**
 * Connects to one host and authenticates: TCP (Nagle off), host key against known_hosts under the
 * policy, then agent keys and identity files. Everything, TCP included, must finish within
 * `connectTimeoutSeconds`. Aborting `signal` cancels the attempt at once (sockets closed).
 *
 * @throws MlpsError `HOST_UNREACHABLE` (refused, no route, reset), `TIMEOUT`, `HOST_KEY_MISMATCH` (changed
 * or revoked key), `HOST_KEY_UNKNOWN` (policy `yes`), `AUTH_FAILED` (no key accepted).
 */
export function openSshConnection(
  target: SshTarget,
  options: ResolvedSshOptions,
  signal?: AbortSignal,
): Promise<SshConnection> {
  const host = target.host;
  const port = target.port ?? options.port;
  const username = target.username ?? options.username;
  const where = describeTarget(username, host, port);
  const { keys, skipped } = loadIdentities(options);
  if (options.explicitIdentityFiles && skipped.length > 0 && keys.length === 0 && !options.agent) {
    return Promise.reject(
      new MlpsError('AUTH_FAILED', `No usable SSH identity for ${where}: ${skipped.join(', ')}.`),
    );
  }
  const attempts: AuthAttempt[] = [];
  if (options.agent) attempts.push({ type: 'agent', username, agent: options.agent });
  for (const k of keys) attempts.push({ type: 'publickey', username, key: k.key });
  if (attempts.length === 0) attempts.push({ type: 'none', username });
  const offered = [
    options.agent ? `agent ${options.agent}` : 'no agent (SSH_AUTH_SOCK unset)',
    keys.length > 0 ? `identity files ${keys.map((k) => k.path).join(', ')}` : 'no identity file',
    ...(skipped.length > 0 ? [`skipped ${skipped.join(', ')}`] : []),
  ].join('; ');

  return new Promise<SshConnection>((resolve, reject) => {
    const started = Date.now();
    const warnings: string[] = [];
    let settled = false;
    let hostKeyError: MlpsError | undefined;
    const client = new Client();
    const sock = netConnect({ host, port, noDelay: true, keepAlive: true });
    // Attached before anything can fail: neither the socket nor the client may ever emit an unhandled error.
    client.on('error', () => undefined);
    sock.on('error', () => undefined);

    const fail = (err: MlpsError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        client.end();
      } catch {
        // Not connected yet.
      }
      sock.destroy();
      reject(err);
    };
    const timer = setTimeout(() => {
      const phase = sock.connecting ? 'TCP connect' : 'SSH handshake/authentication';
      fail(
        new MlpsError(
          'TIMEOUT',
          `No answer from ${where} within ${options.connectTimeoutMs / 1000} s (${phase}): the host is down, unreachable or overloaded.`,
        ),
      );
    }, options.connectTimeoutMs);
    timer.unref();
    if (signal) {
      const onAbort = (): void => fail(new MlpsError('INVALID_STATE', `Connection to ${where} cancelled.`));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }

    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (sock.connecting || !settled) fail(hostKeyError ?? socketError(err, where));
    });
    sock.once('connect', () => {
      if (settled) return;
      const entries = [options.knownHostsPath, '/etc/ssh/ssh_known_hosts'].flatMap((p) => readKnownHostsFile(p));
      const known = knownKeyTypesFor(entries, host, port).filter((a) => HOST_KEY_ALGORITHMS.includes(a));
      const config: ConnectConfig = {
        sock,
        username,
        readyTimeout: Math.max(1, options.connectTimeoutMs - (Date.now() - started)),
        keepaliveInterval: options.keepaliveIntervalMs,
        keepaliveCountMax: 3,
        algorithms: {
          serverHostKey: [...known, ...HOST_KEY_ALGORITHMS.filter((a) => !known.includes(a))] as NonNullable<
            ConnectConfig['algorithms']
          >['serverHostKey'],
        },
        hostVerifier: (key: Buffer) => {
          const decision = verifyHostKey({
            host,
            port,
            key,
            policy: options.strictHostKeyChecking,
            knownHostsPath: options.knownHostsPath,
          });
          if (!decision.accept) hostKeyError = decision.error;
          if (decision.newKey?.warning) warnings.push(decision.newKey.warning);
          return decision.accept;
        },
        authHandler: attempts as unknown as ConnectConfig['authHandler'],
      };
      client.once('error', (err: Error & { level?: string }) => {
        if (hostKeyError) return fail(hostKeyError);
        if (err.level === 'client-authentication') {
          return fail(
            new MlpsError(
              'AUTH_FAILED',
              `Authentication failed for ${where}: the server accepted none of the credentials offered (${offered}). ` +
                `Check the user name (ssh.username or user@host) and that the public key is in that user's authorized_keys.`,
              { cause: err },
            ),
          );
        }
        if (err.level === 'client-timeout') {
          return fail(new MlpsError('TIMEOUT', `SSH handshake with ${where} did not finish within ${options.connectTimeoutMs / 1000} s.`, { cause: err }));
        }
        const code = (err as NodeJS.ErrnoException).code;
        if (code) return fail(socketError(err as NodeJS.ErrnoException, where));
        return fail(new MlpsError('HOST_UNREACHABLE', `SSH handshake with ${where} failed: ${err.message}`, { cause: err }));
      });
      client.once('close', () => fail(hostKeyError ?? new MlpsError('HOST_UNREACHABLE', `${where} closed the connection during the SSH handshake.`)));
      client.once('ready', () => {
        if (settled) {
          client.end();
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve(new SshConnection(client, sock, where, warnings));
      });
      try {
        client.connect(config);
      } catch (err) {
        fail(isMlpsError(err) ? err : new MlpsError('HOST_UNREACHABLE', `Cannot start SSH with ${where}: ${(err as Error).message}`, { cause: err }));
      }
    });
  });
}
