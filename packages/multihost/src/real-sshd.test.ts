/**
 * The real-sshd suite: hosts made by scripts/testhosts.sh (network namespaces with their own hostname,
 * addresses in 10.200.0.0/24 that exist only inside this machine, OpenSSH sshd with keys made for the
 * run). Needs root, openssh-server, openssh-client and iproute2: without them it is skipped with the reason
 * (`npm test` installs them when it runs as root; under CI=true a missing tool fails the suite). Where namespaces
 * cannot be created, the script falls back to sshd on loopback ports and this suite says so loudly.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isMlpsError, buildTimeSeriesData, type TimeSeriesSample } from '@mlps/timeseries';
import { MultiHostTimeSeriesCollector, type HostTarget } from './collector';
import { runRemoteCommand } from './remote-command';
import { openSshConnection, resolveSshOptions, type SshOptions } from './transport';
import { describeWithTools } from '../../../scripts/test-tools.cjs';

interface TestHost {
  index: number;
  name: string;
  address: string;
  port: number;
  hostname: string;
  user: string;
  netns: string;
  pid: number;
  hostKeyFingerprint: string;
  hostKeyPath: string;
}
interface HostsFile {
  mode: 'netns' | 'loopback';
  unusedAddress: string;
  identityFile: string;
  knownHostsPath: string;
  hosts: TestHost[];
}

const SCRIPT = resolve(__dirname, '../../../scripts/testhosts.sh');
// A directory of this run's own, so suites running at the same time (other packages, other checkouts) never
// take down each other's hosts.
const DIR = process.env.MLPS_TESTHOSTS_DIR ?? join(tmpdir(), `mlps-testhosts-${process.pid}`);
const quiet = { warn: () => undefined };
let info: HostsFile;
let work: string;

function testhosts(...args: string[]): void {
  execFileSync('bash', [SCRIPT, ...args, '--dir', DIR], { stdio: ['ignore', 'ignore', 'pipe'] });
}

const execFileAsync = promisify(execFile);
/** During a collection: never block the event loop the collector runs on. */
async function testhostsAsync(...args: string[]): Promise<void> {
  await execFileAsync('bash', [SCRIPT, ...args, '--dir', DIR]);
}

/** Collectors of the running test: a failed assertion before stop() must not leave ssh sockets keeping jest alive. */
const liveCollectors = new Set<MultiHostTimeSeriesCollector>();
function track(c: MultiHostTimeSeriesCollector): MultiHostTimeSeriesCollector {
  liveCollectors.add(c);
  return c;
}
afterEach(async () => {
  for (const c of liveCollectors) await c.stop().catch(() => undefined);
  liveCollectors.clear();
});

function knownHostsCopy(name: string): string {
  const path = join(work, name);
  copyFileSync(info.knownHostsPath, path);
  return path;
}

function ssh(extra: SshOptions = {}): SshOptions {
  return {
    identityFiles: [info.identityFile],
    knownHostsPath: knownHostsCopy(`kh-${Math.random().toString(16).slice(2)}`),
    strictHostKeyChecking: 'yes',
    agent: false,
    // Generous: a new sshd connection costs ~0.8 s of server CPU here, several times that on a loaded machine.
    connectTimeoutSeconds: 15,
    ...extra,
  };
}

