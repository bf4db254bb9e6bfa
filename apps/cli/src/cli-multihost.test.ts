import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseTimeSeriesData } from '@mlps/timeseries';
import { runCliProcess } from './test-cli';
import { describeWithTools } from '../../../scripts/test-tools.cjs';

// Real sshd test hosts (network namespaces with their own hostname and address), made by the repo's script.
const TESTHOSTS = resolve(__dirname, '..', '..', '..', 'scripts', 'testhosts.sh');

interface TestHosts {
  mode: string;
  identityFile: string;
  knownHostsPath: string;
  hosts: Array<{ address: string; hostname: string; port: number; user: string }>;
}

describeWithTools(['root', 'sshd', 'ssh-keygen', 'ip'], 'multi-host collection against real sshd hosts', () => {
  let dir: string;
  let hosts: TestHosts;
  let root: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlps-cli-hosts-'));
    execFileSync('bash', [TESTHOSTS, 'up', '3', '--dir', dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120000 });
    hosts = JSON.parse(readFileSync(join(dir, 'hosts.json'), 'utf8')) as TestHosts;
    // Loopback fallback hosts are 127.0.0.1 on distinct ports: they would be sampled in-process, which
    // cannot show ssh collection. Say so loudly rather than pass vacuously.
    if (hosts.mode !== 'netns') throw new Error(`test hosts are in '${hosts.mode}' mode: network namespaces are required for this suite`);
    root = mkdtempSync(join(tmpdir(), 'mlps-cli-mh-'));
  }, 150000);

  afterAll(() => {
    try {
      execFileSync('bash', [TESTHOSTS, 'down', '--dir', dir], { stdio: 'ignore', timeout: 60000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (root) rmSync(root, { recursive: true, force: true });
    }
  }, 90000);

  const sshArgs = (): string[] => [
    '--ssh-username', 'root',
    '--ssh-identity', hosts.identityFile,
    '--ssh-known-hosts', join(root, 'known_hosts'),
    '--ssh-strict-host-key-checking', 'accept-new',
    '--ssh-timeout', '5',
  ];

  function onlyDocument(results: string): { runDir: string; dt: string } {
    const parent = join(results, 'training', 'exec', 'run');
    const dt = readdirSync(parent)[0] as string;
    return { runDir: join(parent, dt), dt };
  }

  it('collects every host over ssh: each host filed under its name, its own hostname, method ssh', async () => {
    const results = join(root, 'r1');
    const addrs = hosts.hosts.map((h) => h.address);
    const r = await runCliProcess(['exec', '-rd', results, '--hosts', ...addrs, ...sshArgs(), '--timeseries-interval', '0.2', '-q', '--', 'sleep', '1.5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { runDir, dt } = onlyDocument(results);
    const doc = parseTimeSeriesData(readFileSync(join(runDir, `training_${dt}_timeseries.json`), 'utf8'));
    expect(doc.collection_method).toBe('ssh');
    expect(doc.hosts_requested).toEqual(addrs);
    expect([...doc.hosts_collected].sort()).toEqual([...addrs].sort());
    for (const h of hosts.hosts) {
      const samples = doc.samples_by_host[h.address] ?? [];
      expect(samples.length).toBeGreaterThanOrEqual(5);
      // Connections are made before the first tick, so every sample is good and carries the host's own
      // name (its UTS namespace), not the address requested.
      expect(samples.filter((s) => s.errors !== undefined)).toEqual([]);
      expect(samples.every((s) => s.hostname === h.hostname)).toBe(true);
      expect(doc.host_status?.[h.address]?.status).toBe('ok');
    }
    const meta = JSON.parse(readFileSync(join(runDir, `training_${dt}_metadata.json`), 'utf8'));
    expect(meta.timeseries_data.collection_method).toBe('ssh');
    expect(meta.timeseries_collection.collector).toBe('multi-host');
    for (const h of hosts.hosts) {
      const snap = meta.cluster_information.start.hosts[h.address];
      expect(snap.source).toBe('ssh');
      expect(snap.hostname).toBe(h.hostname);
      expect(snap.cpu_count).toBeGreaterThan(0);
    }
  }, 60000);

  it('this machine plus remote hosts is mixed', async () => {
    const results = join(root, 'r2');
    const first = hosts.hosts[0]?.address as string;
    const r = await runCliProcess(['exec', '-rd', results, '--hosts', 'localhost', first, ...sshArgs(), '--timeseries-interval', '0.2', '-q', '--', 'sleep', '1']);
    expect(r.code).toBe(0);
    const { runDir, dt } = onlyDocument(results);
    const doc = parseTimeSeriesData(readFileSync(join(runDir, `training_${dt}_timeseries.json`), 'utf8'));
    expect(doc.collection_method).toBe('mixed');
    expect(doc.hosts_requested).toEqual(['localhost', first]);
    expect(doc.samples_by_host.localhost?.[0]?.hostname).toBe(hostname());
    expect(doc.hosts_collected).toHaveLength(2);
  }, 60000);

  it('collect: a host whose sshd stops mid-run is one "lost" and one "back" line; the summary, metadata and report show the outage', async () => {
    const results = join(root, 'outage');
    const [h1, h2] = [hosts.hosts[0]?.address as string, hosts.hosts[1]?.address as string];
    // The workload itself stops host 2's sshd (and its open sessions) and starts it again.
    const script = `sleep 1; bash ${TESTHOSTS} stop-sshd 2 --dir ${dir} 2>/dev/null; sleep 1.5; bash ${TESTHOSTS} start-sshd 2 --dir ${dir} 2>/dev/null; sleep 5`;
    const r = await runCliProcess(['timeseries', 'collect', '--results-dir', results, '--hosts', h1, h2, ...sshArgs(), '--timeseries-interval', '0.2', '--', 'sh', '-c', script]);
    expect(r.code).toBe(0);
    const about = r.stderr.split('\n').filter((l) => l.startsWith(`mlpstorage: warning: time-series: host ${h2}: `));
    expect(about).toHaveLength(2);
    expect(about[0]).toMatch(/: lost \(.+\); reconnecting/);
    expect(about[1]).toMatch(/: back after \d+ error sample\(s\)/);
    expect(r.stderr).not.toContain(`host ${h1}:`);
    expect(r.stderr).toMatch(/time series: \d+ samples \(\d+ good, \d+ error samples\)/);
    const runDir = join(results, 'collect', readdirSync(join(results, 'collect'))[0] as string);
    const dt = runDir.slice(-15);
    const meta = JSON.parse(readFileSync(join(runDir, `collect_${dt}_metadata.json`), 'utf8'));
    expect(meta.timeseries_data.num_error_samples).toBeGreaterThanOrEqual(2);
    expect(meta.timeseries_data.num_good_samples + meta.timeseries_data.num_error_samples).toBe(meta.timeseries_data.num_samples);
    expect(meta.timeseries_data.host_status[h2].status).toBe('partial');
    expect(meta.warnings.filter((w: string) => w.includes(`host ${h2}: `))).toHaveLength(2);
    const report = await runCliProcess(['timeseries', 'report', runDir, '--format', 'json']);
    const host2 = (JSON.parse(report.stdout) as { hosts: Array<{ host: string; gaps: unknown[] }> }).hosts.find((h) => h.host === h2);
    expect(host2?.gaps).toHaveLength(1);
  }, 90000);

  it('an unreachable host is reported failed; the others are collected and the run succeeds', async () => {
    const results = join(root, 'r3');
    const first = hosts.hosts[0]?.address as string;
    const unused = (JSON.parse(readFileSync(join(dir, 'hosts.json'), 'utf8')) as { unusedAddress: string }).unusedAddress;
    // A generous connect timeout: a new sshd connection costs ~0.8 s of server CPU here, more on a loaded
    // machine, and the reachable host must be connected in time; the unreachable one costs the whole timeout.
    const r = await runCliProcess(['exec', '-rd', results, '--hosts', first, unused, ...sshArgs(), '--ssh-timeout', '6', '--timeseries-interval', '0.2', '-q', '--', 'sleep', '2']);
    expect(r.code).toBe(0);
    const { runDir, dt } = onlyDocument(results);
    const doc = parseTimeSeriesData(readFileSync(join(runDir, `training_${dt}_timeseries.json`), 'utf8'));
    expect(doc.hosts_collected).toEqual([first]);
    expect(doc.host_status?.[unused]?.status).toBe('failed');
    const meta = JSON.parse(readFileSync(join(runDir, `training_${dt}_metadata.json`), 'utf8'));
    expect(meta.cluster_information.start.hosts[unused].source).toBe('unavailable');
  }, 60000);
});
