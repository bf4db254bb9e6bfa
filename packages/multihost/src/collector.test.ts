import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, buildTimeSeriesData, isMlpsError, readJournal } from '@mlps/timeseries';
import { MultiHostTimeSeriesCollector, type MultiHostTimeSeriesCollectorOptions } from './collector';
import { startTestSshServer, type TestSshServer } from './test-helpers/ssh-server';

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(isMlpsError(err)).toBe(true);
    return err as { code: string; message: string };
  }
  throw new Error('expected a throw');
}

async function rejectionOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    expect(isMlpsError(err)).toBe(true);
    return err as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

const quiet = { warn: () => undefined };

describe('validation (same wording as the single-host collector)', () => {
  const base: MultiHostTimeSeriesCollectorOptions = { hosts: 'localhost', logger: quiet };
  it.each([
    [{ intervalSeconds: 0 }, 'intervalSeconds must be a finite number >= 0.01 (seconds), got 0'],
    [{ intervalSeconds: Number.NaN }, 'intervalSeconds must be a finite number >= 0.01 (seconds), got NaN'],
    [{ maxSamples: 1.5 }, 'maxSamples must be an integer >= 1, got 1.5'],
    [{ maxSamples: 0 }, 'maxSamples must be an integer >= 1, got 0'],
    [{ overflow: 'drop' }, "overflow must be 'decimate' or 'keep-first', got \"drop\""],
    [{ journalPath: '' }, 'journalPath must be a non-empty path'],
    [{ maxConcurrency: 0 }, 'maxConcurrency must be an integer >= 1, got 0'],
    [{ intervalSeconds: 1, sampleTimeoutSeconds: 1 }, 'sampleTimeoutSeconds must be > 0 and less than intervalSeconds (1), got 1'],
    [{ hosts: '' }, 'hosts must name at least one host'],
    [{ hosts: 'good, bad:x' }, "Invalid host entry 'bad:x'"],
    [{ hosts: 42 }, 'hosts must be a host list string or an array of hosts, got 42'],
    [{ hosts: [{ name: 'a', host: 'h1' }, { name: 'A', host: 'h2' }] }, "host name 'A' is given twice"],
    [{ hosts: [{ name: 'a', port: 0 }] }, "port of 'a' must be an integer from 1 to 65535, got 0"],
    [{ ssh: { strictHostKeyChecking: 'maybe' } }, "ssh.strictHostKeyChecking must be 'yes', 'accept-new' or 'no', got \"maybe\""],
    [{ ssh: { port: 70000 } }, 'ssh.port must be an integer from 1 to 65535, got 70000'],
    [{ ssh: { connectTimeoutSeconds: -1 } }, 'ssh.connectTimeoutSeconds must be a positive number of seconds, got -1'],
    [{ remoteReader: 'perl' }, "remoteReader must be 'auto' or 'cat', got \"perl\""],
  ])('rejects %j', (bad, message) => {
    const err = errorOf(() => new MultiHostTimeSeriesCollector({ ...base, ...(bad as object) } as MultiHostTimeSeriesCollectorOptions));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain(message);
  });

  it('accepts host strings, HostSpec-like objects and HostTargets, deduplicating names', () => {
    const c = new MultiHostTimeSeriesCollector({
      hosts: ['localhost, 127.0.0.1:4', { host: 'node9', user: 'ops', spec: 'ops@node9:2' } as never, { name: 'alias', host: '::1' }, 'LOCALHOST'],
      logger: quiet,
    });
    expect(c.hosts).toEqual(['localhost', '127.0.0.1', 'ops@node9', 'alias']);
    expect(c.hostStatus()['ops@node9']?.method).toBe('ssh');
    expect(c.hostStatus().alias?.method).toBe('local');
  });
});