/** The test hosts as collector entries: `root@10.200.0.1N` strings, or port-qualified objects on loopback. */
function entries(hosts: TestHost[]): Array<string | HostTarget> {
  return hosts.map((h) =>
    info.mode === 'netns' ? `${h.user}@${h.address}` : { name: `${h.user}@${h.address}:${h.port}`, host: h.address, port: h.port, user: h.user, local: false },
  );
}
const nameOf = (h: TestHost): string => (info.mode === 'netns' ? `${h.user}@${h.address}` : `${h.user}@${h.address}:${h.port}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function eth(sample: TimeSeriesSample | undefined): { rx: number; tx: number } | undefined {
  const dev = sample?.netdev?.find((d) => d.interface_name === (info.mode === 'netns' ? 'eth0' : 'lo'));
  return dev ? { rx: dev.rx_packets, tx: dev.tx_packets } : undefined;
}

describeWithTools(['root', 'sshd', 'ssh', 'ssh-keygen', 'ip', 'ps'], 'real sshd test hosts', () => {
  beforeAll(() => {
    testhosts('up', '3');
    info = JSON.parse(readFileSync(join(DIR, 'hosts.json'), 'utf8')) as HostsFile;
    if (info.mode !== 'netns') {
      // Loud on purpose: this run does not exercise network namespaces.
      console.warn('*** real-sshd suite: network namespaces unavailable; test hosts are sshd on 127.0.0.1 ports (mode loopback) ***');
    }
    work = mkdtempSync(join(tmpdir(), 'mlps-realsshd-'));
  }, 60_000);

  afterAll(() => {
    testhosts('down');
    if (process.env.MLPS_TESTHOSTS_DIR === undefined) rmSync(DIR, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('collects 3 hosts in parallel, each with its own hostname and its own network counters', async () => {
    const hosts = info.hosts;
    const c = track(new MultiHostTimeSeriesCollector({ hosts: entries(hosts), intervalSeconds: 0.5, ssh: ssh(), logger: quiet }));
    await c.connect();
    c.start();
    await sleep(700);
    // Traffic from host 1 only (to the bridge address, which is ours): its eth0 counters must move, the
    // others' must not move alike.
    if (info.mode === 'netns') {
      const h1 = hosts[0]!;
      await execFileAsync('ip', [
        'netns', 'exec', h1.netns, process.execPath, '-e',
        "const s=require('dgram').createSocket('udp4');let n=0;const b=Buffer.alloc(1000);(function f(){if(n++>=300){s.close();return;}s.send(b,9,'10.200.0.1',()=>setImmediate(f));})();",
      ]);
    }
    await sleep(1500);
    const byHost = await c.stop();
    const ticks = c.stats.ticks;
    expect(ticks).toBeGreaterThanOrEqual(4);
    expect(c.stats.skippedTicks).toBe(0);
    for (const h of hosts) {
      const samples = byHost[nameOf(h)]!;
      expect(samples).toHaveLength(ticks + 1); // every tick and the closing sample
      expect(samples.every((s) => s.errors === undefined)).toBe(true);
      expect(new Set(samples.map((s) => s.hostname))).toEqual(new Set([h.hostname]));
      expect(samples.every((s) => (s.uptime_seconds ?? 0) > 0 && (s.diskstats?.length ?? 0) > 0)).toBe(true);
    }
    expect(new Set(hosts.map((h) => byHost[nameOf(h)]![0]!.hostname)).size).toBe(3);
    if (info.mode === 'netns') {
      const delta = (h: TestHost): number => {
        const s = byHost[nameOf(h)]!;
        return eth(s[s.length - 1])!.tx - eth(s[0])!.tx;
      };
      // All three carry the same sampling traffic; only host 1 sent the 300 datagrams on top.
      expect(delta(hosts[0]!)).toBeGreaterThanOrEqual(300);
      expect(delta(hosts[0]!) - delta(hosts[1]!)).toBeGreaterThanOrEqual(250);
      expect(delta(hosts[0]!) - delta(hosts[2]!)).toBeGreaterThanOrEqual(250);
      // Counters differ host to host (each namespace has its own /proc/net/dev).
      const last = hosts.map((h) => JSON.stringify(eth(byHost[nameOf(h)]!.at(-1))));
      expect(new Set(last).size).toBe(3);
    }
    const data = buildTimeSeriesData(c);
    expect(data.collection_method).toBe('ssh');
    expect(data.hosts_collected).toEqual(hosts.map(nameOf));
    expect(Object.values(c.hostStatus()).map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('a host whose sshd stops mid-run turns partial and recovers; the others keep their cadence', async () => {
    const hosts = info.hosts;
    const victim = hosts[2]!;
    const interval = 0.3;
    const warnings: string[] = [];
    const c = track(new MultiHostTimeSeriesCollector({ hosts: entries(hosts), intervalSeconds: interval, ssh: ssh(), logger: { warn: (m) => void warnings.push(m) } }));
    await c.connect();
    c.start();
    await sleep(1000);
    expect(warnings).toEqual([]);
    await testhostsAsync('stop-sshd', String(victim.index));
    await sleep(1500);
    const downSamples = c.samplesByHost[nameOf(victim)]!.length;
    await testhostsAsync('start-sshd', String(victim.index));
    // Wait for the victim to come back (reconnect backoff starts at one interval and doubles).
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const s = c.samplesByHost[nameOf(victim)]!;
      if (s.length > downSamples && s[s.length - 1]!.errors === undefined) break;
      await sleep(100);
    }
    await sleep(2 * interval * 1000);
    const byHost = await c.stop();
    const ticks = c.stats.ticks;
    expect(c.stats.skippedTicks).toBe(0);
    const status = c.hostStatus();
    const v = byHost[nameOf(victim)]!;
    expect(v).toHaveLength(ticks + 1); // every tick and the closing sample
    expect(status[nameOf(victim)]).toMatchObject({ status: 'partial' });
    expect(status[nameOf(victim)]!.reconnects).toBeGreaterThanOrEqual(1);
    expect(v.some((s) => s.errors?.ssh !== undefined)).toBe(true);
    expect(v[v.length - 1]!.errors).toBeUndefined();
    expect(v[v.length - 1]!.hostname).toBe(victim.hostname);
    // Host trouble is visible: one line when it is lost, one when it is back, nothing per tick between.
    const about = warnings.filter((w) => w.startsWith(`host ${nameOf(victim)}: `));
    expect(about).toHaveLength(2);
    expect(about[0]).toMatch(/: lost \(.+\); reconnecting/);
    expect(about[1]).toMatch(/: back after \d+ error sample\(s\) \(\d/);
    expect(warnings.filter((w) => !w.startsWith(`host ${nameOf(victim)}: `))).toEqual([]);
    // Good and error samples counted apart; the document says so per host.
    const victimStatus = status[nameOf(victim)]!;
    expect(victimStatus.goodSamples + victimStatus.errors).toBe(v.length);
    expect(victimStatus.errors).toBe(v.filter((s) => s.diskstats === undefined).length);
    expect(victimStatus.errors).toBeGreaterThanOrEqual(2);
    expect(victimStatus.link).toBe('up');
    expect(buildTimeSeriesData(c).host_status?.[nameOf(victim)]).toMatchObject({ good_samples: victimStatus.goodSamples, error_samples: victimStatus.errors });
    for (const h of hosts.slice(0, 2)) {
      const s = byHost[nameOf(h)]!;
      expect([nameOf(h), s.length]).toEqual([nameOf(h), ticks + 1]);
      expect(status[nameOf(h)]).toMatchObject({ status: 'ok', errors: 0, reconnects: 0 });
      // Cadence: consecutive samples about one interval apart, none missing (the closing sample, taken
      // at stop(), is off the grid).
      const times = s.slice(0, -1).map((x) => x.timestamp_ms!);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      expect(Math.max(...gaps)).toBeLessThan(interval * 1000 * 1.8);
      expect(Math.min(...gaps)).toBeGreaterThan(interval * 1000 * 0.2);
    }
  }, 40_000);

  it('an unreachable address and a refused connection give error samples, never an exception', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const h1 = info.hosts[0]!;
    const targets: Array<string | HostTarget> = [
      ...entries([h1]),
      { name: 'refused', host: h1.address, port: 2222, user: 'root', local: false },
    ];
    if (info.mode === 'netns') targets.push(`root@${info.unusedAddress}`);
    targets.push({ name: 'no-such-host.invalid', host: 'no-such-host.invalid', user: 'root', local: false });
    const warnings: string[] = [];
    const c = track(new MultiHostTimeSeriesCollector({ hosts: targets, intervalSeconds: 0.5, ssh: ssh({ connectTimeoutSeconds: 6 }), logger: { warn: (m) => void warnings.push(m) } }));
    // As runs do: connect first, so the reachable host's handshake is not a missed first sample.
    await c.connect();
    c.start();
    await sleep(2600);
    const byHost = await c.stop();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    const ticks = c.stats.ticks;
    const refused = byHost.refused!;
    expect(refused).toHaveLength(ticks + 1); // every tick and the closing sample
    expect(refused.every((s) => s.errors?.ssh !== undefined && s.diskstats === undefined)).toBe(true);
    expect(refused.at(-1)!.errors!.ssh).toContain('Connection refused');
    expect(c.hostStatus().refused).toMatchObject({ status: 'failed', samples: ticks + 1, errors: ticks + 1 });
    if (info.mode === 'netns') {
      const unreachable = byHost[`root@${info.unusedAddress}`]!;
      expect(unreachable).toHaveLength(ticks + 1);
      expect(unreachable.every((s) => s.errors?.ssh !== undefined)).toBe(true);
      expect(unreachable.map((s) => s.errors!.ssh).join('\n')).toMatch(/No route|No answer from|still connecting|not connected/);
      expect(c.hostStatus()[`root@${info.unusedAddress}`]?.status).toBe('failed');
    }
    // One warning per host that cannot connect (wrong port, unknown name, unreachable), saying why.
    expect(warnings.filter((w) => w.startsWith('host refused: cannot connect ('))).toHaveLength(1);
    expect(warnings.find((w) => w.startsWith('host refused: '))).toContain('Connection refused');
    expect(warnings.filter((w) => w.startsWith('host no-such-host.invalid: cannot connect ('))).toHaveLength(1);
    expect(warnings.find((w) => w.startsWith('host no-such-host.invalid: '))).toMatch(/ENOTFOUND|EAI_AGAIN|not resolve|getaddrinfo/i);
    expect(c.hostStatus()['no-such-host.invalid']).toMatchObject({ status: 'failed', goodSamples: 0, errors: ticks + 1, link: 'down' });
    if (info.mode === 'netns') expect(warnings.filter((w) => w.startsWith(`host root@${info.unusedAddress}: cannot connect (`))).toHaveLength(1);
    expect(warnings.filter((w) => w.startsWith(`host ${nameOf(h1)}`))).toEqual([]);
    // The reachable host was not held back by the others.
    expect(byHost[nameOf(h1)]!.every((s) => s.errors === undefined)).toBe(true);
    expect(buildTimeSeriesData(c).hosts_collected).toEqual([nameOf(h1)]);
  }, 20_000);

  it('refuses a host key that changed, naming host and fingerprint, and leaves known_hosts alone', async () => {
    const [h1, h2] = [info.hosts[0]!, info.hosts[1]!];
    const kh = join(work, 'kh-changed');
    // Host 2's address recorded with host 1's key: what a reinstalled host, or an impostor, looks like.
    const pub1 = readFileSync(h1.hostKeyPath, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const host2Name = info.mode === 'netns' ? h2.address : `[${h2.address}]:${h2.port}`;
    writeFileSync(kh, `${host2Name} ${pub1}\n`);
    for (const policy of ['accept-new', 'no'] as const) {
      let caught: unknown;
      try {
        const conn = await openSshConnection(
          { host: h2.address, port: h2.port, username: 'root' },
          resolveSshOptions({ identityFiles: [info.identityFile], knownHostsPath: kh, strictHostKeyChecking: policy, agent: false }),
        );
        conn.close();
      } catch (err) {
        caught = err;
      }
      expect(isMlpsError(caught)).toBe(true);
      const e = caught as { code: string; message: string };
      expect(e.code).toBe('HOST_KEY_MISMATCH');
      expect(e.message).toContain(h2.address);
      expect(e.message).toContain(h2.hostKeyFingerprint);
      expect(e.message).toContain(h1.hostKeyFingerprint);
    }
    expect(readFileSync(kh, 'utf8')).toBe(`${host2Name} ${pub1}\n`);
    // Through the collector: error samples saying so, no data.
    const c = track(new MultiHostTimeSeriesCollector({
      hosts: entries([h2]),
      intervalSeconds: 0.5,
      ssh: { ...ssh(), knownHostsPath: kh, strictHostKeyChecking: 'accept-new' },
      logger: quiet,
    }));
    await c.connect();
    c.start();
    await sleep(600);
    await c.stop();
    const st = c.hostStatus()[nameOf(h2)]!;
    expect(st.status).toBe('failed');
    expect(st.lastError).toContain('HOST KEY CHANGED');
  });

  it("'accept-new' records a new host key that OpenSSH then accepts; 'yes' refuses an unknown one", async () => {
    const h3 = info.hosts[2]!;
    const kh = join(work, 'kh-new');
    const strict = await openSshConnection(
      { host: h3.address, port: h3.port, username: 'root' },
      resolveSshOptions({ identityFiles: [info.identityFile], knownHostsPath: kh, strictHostKeyChecking: 'yes', agent: false }),
    ).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(strict?.code).toBe('HOST_KEY_UNKNOWN');
    expect(strict?.message).toContain(h3.hostKeyFingerprint);
    const conn = await openSshConnection(
      { host: h3.address, port: h3.port, username: 'root' },
      resolveSshOptions({ identityFiles: [info.identityFile], knownHostsPath: kh, strictHostKeyChecking: 'accept-new', agent: false }),
    );
    conn.close();
    const keyLine = readFileSync(h3.hostKeyPath, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const host3Name = info.mode === 'netns' ? h3.address : `[${h3.address}]:${h3.port}`;
    expect(readFileSync(kh, 'utf8')).toBe(`${host3Name} ${keyLine}\n`);
    // The real OpenSSH client trusts the line we wrote, with strict checking.
    const out = execFileSync(
      'ssh',
      ['-i', info.identityFile, '-p', String(h3.port), '-o', `UserKnownHostsFile=${kh}`, '-o', 'GlobalKnownHostsFile=/dev/null',
        '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${h3.address}`, 'cat /proc/sys/kernel/hostname'],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe(h3.hostname);
  });

  it('a wrong user or a wrong key fails with a clear AUTH_FAILED error', async () => {
    const h1 = info.hosts[0]!;
    const wrongKey = join(work, 'id_wrong');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
    const attempts: Array<[string, string, string[]]> = [
      ['wrong user', 'nosuchuser', [info.identityFile]],
      ['wrong key', 'root', [wrongKey]],
    ];
    for (const [label, user, keys] of attempts) {
      const err = await openSshConnection(
        { host: h1.address, port: h1.port, username: user },
        resolveSshOptions({ identityFiles: keys, knownHostsPath: knownHostsCopy('kh-auth'), strictHostKeyChecking: 'yes', agent: false }),
      ).then(
        (c) => {
          c.close();
          return null;
        },
        (e: unknown) => e as { code: string; message: string },
      );
      expect([label, err?.code]).toEqual([label, 'AUTH_FAILED']);
      expect(err?.message).toContain(`${user}@${h1.address}`);
      expect(err?.message).toContain(keys[0]!);
      expect(err?.message).toContain('authorized_keys');
    }
    // In a collection the host is failed with that message, the run goes on.
    const c = track(new MultiHostTimeSeriesCollector({ hosts: entries([h1]), intervalSeconds: 0.5, ssh: ssh({ username: 'x', identityFiles: [wrongKey] }), logger: quiet }));
    c.start();
    await sleep(600);
    await c.stop();
    expect(c.hostStatus()[nameOf(h1)]?.lastError).toContain('Authentication failed');
  });

  it("the POSIX sh + cat loop (remoteReader 'cat') samples a real host too", async () => {
    const h2 = info.hosts[1]!;
    const c = track(new MultiHostTimeSeriesCollector({ hosts: entries([h2]), intervalSeconds: 0.3, remoteReader: 'cat', ssh: ssh(), logger: quiet }));
    await c.connect();
    c.start();
    await sleep(1000);
    const samples = (await c.stop())[nameOf(h2)]!;
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.every((s) => s.errors === undefined && s.hostname === h2.hostname && s.cpu !== undefined)).toBe(true);
  });

  it('runRemoteCommand runs a one-off command and reports its exit status', async () => {
    const h2 = info.hosts[1]!;
    const opts = { ...ssh(), port: h2.port };
    const ok = await runRemoteCommand(`root@${h2.address}`, ['cat', '/proc/sys/kernel/hostname'], opts);
    expect(ok).toMatchObject({ stdout: `${h2.hostname}\n`, exitCode: 0 });
    const bad = await runRemoteCommand(`root@${h2.address}`, 'echo oops >&2; exit 3', opts);
    expect(bad).toMatchObject({ stderr: 'oops\n', exitCode: 3 });
  }, 90_000); // two fresh handshakes: ~0.8 s of sshd CPU each, far more on a loaded machine
});
