import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData } from '@mlps/timeseries';
import { Benchmark, type BenchmarkOptions, type BenchmarkStage } from './benchmark';

/** A benchmark whose workload is a function, for lifecycle tests. */
class FnBenchmark extends Benchmark {
  readonly BENCHMARK_TYPE = 'kv_cache' as const;
  constructor(
    options: BenchmarkOptions,
    private readonly work: (b: FnBenchmark, signal: AbortSignal) => Promise<number>,
  ) {
    super({ handleSignals: false, quiet: true, ...options });
  }
  protected async _run(): Promise<number> {
    return this.work(this, this.abortController.signal);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Benchmark lifecycle', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-bench-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runs the stages in order and writes the document before the end snapshot, the metadata last', async () => {
    const seen: Array<[BenchmarkStage, boolean, boolean]> = [];
    let bench: FnBenchmark | null = null;
    bench = new FnBenchmark(
      {
        command: 'run',
        resultsDir: root,
        timeseries: { intervalSeconds: 0.05 },
        events: {
          stage: (s) => {
            if (bench && bench.runResultOutput && existsSync(bench.runResultOutput)) {
              seen.push([s, existsSync(bench.timeseriesFilePath), existsSync(bench.metadataFilePath)]);
            } else seen.push([s, false, false]);
          },
        },
      },
      async () => {
        await sleep(300);
        return 0;
      },
    );
    expect(bench.shouldCollectTimeseries()).toBe(true);
    expect(await bench.run()).toBe(0);
    expect(seen.map((s) => s[0])).toEqual([
      'validate', 'run-directory', 'cluster-start', 'collection-start', 'workload', 'collection-stop',
      'write-timeseries', 'cluster-end', 'write-metadata', 'done',
    ]);
    const at = (stage: BenchmarkStage): [boolean, boolean] => {
      const e = seen.find((s) => s[0] === stage);
      return [e?.[1] ?? false, e?.[2] ?? false];
    };
    expect(at('workload')).toEqual([false, false]);
    expect(at('cluster-end')).toEqual([true, false]);
    expect(at('done')).toEqual([true, true]);
    expect(bench.runResultOutput).toBe(join(root, 'kv_cache', 'run', bench.runDatetime));
    expect(bench.timeseriesFilename).toBe(`kv_cache_${bench.runDatetime}_timeseries.json`);
    expect(bench.runtime).toBeGreaterThanOrEqual(0.25);
    const doc = parseTimeSeriesData(readFileSync(bench.timeseriesFilePath, 'utf8'));
    // ~6 ticks in the 300 ms workload at 0.05 s, plus the first and the closing sample. A tick that a loaded
    // machine (this test shares the jest worker's event loop) started too late is skipped and counted: the
    // schedule, samples plus skipped ticks, still covers the workload.
    expect(doc.num_samples + (doc.interval_stats?.skipped_ticks ?? Number.NaN)).toBeGreaterThanOrEqual(4);
    expect(doc.num_samples).toBeGreaterThanOrEqual(3);
    const meta = JSON.parse(readFileSync(bench.metadataFilePath, 'utf8'));
    expect(meta.timeseries_data).toMatchObject({ file: bench.timeseriesFilename, num_samples: doc.num_samples, interval_seconds: 0.05 });
    expect(meta.timeseries_data.host_status).toEqual(doc.host_status);
  });

  it('shows every sample of the document to events.timeseriesSample, and a throwing observer costs nothing', async () => {
    const seen: string[] = [];
    const bench = new FnBenchmark(
      {
        command: 'run',
        resultsDir: root,
        timeseries: { intervalSeconds: 0.05 },
        events: {
          timeseriesSample: (host, sample) => {
            seen.push(`${host} ${sample.timestamp_ms}`);
            throw new Error('observer broke');
          },
        },
      },
      async () => {
        await sleep(200);
        return 0;
      },
    );
    expect(await bench.run()).toBe(0);
    const doc = parseTimeSeriesData(readFileSync(bench.timeseriesFilePath, 'utf8'));
    expect(seen).toEqual(Object.entries(doc.samples_by_host).flatMap(([host, list]) => list.map((s) => `${host} ${s.timestamp_ms}`)));
    expect(bench.timeseriesDocument).toMatchObject({ path: bench.timeseriesFilePath, samples: doc.num_samples, samplesPerHost: { '127.0.0.1': doc.num_samples } });
    const { samples_by_host: _samples, ...fields } = doc;
    expect(bench.timeseriesDocument?.fields).toEqual(fields);
    expect(bench.runWarnings).toEqual([]);
  });

