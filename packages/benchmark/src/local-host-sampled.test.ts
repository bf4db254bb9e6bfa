// Issue 11: the host doing the work is always sampled. A built-in engine runs the workload here, so
// `training run --hosts h1:1 h2:1` must collect this machine too (as 127.0.0.1), and say so.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData } from '@mlps/timeseries';
import { Benchmark, type BenchmarkOptions } from './benchmark';
import { BuiltinCheckpointingBenchmark, BuiltinTrainingBenchmark } from './engines/builtin-benchmarks';

/** A workload that runs here (as the built-in engines do), for a real run of the lifecycle. */
class HereBenchmark extends Benchmark {
  readonly BENCHMARK_TYPE = 'kv_cache' as const;
  constructor(options: BenchmarkOptions) {
    super({ handleSignals: false, quiet: true, ...options });
  }
  protected override workloadRunsOnThisHost(): boolean {
    return true;
  }
  protected async _run(): Promise<number> {
    await new Promise((r) => setTimeout(r, 600));
    return 0;
  }
}

const names = (b: Benchmark): string[] => b.timeseriesHosts.map((h) => h.host);

describe('the host doing the work is always sampled', () => {
  it('built-in training and checkpointing runs add this machine to remote --hosts; dlio and local hosts do not', () => {
    const training = (hosts: string[], engine?: 'builtin' | 'dlio'): BuiltinTrainingBenchmark =>
      new BuiltinTrainingBenchmark({ command: 'run', model: 'unet3d', resultsDir: '/nonexistent', hosts, ...(engine ? { engine } : {}) });
    expect(names(training(['h1:1', 'h2:1']))).toEqual(['127.0.0.1', 'h1', 'h2']);
    // Already named (any of this machine's names): nothing added.
    expect(names(training(['localhost', 'h1']))).toEqual(['localhost', 'h1']);
    // DLIO runs the workload on the hosts themselves.
    expect(names(training(['h1:1', 'h2:1'], 'dlio'))).toEqual(['h1', 'h2']);
    const checkpointing = new BuiltinCheckpointingBenchmark({ command: 'run', model: 'llama3-8b', resultsDir: '/nonexistent', hosts: ['h1'], numProcesses: 1, checkpointFolder: '/nonexistent' });
    expect(names(checkpointing)).toEqual(['127.0.0.1', 'h1']);
  });

  it('a run whose workload runs here samples this machine beside an unreachable --hosts entry', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mlps-local-sampled-'));
    try {
      const bench = new HereBenchmark({
        command: 'run',
        resultsDir: root,
        hosts: ['no-such-host.invalid:1'],
        timeseries: { intervalSeconds: 0.1 },
        ssh: { connectTimeoutSeconds: 3 },
      });
      expect(await bench.run()).toBe(0);
      const dir = bench.runResultOutput;
      const doc = parseTimeSeriesData(readFileSync(join(dir, readdirSync(dir).find((n) => n.endsWith('_timeseries.json')) as string), 'utf8'));
      expect(doc.hosts_requested).toEqual(['127.0.0.1', 'no-such-host.invalid']);
      expect(doc.hosts_collected).toEqual(['127.0.0.1']);
      expect(doc.collection_method).toBe('local');
      expect((doc.samples_by_host['127.0.0.1'] ?? []).length).toBeGreaterThanOrEqual(3);
      expect(doc.host_status?.['no-such-host.invalid']?.status).toBe('failed');
      // The user's --hosts stay as given in the metadata; the unreachable host is a warning.
      const meta = JSON.parse(readFileSync(bench.metadataFilePath, 'utf8')) as { hosts: string[]; warnings: string[] };
      expect(meta.hosts).toEqual(['no-such-host.invalid:1']);
      expect(meta.warnings.some((w) => w.includes('host no-such-host.invalid: cannot connect'))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);
});
