import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSampleFromSourceTexts, isMlpsError } from '@mlps/timeseries';
import { RemoteSampler } from './remote-sampler';
import { buildRemoteCommand, remoteFiles, scanResponse } from './remote-script';
import { startTestSshServer, type TestSshServer } from './test-helpers/ssh-server';
import { openSshConnection, resolveSshOptions, type SshConnection } from './transport';

let server: TestSshServer;
const open: Array<{ close(): void }> = [];

beforeAll(async () => {
  server = await startTestSshServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.setScenario(null);
  for (const o of open.splice(0)) o.close();
});

async function connect(): Promise<SshConnection> {
  const conn = await openSshConnection(
    { host: server.host, port: server.port, username: server.user },
    resolveSshOptions({ identityFiles: [server.clientKeyPath], knownHostsPath: server.knownHostsPath, agent: false }),
  );
  open.push(conn);
  return conn;
}

async function startSampler(options: { procRoot?: string; reader?: 'auto' | 'cat' } = {}): Promise<RemoteSampler> {
  const conn = await connect();
  const sampler = await RemoteSampler.start(conn, options);
  open.push(sampler);
  return sampler;
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    expect(isMlpsError(err)).toBe(true);
    return err as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('remote loop over a kept-open channel (real sh, in-process ssh2 server)', () => {
  it.each(['auto', 'cat'] as const)('reader %s: one exec serves many samples that parse like local ones', async (reader) => {
    const commandsBefore = server.commands.length;
    const sampler = await startSampler({ reader });
    for (let i = 0; i < 5; i++) {
      const r = await sampler.request(5000);
      expect(r.hostname).toBe(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
      expect(r.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
      expect(r.missing).toEqual([]);
      const sample = buildSampleFromSourceTexts({ timestamp: '2026-01-24T12:00:00.000Z', hostname: r.hostname, texts: r.texts, errors: r.errors });
      expect(sample.errors).toBeUndefined();
      expect(sample.diskstats?.length).toBeGreaterThan(0);
      expect(sample.netdev?.some((n) => n.interface_name === 'lo')).toBe(true);
      expect(sample.uptime_seconds).toBeGreaterThan(0);
      expect(sample.cpu?.per_cpu.length).toBeGreaterThan(0);
    }
    expect(server.commands.slice(commandsBefore).filter((c) => c.includes('@@MLPS@@'))).toHaveLength(1);
    if (reader === 'cat') expect((await sampler.request(5000)).reader).toBe('cat');
  });

  it('ignores stderr noise', async () => {
    server.setScenario((channel, _command, runReal) => {
      const child = runReal();
      const noise = setInterval(() => channel.stderr.write('bash: warning: setlocale: LC_ALL: cannot change locale\n'), 2);
      child.on('exit', () => clearInterval(noise));
    });
    const sampler = await startSampler();
    for (let i = 0; i < 10; i++) {
      const r = await sampler.request(5000);
      expect(r.missing).toEqual([]);
      expect(r.texts.meminfo).toContain('MemTotal:');
    }
  });

  it('skips a banner and rc-file output printed on stdout before the loop', async () => {
    server.setScenario((channel, _command, runReal) => {
      channel.write('Welcome to node07!\nLast login: yesterday\n@@MLPS@@ B 1 not-really\nhalf a line without newline');
      runReal();
    });
    const sampler = await startSampler();
    const r = await sampler.request(5000);
    expect(r.missing).toEqual([]);
    expect(r.texts.loadavg).toMatch(/^\d+\.\d+ /);
  });

  it('times out on a hung command, refuses a second request meanwhile, then recovers on the late answer', async () => {
    let release: (() => void) | undefined;
    server.setScenario((channel, _command, runReal) => {
      const child = runReal();
      // Hold back the first answer until released: the command "hangs".
      child.stdout!.removeAllListeners('data');
      const held: Buffer[] = [];
      let holding = true;
      child.stdout!.on('data', (d: Buffer) => (holding ? held.push(d) : channel.write(d)));
      release = () => {
        holding = false;
        for (const d of held) channel.write(d);
      };
    });
    const sampler = await startSampler();
    const t0 = performance.now();
    const err = await rejection(sampler.request(150));
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toContain('did not answer within 150 ms');
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(sampler.busy).toBe(true);
    const busy = await rejection(sampler.request(150));
    expect(busy.code).toBe('TIMEOUT');
    expect(busy.message).toContain('still not answered');
    release!();
    for (let i = 0; i < 100 && sampler.busy; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sampler.busy).toBe(false);
    const r = await sampler.request(5000);
    expect(r.missing).toEqual([]);
  });

  it('reports a command that exits non-zero, with its stderr', async () => {
    server.setScenario((channel) => {
      channel.stderr.write('sh: 1: /bin/sh: Permission denied\n');
      channel.exit(126);
      channel.end();
    });
    const conn = await connect();
    const sampler = await RemoteSampler.start(conn);
    open.push(sampler);
    const err = await rejection(sampler.request(5000));
    expect(err.code).toBe('HOST_UNREACHABLE');
    expect(err.message).toContain('exited with status 126');
    expect(err.message).toContain('Permission denied');
    expect(sampler.closed).toBe(true);
  });

  it('rejects a torn answer when the channel closes mid-sample', async () => {
    server.setScenario((channel, command) => {
      channel.on('data', () => {
        // The start of a real-looking answer, then the connection's channel goes away.
        channel.write('\n@@MLPS@@ B 1 97d182f5-8362-4df2-b2a0-6bfb89af6b87 cat\n97d182f5-8362-4df2-b2a0-6bfb89af6b87\nnode\n');
        setTimeout(() => channel.close(), 20);
      });
      expect(command).toContain('@@MLPS@@');
    });
    const sampler = await startSampler();
    const closed = new Promise<string>((resolve) => sampler.onClose((e) => resolve(e.message)));
    const err = await rejection(sampler.request(5000));
    expect(err.code).toBe('HOST_UNREACHABLE');
    expect(err.message).toMatch(/answer torn after \d+ bytes/);
    expect(await closed).toContain('ended');
    const after = await rejection(sampler.request(100));
    expect(after.code).toBe('HOST_UNREACHABLE');
  });

  it.each(['auto', 'cat'] as const)('reader %s: a missing file is named with the reason', async (reader) => {
    const root = mkdtempSync(join(tmpdir(), 'mlps-procroot-'));
    try {
      for (const f of ['diskstats', 'meminfo', 'loadavg', 'stat', 'uptime']) writeFileSync(join(root, f), readFileSync(join('/proc', f)));
      mkdirSync(join(root, 'net'));
      writeFileSync(join(root, 'net', 'dev'), readFileSync('/proc/net/dev'));
      // vmstat missing; pressure directory missing (optional, no error).
      const sampler = await startSampler({ procRoot: root, reader });
      const r = await sampler.request(5000);
      expect(r.missing).toEqual(['vmstat']);
      expect(r.errors.vmstat).toContain(join(root, 'vmstat'));
      const sample = buildSampleFromSourceTexts({ timestamp: 't', hostname: r.hostname, texts: r.texts, errors: r.errors });
      expect(Object.keys(sample.errors ?? {})).toEqual(['vmstat']);
      expect(sample.pressure).toBeUndefined();
      expect(sample.meminfo?.MemTotal).toBeGreaterThan(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.each(['auto', 'cat'] as const)('reader %s: an NFS mount in mountstats becomes the nfs key; no cifs module is no error', async (reader) => {
    const root = mkdtempSync(join(tmpdir(), 'mlps-procroot-'));
    try {
      for (const f of ['diskstats', 'vmstat', 'meminfo', 'loadavg', 'stat', 'uptime']) writeFileSync(join(root, f), readFileSync(join('/proc', f)));
      mkdirSync(join(root, 'net'));
      writeFileSync(join(root, 'net', 'dev'), readFileSync('/proc/net/dev'));
      mkdirSync(join(root, 'self'));
      const capture = readFileSync(require.resolve('@mlps/timeseries/package.json').replace(/package\.json$/, 'src/__fixtures__/netfs/mountstats-procfs-nfs4-tcp-statvers1.1'));
      writeFileSync(join(root, 'self', 'mountstats'), capture);
      const sampler = await startSampler({ procRoot: root, reader });
      const r = await sampler.request(5000);
      // fs/cifs/Stats is absent and optional; Lustre's synthesized text is not read remotely at all.
      expect(r.missing).toEqual([]);
      const sample = buildSampleFromSourceTexts({ timestamp: 't', hostname: r.hostname, texts: r.texts, errors: r.errors });
      expect(sample.errors).toBeUndefined();
      expect(sample.nfs?.map((m) => [m.device, m.mount_point, m.per_op.READ?.ops])).toEqual([['192.168.1.1:/srv/test', '/mnt/nfs/test', 1298]]);
      expect(sample).not.toHaveProperty('cifs');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('remoteFiles', () => {
  it('reads the registry fixed-path files, optional as the registry says, and skips synthesized texts', () => {
    const files = remoteFiles('/proc');
    expect(files.filter((f) => f.optional).map((f) => f.key)).toEqual(['pressure/cpu', 'pressure/memory', 'pressure/io', 'self/mountstats', 'fs/cifs/Stats']);
    expect(files.map((f) => f.key)).not.toContain('fs/lustre/llite/*/stats');
    expect(files.find((f) => f.key === 'self/mountstats')?.path).toBe('/proc/self/mountstats');
  });
});

describe('scanResponse', () => {
  const files = remoteFiles();
  const boot = '97d182f5-8362-4df2-b2a0-6bfb89af6b87';
  const answer = (nonce: string, sections: string[]): string =>
    `\n@@MLPS@@ B ${nonce} ${boot} cat\n${boot}\n${sections.map((s) => `${s}${boot}\n`).join('')}\n@@MLPS@@ E ${nonce} 0\n`;

  it('splits sections, tolerating a file without a final newline', () => {
    const sections = files.map((f) => (f.key === 'loadavg' ? '0.1 0.2 0.3 1/100 42' : `${f.key}-text\n`));
    const res = scanResponse(`noise${answer('5', sections)}tail`, '5', files);
    expect(res.kind).toBe('done');
    if (res.kind !== 'done') return;
    expect(res.reading.texts.loadavg).toBe('0.1 0.2 0.3 1/100 42');
    expect(res.reading.texts['net/dev']).toBe('net/dev-text\n');
    expect(res.reading.hostname).toBe('hostname-text');
    expect(res.reading.reader).toBe('cat');
  });

  it('waits for the end marker and ignores answers to other requests', () => {
    const full = answer('5', files.map((f) => `${f.key}\n`));
    expect(scanResponse(full.slice(0, full.length - 3), '5', files).kind).toBe('incomplete');
    expect(scanResponse(full, '6', files).kind).toBe('incomplete');
  });

  it('calls a wrong number of sections garbled', () => {
    const res = scanResponse(answer('5', ['only one\n']), '5', files);
    expect(res.kind).toBe('garbled');
  });

  it('builds a command that needs no single quotes inside', () => {
    const cmd = buildRemoteCommand();
    expect(cmd.startsWith("exec /bin/sh -c '")).toBe(true);
    expect(cmd.slice("exec /bin/sh -c '".length, -1)).not.toMatch(/['!]/);
    expect(hostname().length).toBeGreaterThan(0);
  });
});