  it('collects only for run, never in what-if mode or with skip', () => {
    const mk = (o: Partial<BenchmarkOptions>): FnBenchmark => new FnBenchmark({ command: 'run', resultsDir: root, ...o }, async () => 0);
    expect(mk({ command: 'datagen' }).shouldCollectTimeseries()).toBe(false);
    expect(mk({ whatIf: true }).shouldCollectTimeseries()).toBe(false);
    expect(mk({ timeseries: { skip: true } }).shouldCollectTimeseries()).toBe(false);
    expect(mk({}).shouldCollectTimeseries()).toBe(true);
  });

  it('what-if runs the workload function without creating anything', async () => {
    let ran = false;
    const b = new FnBenchmark({ command: 'run', resultsDir: join(root, 'r'), whatIf: true }, async () => {
      ran = true;
      return 0;
    });
    expect(await b.run()).toBe(0);
    expect(ran).toBe(true);
    expect(existsSync(join(root, 'r'))).toBe(false);
  });

  it('a failure to start collection is a warning: the workload runs and the metadata says why', async () => {
    let b: FnBenchmark | null = null;
    const warnings: string[] = [];
    b = new FnBenchmark(
      {
        command: 'run',
        resultsDir: root,
        timeseries: { intervalSeconds: 0.05 },
        events: {
          // Occupy the journal's name: the collector never overwrites a file, so it cannot start.
          stage: (s) => {
            if (s === 'collection-start' && b) writeFileSync(b.journalFilePath, 'not ours\n');
          },
          warning: (m) => warnings.push(m),
        },
      },
      async () => 0,
    );
    expect(await b.run()).toBe(0);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatch(/could not start/);
    expect(existsSync(b.timeseriesFilePath)).toBe(false);
    expect(readFileSync(b.journalFilePath, 'utf8')).toBe('not ours\n');
    const meta = JSON.parse(readFileSync(b.metadataFilePath, 'utf8'));
    expect(meta.timeseries_data).toBeUndefined();
    expect(meta.warnings[0]).toMatch(/could not start/);
    expect(meta.exit_code).toBe(0);
  });

  it('a workload that throws is exit 1 with complete files', async () => {
    const b = new FnBenchmark({ command: 'run', resultsDir: root, timeseries: { intervalSeconds: 0.05 } }, async () => {
      await sleep(150);
      throw new Error('disk on fire');
    });
    expect(await b.run()).toBe(1);
    expect(parseTimeSeriesData(readFileSync(b.timeseriesFilePath, 'utf8')).num_samples).toBeGreaterThanOrEqual(2);
    const meta = JSON.parse(readFileSync(b.metadataFilePath, 'utf8'));
    expect(meta).toMatchObject({ exit_code: 1, workload_error: 'disk on fire' });
  });

  it('interrupt() aborts an in-process workload, finishes the files and resolves 143', async () => {
    const b = new FnBenchmark({ command: 'run', resultsDir: root, timeseries: { intervalSeconds: 0.05 } }, (_b, signal) => {
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(0)));
    });
    const running = b.run();
    await sleep(200);
    b.interrupt('SIGTERM');
    expect(await running).toBe(143);
    const meta = JSON.parse(readFileSync(b.metadataFilePath, 'utf8'));
    expect(meta).toMatchObject({ exit_code: 143, interrupted_by: 'SIGTERM' });
    expect(existsSync(b.timeseriesFilePath)).toBe(true);
    expect(readdirSync(b.runResultOutput).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});
