/**
 * An in-process SSH server (ssh2's `Server`) on 127.0.0.1 for protocol tests. By default an exec request
 * runs the command for real (`/bin/sh -c command`, stdio piped to the channel), as sshd would; a test can
 * replace that with a scenario (noise, banner, hang, exit, torn output) to drive the client's edge cases.
 * Test support only: not exported from the package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { Server, utils, type Connection, type ServerChannel } from 'ssh2';

/** Runs an exec request; `runReal` starts the command as sshd would and returns the child. */
export type ExecScenario = (channel: ServerChannel, command: string, runReal: () => ChildProcess) => void;

export interface TestSshServer {
  port: number;
  host: string;
  /** Private key the server accepts (file path). */
  clientKeyPath: string;
  /** A key the server does not accept. */
  wrongKeyPath: string;
  /** The user the server accepts. */
  user: string;
  /** known_hosts path for the client (starts empty). */
  knownHostsPath: string;
  /** Public key blob of the server's host key. */
  hostKeyBlob: Buffer;
  /** Replaces how exec requests are served (default: run for real). */
  setScenario(scenario: ExecScenario | null): void;
  /** Commands received so far. */
  commands: string[];
  /** Children started for exec requests. */
  children: ChildProcess[];
  close(): Promise<void>;
}

/** Starts the server on an ephemeral loopback port. */
export async function startTestSshServer(): Promise<TestSshServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mlps-ssh2srv-'));
  const hostKey = utils.generateKeyPairSync('ed25519');
  const clientKey = utils.generateKeyPairSync('ed25519');
  const wrongKey = utils.generateKeyPairSync('ed25519');
  const clientKeyPath = join(dir, 'id_ed25519');
  const wrongKeyPath = join(dir, 'id_wrong');
  writeFileSync(clientKeyPath, clientKey.private, { mode: 0o600 });
  writeFileSync(wrongKeyPath, wrongKey.private, { mode: 0o600 });
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, '');
  const allowed = utils.parseKey(clientKey.public);
  if (allowed instanceof Error) throw allowed;
  const allowedKey = Array.isArray(allowed) ? allowed[0] : allowed;
  const hostParsed = utils.parseKey(hostKey.public);
  if (hostParsed instanceof Error) throw hostParsed;
  const hostKeyBlob = (Array.isArray(hostParsed) ? hostParsed[0] : hostParsed).getPublicSSH();
  const user = 'tester';
  let scenario: ExecScenario | null = null;
  const commands: string[] = [];
  const children: ChildProcess[] = [];
  const clients = new Set<Connection>();

  const runReal = (channel: ServerChannel, command: string) => (): ChildProcess => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    child.stdout.on('data', (d: Buffer) => channel.write(d));
    child.stderr.on('data', (d: Buffer) => channel.stderr.write(d));
    channel.on('data', (d: Buffer) => child.stdin.write(d));
    channel.on('end', () => child.stdin.end());
    channel.on('close', () => child.kill('SIGKILL'));
    child.stdin.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      try {
        if (signal) channel.exit(signal);
        else channel.exit(code ?? 0);
        channel.end();
      } catch {
        // Channel already closed.
      }
    });
    return child;
  };

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    clients.add(client);
    client.on('error', () => undefined);
    client.on('close', () => clients.delete(client));
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== user || !allowedKey) return ctx.reject(['publickey']);
      const data = allowedKey.getPublicSSH();
      if (ctx.key.algo !== allowedKey.type || ctx.key.data.length !== data.length || !timingSafeEqual(ctx.key.data, data)) {
        return ctx.reject(['publickey']);
      }
      if (ctx.signature && ctx.blob && allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      return ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          commands.push(info.command);
          const channel = acceptExec();
          channel.on('error', () => undefined);
          const real = runReal(channel, info.command);
          if (scenario) scenario(channel, info.command, real);
          else real();
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    host: '127.0.0.1',
    clientKeyPath,
    wrongKeyPath,
    user,
    knownHostsPath,
    hostKeyBlob,
    commands,
    children,
    setScenario(s) {
      scenario = s;
    },
    async close() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
