// A results disk that stays full (issue 11 item 4), on a real tmpfs mounted for the test, with the real
// collector sampling this machine's /proc: the journal stops at its bound and the metadata says so; the
// document and the metadata that the run directory refuses (tried twice) are rescued to another file
// system, named in one warning each and in the metadata; when even that fails, one warning each, no throw.
// Needs root (mount): skipped with the reason otherwise, a failure under CI=true.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData, readJournalWithReport } from '@mlps/timeseries';
import { Benchmark, type BenchmarkOptions } from './benchmark';
import { describeWithTools } from '../../../scripts/test-tools.cjs';
import { fillFileSystem, mountTestTmpfs, type TestTmpfs } from '../../../scripts/test-tmpfs.cjs';
import { processGroupMembers } from '../../../scripts/test-processes.cjs';

jest.setTimeout(60_000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A benchmark whose workload is a function of the benchmark. */
class FnBenchmark extends Benchmark {
  readonly BENCHMARK_TYPE = 'kv_cache' as const;
  constructor(
    options: BenchmarkOptions,
    private readonly work: (b: FnBenchmark) => Promise<number>,
  ) {
    super({ handleSignals: false, quiet: true, ...options });
  }
  protected async _run(): Promise<number> {
    return this.work(this);
  }
}


function metadataIn(dir: string): Record<string, unknown> {
  const name = readdirSync(dir).find((n) => n.endsWith('_metadata.json'));
  if (name === undefined) throw new Error(`no metadata in ${dir}: ${readdirSync(dir).join(', ')}`);
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
}

describeWithTools(['root'], 'benchmark on a results disk that stays full (real tmpfs)', () => {
  let fsys: TestTmpfs;
  let rescueRoot: string;
  beforeAll(() => {
    // Room for the run directory's 4 MiB reserve and a little more.
    fsys = mountTestTmpfs('mlps-bench-full', 6 * 1024);
  });
  afterAll(() => fsys?.unmount());
  beforeEach(() => {
    rescueRoot = mkdtempSync(join(tmpdir(), 'mlps-rescue-test-'));
  });
  afterEach(() => {
    for (const name of readdirSync(fsys.path)) rmSync(join(fsys.path, name), { recursive: true, force: true });
    rmSync(rescueRoot, { recursive: true, force: true });
  });

  it('the journal stops at journalMaxPendingBytes: one warning, every sample in the document, metadata journal_complete false', async () => {
    const warnings: string[] = [];
    let observed = 0;
    const bench = new FnBenchmark(
      {
        command: 'run',
        resultsDir: join(fsys.path, 'results'),
        rescueDir: rescueRoot,
        timeseries: { intervalSeconds: 0.02, journalMaxPendingBytes: 16 * 1024 },
        events: { warning: (m) => warnings.push(m), timeseriesSample: () => void observed++ },
      },
      async (b) => {
        fillFileSystem(join(fsys.path, 'fill'));
        for (let waited = 0; !b.journalStatus?.stopped && waited < 20_000; waited += 20) await sleep(20);
        await sleep(200); // samples after the stop: in memory only
        return 0;
      },
    );
    expect(await bench.run()).toBe(0);

    const journal = bench.journalStatus!;
    expect(journal).toMatchObject({ stopped: true, complete: false });
    expect(journal.droppedLines).toBeGreaterThan(5);
    const doc = bench.timeseriesDocument!;
    expect(doc.path).toBe(bench.timeseriesFilePath);
    // The document has every sample taken: the journal's and the ones it dropped.
    expect(doc.samples).toBe(journal.lines + journal.droppedLines);
    expect(observed).toBe(doc.samples);
    const read = await readJournalWithReport(bench.journalFilePath);
    expect(read.tornLastLine).toBe(false);
    expect(read.badLines).toBe(0);
    expect(read.data.num_samples).toBe(journal.lines);

    expect(warnings.filter((w) => w.includes('journal') && w.includes('stopped'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('not written'))).toEqual([]);
    const meta = metadataIn(bench.runResultOutput);
    expect(meta.timeseries_data).toMatchObject({
      journal_file: bench.journalFilename,
      journal_complete: false,
      journal_num_samples: journal.lines,
      num_samples: doc.samples,
    });
    expect(meta.timeseries_collection).toMatchObject({ journal_complete: false, journal_num_samples: journal.lines });
    expect(meta).not.toHaveProperty('rescued_files');
    expect(bench.metadataWrittenPath).toBe(bench.metadataFilePath);
  });

  it('a complete journal says so in the metadata', async () => {
    const bench = new FnBenchmark(
      { command: 'run', resultsDir: join(fsys.path, 'results'), rescueDir: rescueRoot, timeseries: { intervalSeconds: 0.05 } },
      async () => {
        await sleep(150);
        return 0;
      },
    );
    expect(await bench.run()).toBe(0);
    const meta = metadataIn(bench.runResultOutput);
    expect(meta.timeseries_data).toMatchObject({ journal_complete: true, journal_num_samples: bench.timeseriesDocument!.samples });
  });

  it('the disk is still full at the end: document and metadata tried twice, then rescued to another file system, each sample observed once', async () => {
    const warnings: string[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    let bench: FnBenchmark | null = null;
    bench = new FnBenchmark(
      {
        command: 'run',
        resultsDir: join(fsys.path, 'results'),
        rescueDir: rescueRoot,
        timeseries: { intervalSeconds: 0.01 },
        events: {
          warning: (m) => warnings.push(m),
          // The reserve is released and the journal closed; something else takes the room back.
          stage: (stage) => {
            if (stage === 'write-timeseries') fillFileSystem(join(fsys.path, 'fill-again'));
          },
          timeseriesSample: (host, sample) => {
            const key = `${host}@${sample.timestamp_ms}`;
            if (seen.has(key)) duplicates++;
            seen.add(key);
          },
        },
      },
      async () => {
        fillFileSystem(join(fsys.path, 'fill'));
        await sleep(1500);
        return 0;
      },
    );
    expect(await bench.run()).toBe(0);

    const rescueDir = bench.rescueDirectory;
    expect(rescueDir).toBe(join(rescueRoot, `mlps-rescued-kv_cache-${bench.runDatetime}`));
    const doc = bench.timeseriesDocument!;
    expect(doc.path).toBe(join(rescueDir, bench.timeseriesFilename));
    // ~10 KB a sample: the failed attempts got far enough to show samples to the observer, each only once.
    expect(doc.bytes).toBeGreaterThan(1024 * 1024);
    expect(duplicates).toBe(0);
    expect(seen.size).toBe(doc.samples);
    const parsed = parseTimeSeriesData(readFileSync(doc.path, 'utf8'));
    expect(parsed.num_samples).toBe(doc.samples);
    expect(bench.journalStatus).toMatchObject({ complete: true, lines: doc.samples });

    // Nothing of them in the run directory (no temporary file left behind either).
    expect(readdirSync(bench.runResultOutput).filter((n) => n.includes('timeseries.json') && !n.endsWith('.jsonl'))).toEqual([]);
    expect(readdirSync(bench.runResultOutput).filter((n) => n.endsWith('_metadata.json') || n.endsWith('.tmp'))).toEqual([]);
    expect(bench.metadataWritten).toBe(true);
    expect(bench.metadataWrittenPath).toBe(join(rescueDir, bench.metadataFilename));
    const meta = metadataIn(rescueDir);
    expect(meta.rescued_files).toEqual({
      directory: rescueDir,
      files: [bench.timeseriesFilename, bench.metadataFilename],
      reason: expect.stringMatching(/ENOSPC|the filesystem is full/),
    });
    expect(meta).toMatchObject({ exit_code: 0, result_dir: bench.runResultOutput, timeseries_data: { file: bench.timeseriesFilename, journal_complete: true } });

    const docWarnings = warnings.filter((w) => w.startsWith('time-series document'));
    expect(docWarnings).toEqual([expect.stringContaining(`written to ${doc.path} instead`)]);
    const metaWarnings = warnings.filter((w) => w.startsWith('metadata'));
    expect(metaWarnings).toEqual([expect.stringContaining(`written to ${join(rescueDir, bench.metadataFilename)} instead`)]);
    // The metadata records the document's rescue among its warnings.
    expect((meta.warnings as string[]).some((w) => w.includes(`written to ${doc.path} instead`))).toBe(true);
  });

  it('nowhere to write: one warning for the document (naming what the journal holds), one for the metadata, no throw', async () => {
    const notADir = join(rescueRoot, 'a-file');
    writeFileSync(notADir, 'x');
    const warnings: string[] = [];
    const bench = new FnBenchmark(
      {
        command: 'run',
        resultsDir: join(fsys.path, 'results'),
        rescueDir: notADir,
        timeseries: { intervalSeconds: 0.05 },
        events: {
          warning: (m) => warnings.push(m),
          stage: (stage) => {
            if (stage === 'write-timeseries') fillFileSystem(join(fsys.path, 'fill'));
          },
        },
      },
      async () => {
        await sleep(200);
        return 3;
      },
    );
    expect(await bench.run()).toBe(1); // the workload's failure, as documented; the rescue does not change it
    expect(bench.timeseriesDocument).toBeNull();
    expect(bench.metadataWritten).toBe(false);
    expect(bench.metadataWrittenPath).toBeNull();
    expect(bench.rescuedFiles).toBeNull();
    const doc = warnings.filter((w) => w.includes('time-series document'));
    expect(doc).toHaveLength(1);
    expect(doc[0]).toMatch(/not written: .*(ENOSPC|full).*; not to .* either: .*ENOTDIR/);
    expect(doc[0]).toContain(`the journal ${bench.journalFilename} has every sample`);
    const meta = warnings.filter((w) => w.startsWith('metadata'));
    expect(meta).toHaveLength(1);
    expect(meta[0]).toMatch(/^metadata not written: .*; not to .* either: /);
    expect(existsSync(join(notADir, 'x'))).toBe(false);
  });

  it('the workload fails while a command of it keeps writing stderr to the full disk: its whole process group is stopped, files complete', async () => {
    const warnings: string[] = [];
    const pidFile = join(rescueRoot, 'workload.pid');
    const bench = new FnBenchmark(
      {
        command: 'run',
        resultsDir: join(fsys.path, 'results'),
        rescueDir: rescueRoot,
        timeseries: { intervalSeconds: 0.05 },
        echoWorkloadOutput: false,
        events: { warning: (m) => warnings.push(m) },
      },
      async (b) => {
        // A command that fills the disk, leaves a child behind, and writes to stderr without end.
        const script = `echo $$ > ${pidFile}; dd if=/dev/zero of=${join(fsys.path, 'fill')} bs=64k 2>/dev/null; sleep 300 & while :; do echo "stderr line of the workload" >&2; done`;
        void b.executor.execute(['sh', '-c', script], { logDir: b.runResultOutput, logPrefix: 'kv_cache_run' });
        for (let waited = 0; !warnings.some((w) => w.includes('not written further')) && waited < 20_000; waited += 20) await sleep(20);
        throw new Error('the engine failed');
      },
    );
    expect(await bench.run()).toBe(1);
    const pgid = Number(readFileSync(pidFile, 'utf8'));
    expect(pgid).toBeGreaterThan(1);
    expect(processGroupMembers(pgid)).toEqual([]);
    expect(warnings.filter((w) => w.includes('kv_cache_run.stderr.log not written further (the file system is full)'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('still running when the workload ended'))).toEqual([
      '1 workload command was still running when the workload ended: stopped with its process group (SIGTERM, then SIGKILL after 5 s)',
    ]);
    // The document and the metadata are written (the reserve's room), the journal complete.
    expect(bench.timeseriesDocument?.path).toBe(bench.timeseriesFilePath);
    const meta = metadataIn(bench.runResultOutput);
    expect(meta).toMatchObject({ exit_code: 1, workload_error: 'the engine failed', timeseries_data: { journal_complete: true } });
  });

  it('the disk is full before the run starts: collection runs without a journal (one warning), document and metadata rescued with every sample', async () => {
    const results = join(fsys.path, 'results');
    const fill = join(fsys.path, 'fill');
    fillFileSystem(fill);
    const warnings: string[] = [];
    const bench = new FnBenchmark(
      { command: 'run', resultsDir: results, rescueDir: rescueRoot, timeseries: { intervalSeconds: 0.05 }, events: { warning: (m) => warnings.push(m) } },
      async () => {
        await sleep(300);
        return 0;
      },
    );
    expect(await bench.run()).toBe(0);
    expect(bench.journalStatus).toBeNull();
    expect(existsSync(bench.journalFilePath)).toBe(false);
    const journalWarnings = warnings.filter((w) => w.includes('journal'));
    expect(journalWarnings).toEqual([expect.stringMatching(/^time-series journal not created \(cannot write journal .*\): collecting without it; samples are kept in memory only/)]);
    expect(warnings.filter((w) => w.includes('could not start'))).toEqual([]);
    const doc = bench.timeseriesDocument!;
    expect(doc.path).toBe(join(bench.rescueDirectory, bench.timeseriesFilename));
    expect(doc.samples).toBeGreaterThanOrEqual(5);
    const meta = metadataIn(bench.rescueDirectory);
    expect(meta.timeseries_data).toMatchObject({ journal_file: null, journal_complete: false, journal_num_samples: 0, num_samples: doc.samples });
    expect(meta.rescued_files).toMatchObject({ files: [bench.timeseriesFilename, bench.metadataFilename] });
  });
});