describe('local hosts on an exact clock', () => {
  it('samples every host at start and every interval, files them under the requested names, no drift', async () => {
    const clock = new ManualClock({ startMs: 1000 });
    const c = new MultiHostTimeSeriesCollector({ hosts: ['localhost', '127.0.0.1', hostname()], intervalSeconds: 1, clock, logger: quiet });
    expect(c.isRunning).toBe(false);
    c.start();
    await clock.advance(0);
    expect(c.isRunning).toBe(true);
    expect(Object.values(c.samplesByHost).map((s) => s.length)).toEqual([1, 1, 1]);
    await clock.advance(4999);
    expect(Object.values(c.samplesByHost).map((s) => s.length)).toEqual([5, 5, 5]);
    await clock.advance(1);
    const byHost = await c.stop();
    expect(Object.keys(byHost)).toEqual(['localhost', '127.0.0.1', hostname()]);
    for (const samples of Object.values(byHost)) {
      expect(samples).toHaveLength(7); // 6 ticks and the closing sample stop() takes
      expect(samples.every((s) => s.hostname === hostname())).toBe(true);
      const times = samples.map((s) => s.timestamp_ms!);
      expect(times.map((t) => t - times[0]!)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 5000]);
    }
    expect(c.stats).toMatchObject({ ticks: 6, samples: 21, skippedTicks: 0, failedSamples: 0 });
    const data = buildTimeSeriesData(c);
    expect(data.collection_method).toBe('local');
    expect(data.hosts_collected).toEqual(['localhost', '127.0.0.1', hostname()]);
    expect(data.host_status?.localhost).toMatchObject({ status: 'ok', samples: 7, error_samples: 0, reconnects: 0 });
  });

  it('enforces the lifecycle with the reference wording; a second stop returns the same result', async () => {
    const clock = new ManualClock();
    const c = new MultiHostTimeSeriesCollector({ hosts: 'localhost', clock, logger: quiet });
    expect((await rejectionOf(c.stop())).message).toContain('not started');
    c.start();
    expect(errorOf(() => c.start()).message).toContain('already started');
    const first = c.stop();
    expect(c.stop()).toBe(first);
    await first;
    expect(c.endTime).not.toBeNull();
    expect(errorOf(() => c.start()).message).toContain('already stopped; create a new instance');
    await expect(c.connect()).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('keeps the cap per host with decimation and says so once', async () => {
    const clock = new ManualClock();
    const warnings: string[] = [];
    const c = new MultiHostTimeSeriesCollector({ hosts: 'localhost 127.0.0.1', maxSamples: 4, clock, logger: { warn: (m) => warnings.push(m) } });
    c.start();
    await clock.advance(0);
    for (let i = 0; i < 9; i++) await clock.advance(10_000);
    await c.stop();
    // The cap, plus the closing sample, kept so the run's end is observed.
    for (const samples of Object.values(c.samplesByHost)) expect(samples.length).toBeLessThanOrEqual(5);
    expect(c.stats.samples).toBe(22);
    expect(warnings.filter((w) => w.includes('maxSamples (4) reached'))).toHaveLength(1);
  });
});

describe('remote hosts over ssh2 (in-process server running the real loop)', () => {
  let server: TestSshServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestSshServer();
    dir = mkdtempSync(join(tmpdir(), 'mlps-mh-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => server.setScenario(null));

  const sshOpts = () => ({ identityFiles: [server.clientKeyPath], knownHostsPath: server.knownHostsPath, agent: false as const, connectTimeoutSeconds: 5 });
  const remote = (name: string) => ({ name, host: '127.0.0.1', port: server.port, user: server.user, local: false });

  async function refusedPort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }

  it('mixes local and remote, journals every sample, and never lets a refused host throw', async () => {
    const port = await refusedPort();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const journalPath = join(dir, 'run_timeseries.jsonl');
    const c = new MultiHostTimeSeriesCollector({
      hosts: ['localhost', remote('srv-a'), remote('srv-b'), { name: 'refused', host: '127.0.0.1', port, local: false }],
      intervalSeconds: 0.25,
      journalPath,
      ssh: sshOpts(),
      logger: quiet,
    });
    await c.connect();
    c.start();
    await new Promise((r) => setTimeout(r, 1400));
    const byHost = await c.stop();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    const n = c.stats.ticks;
    expect(n).toBeGreaterThanOrEqual(4);
    // Every tick plus the closing sample.
    for (const name of ['localhost', 'srv-a', 'srv-b', 'refused']) expect([name, byHost[name]?.length]).toEqual([name, n + 1]);
    for (const name of ['srv-a', 'srv-b']) {
      expect(byHost[name]!.every((s) => s.errors === undefined && s.hostname === hostname() && (s.diskstats?.length ?? 0) > 0)).toBe(true);
    }
    expect(byHost.refused!.every((s) => (s.errors?.ssh ?? '').includes('Connection refused'))).toBe(true);
    const status = c.hostStatus();
    expect(status['srv-a']).toMatchObject({ status: 'ok', method: 'ssh', reconnects: 0, errors: 0 });
    expect(status.refused).toMatchObject({ status: 'failed', errors: n + 1 });
    expect(status.refused?.lastError).toContain('Connection refused by');
    expect(c.getHostsWithData()).toEqual(['localhost', 'srv-a', 'srv-b']);
    const data = buildTimeSeriesData(c);
    expect(data.collection_method).toBe('mixed');
    expect(data.hosts_collected).toEqual(['localhost', 'srv-a', 'srv-b']);
    const journal = await readJournal(journalPath);
    for (const name of ['localhost', 'srv-a', 'srv-b', 'refused']) expect(journal.samples_by_host[name]).toHaveLength(n + 1);
  });

  it('a hung host gets error samples at its deadline and does not delay the others', async () => {
    // Every exec "hangs": the loop never answers.
    server.setScenario(() => undefined);
    const c = new MultiHostTimeSeriesCollector({
      hosts: ['localhost', remote('hung')],
      intervalSeconds: 0.3,
      sampleTimeoutSeconds: 0.1,
      ssh: { ...sshOpts(), connectTimeoutSeconds: 1 },
      logger: quiet,
    });
    c.start();
    await new Promise((r) => setTimeout(r, 1300));
    const t0 = performance.now();
    const byHost = await c.stop();
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(c.stats.skippedTicks).toBe(0);
    const n = c.stats.ticks;
    expect(byHost.localhost).toHaveLength(n + 1);
    expect(byHost.hung).toHaveLength(n + 1);
    expect(byHost.hung!.every((s) => s.errors?.ssh !== undefined && s.diskstats === undefined)).toBe(true);
    expect(byHost.localhost!.every((s) => s.errors === undefined)).toBe(true);
    expect(c.hostStatus().hung?.status).toBe('failed');
    // The local host's tick latency is not the hung host's deadline.
    expect(c.stats.sampleLatencyMs!.p50).toBeLessThan(100);
  });

  it('reconnects when the remote loop dies, and the host turns partial', async () => {
    let execs = 0;
    server.setScenario((channel, _cmd, runReal) => {
      execs++;
      const child = runReal();
      // The second loop dies after a few answers (its channel closes, like a killed sshd child).
      if (execs === 2) setTimeout(() => child.kill('SIGKILL'), 600);
      channel.on('error', () => undefined);
    });
    const warnings: string[] = [];
    const c = new MultiHostTimeSeriesCollector({
      hosts: [remote('flaky')],
      intervalSeconds: 0.2,
      ssh: sshOpts(),
      logger: { warn: (m) => warnings.push(m) },
    });
    await c.connect();
    // The first exec was the connect's; kill that one too so a reconnect must happen during the run.
    c.start();
    await new Promise((r) => setTimeout(r, 300));
    server.children[server.children.length - 1]?.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 3500));
    const byHost = await c.stop();
    const st = c.hostStatus().flaky!;
    expect(st.reconnects).toBeGreaterThanOrEqual(1);
    expect(st.status).toBe('partial');
    const samples = byHost.flaky!;
    expect(samples[samples.length - 1]!.errors).toBeUndefined();
    expect(samples.some((s) => s.errors?.ssh !== undefined)).toBe(true);
  });

  it('leaves no socket or timer behind after stop', async () => {
    const port = await refusedPort();
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    const c = new MultiHostTimeSeriesCollector({
      hosts: [remote('a'), { name: 'refused', host: '127.0.0.1', port, local: false }],
      intervalSeconds: 0.2,
      ssh: sshOpts(),
      logger: quiet,
    });
    c.start();
    await new Promise((r) => setTimeout(r, 700));
    await c.stop();
    // The in-process server's side of the connection (its socket, the loop's child process) closes on its
    // own schedule, later on a loaded machine: wait for the counts to settle. A socket or timer the
    // collector leaked never goes, and fails the test after the wait.
    const count = (list: string[], kind: string) => list.filter((r) => r === kind).length;
    const settled = (list: string[]) => count(list, 'TCPSocketWrap') <= count(before, 'TCPSocketWrap') && count(list, 'Timeout') <= count(before, 'Timeout');
    let after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    for (let waited = 0; !settled(after) && waited < 5000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
      after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    }
    expect(count(after, 'TCPSocketWrap')).toBeLessThanOrEqual(count(before, 'TCPSocketWrap'));
    expect(count(after, 'Timeout')).toBeLessThanOrEqual(count(before, 'Timeout'));
  });
});
