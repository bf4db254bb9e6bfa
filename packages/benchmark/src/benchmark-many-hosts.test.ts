import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseTimeSeriesData, readJournal, serializeTimeSeriesData } from '@mlps/timeseries';
import { Benchmark, type BenchmarkOptions } from './benchmark';

class SleepBenchmark extends Benchmark {
  readonly BENCHMARK_TYPE = 'kv_cache' as const;
  constructor(options: BenchmarkOptions, private readonly ms: number) {
    super({ handleSignals: false, quiet: true, ...options });
  }
  protected async _run(): Promise<number> {
    await new Promise((r) => setTimeout(r, this.ms));
    return 0;
  }
}

// Real sshd test hosts (network namespaces), made by the repo's script; each is requested under two
// spellings (`addr` and `root@addr`), which are two hosts of the run with their own connection.
const TESTHOSTS = resolve(__dirname, '..', '..', '..', 'scripts', 'testhosts.sh');
const TEST_HOSTS = 6;

describe("the benchmark's end-of-run document with many hosts", () => {
  let root: string;
  let hostsDir: string;
  let testHosts: { identityFile: string; hosts: Array<{ address: string }> };
  beforeAll(() => {
    hostsDir = mkdtempSync(join(tmpdir(), 'mlps-bench-hosts-'));
    execFileSync('bash', [TESTHOSTS, 'up', String(TEST_HOSTS), '--dir', hostsDir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
    testHosts = JSON.parse(readFileSync(join(hostsDir, 'hosts.json'), 'utf8'));
  }, 130_000);
  afterAll(() => {
    try {
      execFileSync('bash', [TESTHOSTS, 'down', '--dir', hostsDir], { stdio: 'ignore', timeout: 60_000 });
    } finally {
      rmSync(hostsDir, { recursive: true, force: true });
    }
  }, 70_000);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-bench-many-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('streams every host and every sample into the document, the same text the whole-string way would give', async () => {
    const hosts = testHosts.hosts.flatMap((h) => [h.address, `root@${h.address}`]);
    expect(hosts).toHaveLength(2 * TEST_HOSTS);
    const ssh = {
      username: 'root',
      identityFiles: [testHosts.identityFile],
      knownHostsPath: join(root, 'known_hosts'),
      strictHostKeyChecking: 'accept-new' as const,
      connectTimeoutSeconds: 10,
    };
    const bench = new SleepBenchmark({ command: 'run', resultsDir: root, hosts, ssh, timeseries: { intervalSeconds: 0.2 } }, 3000);
    expect(await bench.run()).toBe(0);
    const text = readFileSync(bench.timeseriesFilePath, 'utf8');
    const kept = bench.timeseries!;
    expect(text).toBe(serializeTimeSeriesData(kept));
    const doc = parseTimeSeriesData(text);
    expect(Object.keys(doc.samples_by_host)).toEqual(hosts);
    expect(doc.collection_method).toBe('ssh');
    // Every sample the journal holds is in the document, host by host, in order.
    const journal = await readJournal(bench.timeseriesFilePath.replace(/\.json$/, '.jsonl'));
    let total = 0;
    for (const host of hosts) {
      const samples = doc.samples_by_host[host]!;
      expect(samples.length).toBeGreaterThanOrEqual(3);
      expect(samples.map((s) => s.timestamp_ms)).toEqual(journal.samples_by_host[host]!.map((s) => s.timestamp_ms));
      expect(samples[samples.length - 1]).toEqual(journal.samples_by_host[host]![samples.length - 1]);
      total += samples.length;
    }
    expect(doc.num_samples).toBe(total);
    // The storage under test of every remote host came with its start snapshot (one round trip each): a
    // host that answered it is resolved from that output; one that did not says so, and is not asked again.
    const metadata = JSON.parse(readFileSync(bench.metadataFilePath, 'utf8')) as {
      storage_under_test: Record<string, Array<Record<string, unknown>>>;
      cluster_information: { start: { hosts: Record<string, { source: string; errors?: Record<string, string> }> } };
    };
    expect(Object.keys(metadata.storage_under_test)).toEqual(hosts);
    for (const host of hosts) {
      const [entry, ...more] = metadata.storage_under_test[host]!;
      expect(more).toEqual([]);
      const snap = metadata.cluster_information.start.hosts[host.replace(/^root@/, '')]!;
      if (snap.source === 'ssh') {
        expect(entry!.error).toBeUndefined();
        expect(entry).toMatchObject({ role: 'results', path: bench.runResultOutput, mount_point: expect.any(String), fstype: expect.any(String) });
      } else {
        expect(entry).toMatchObject({ role: 'results', mount_point: null, error: `no answer: ${snap.errors?.snapshot}` });
      }
    }
    expect(doc.storage_under_test).toEqual(metadata.storage_under_test);
  }, 120_000);
});
