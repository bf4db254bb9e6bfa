// A results disk the workload fills (issue 11): on a 20 MB tmpfs mounted for the test, `exec` and
// `timeseries collect` with a workload that writes 100 MB to the same file system end with the document,
// the metadata and a complete journal written, one warning per write path, the exit code as documented,
// no stack trace and no workload left running; a document bigger than the space reserve is rescued to
// $TMPDIR; a run interrupted while its workload floods stderr on the full disk leaves no process behind.
// The tmpfs is unmounted also when the test is killed (a watchdog). Needs root (mount): skipped with the
// reason otherwise, a failure under CI=true.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseTimeSeriesData, readJournalWithReport } from '@mlps/timeseries';
import { runCliProcess, startCli } from './test-cli';
import { describeWithTools, itWithTools } from '../../../scripts/test-tools.cjs';
import { mountTestTmpfs, type TestTmpfs } from '../../../scripts/test-tmpfs.cjs';
import { processGroupMembers } from '../../../scripts/test-processes.cjs';

jest.setTimeout(90_000);

/** Python mlpstorage's readers (a mirror of its own, see the script). */
const READERS = resolve(__dirname, '__fixtures__', 'python_reference_readers.py');

let mountPoint: string;
let fsys: TestTmpfs | undefined;

function onlyRunDir(parent: string): string {
  const dirs = readdirSync(parent);
  expect(dirs).toHaveLength(1);
  return join(parent, dirs[0] as string);
}

function fillersRunning(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`of=${mountPoint}/fill`));
}

/** The run's document, journal and metadata: all there, all complete, the journal as long as the document. */
async function expectCompleteFiles(runDir: string, prefix: string): Promise<Record<string, unknown>> {
  const dt = runDir.slice(-15);
  const names = readdirSync(runDir);
  // The space reserve is gone once the run is over.
  expect(names.filter((n) => n.startsWith('.mlps'))).toEqual([]);
  const doc = parseTimeSeriesData(readFileSync(join(runDir, `${prefix}_${dt}_timeseries.json`), 'utf8'));
  expect(doc.num_samples).toBeGreaterThanOrEqual(2);
  const journal = await readJournalWithReport(join(runDir, `${prefix}_${dt}_timeseries.jsonl`));
  expect(journal.badLines).toBe(0);
  expect(journal.tornLastLine).toBe(false);
  expect(journal.data.num_samples).toBe(doc.num_samples);
  const meta = JSON.parse(readFileSync(join(runDir, `${prefix}_${dt}_metadata.json`), 'utf8')) as Record<string, unknown>;
  expect((meta.timeseries_data as { num_samples: number }).num_samples).toBe(doc.num_samples);
  return meta;
}

function expectNoStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(stderr).not.toMatch(/Unhandled|internal error/);
}

describeWithTools(['root', 'ps'], 'a results disk the workload fills', () => {
  // The rescue directory's parent ($TMPDIR of the CLI): on the root file system, not the full tmpfs.
  let rescueRoot: string;
  beforeAll(() => {
    fsys = mountTestTmpfs('mlps-full-disk', 20 * 1024);
    mountPoint = fsys.path;
  });

  afterAll(() => fsys?.unmount());

  beforeEach(() => {
    rescueRoot = mkdtempSync(join(tmpdir(), 'mlps-full-disk-rescue-'));
  });

  afterEach(() => {
    // Each case starts with an empty file system.
    for (const name of readdirSync(mountPoint)) rmSync(join(mountPoint, name), { recursive: true, force: true });
    rmSync(rescueRoot, { recursive: true, force: true });
  });

  it('exec -- dd 100 MB into a 20 MB results fs: document and metadata written, exit 1 (the workload failed)', async () => {
    const results = join(mountPoint, 'results');
    const r = await runCliProcess([
      'exec', '--results-dir', results, '--timeseries-interval', '0.1', '--',
      'dd', 'if=/dev/zero', `of=${mountPoint}/fill`, 'bs=1M', 'count=100',
    ]);
    expectNoStackTrace(r.stderr);
    expect(r.stderr).toMatch(/No space left on device/);
    expect(r.code).toBe(1);
    const meta = await expectCompleteFiles(onlyRunDir(join(results, 'training', 'exec', 'run')), 'training');
    expect(meta).toMatchObject({ exit_code: 1 });
    expect(fillersRunning()).toEqual([]);
  });

  it('collect: the workload keeps writing to stderr on the full disk: one warning per write path, files complete, its exit code', async () => {
    const results = join(mountPoint, 'results');
    const script =
      `dd if=/dev/zero of=${mountPoint}/fill bs=1M count=100 2>/dev/null; ` +
      'i=0; while [ $i -lt 3000 ]; do echo "stderr line $i of the workload" >&2; i=$((i+1)); done; sleep 1; exit 3';
    const r = await runCliProcess(['timeseries', 'collect', '--results-dir', results, '--timeseries-interval', '0.1', '--', 'sh', '-c', script]);
    expectNoStackTrace(r.stderr);
    expect(r.code).toBe(3);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('mlpstorage: warning:'));
    // The stderr log gives up once, saying why; the journal says once that it keeps samples in memory.
    expect(warnings.filter((w) => w.includes('.stderr.log not written further (the file system is full)'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('journal write failed')).length).toBeLessThanOrEqual(1);
    expect(warnings.filter((w) => /not written:|closing journal/.test(w))).toEqual([]);
    const runDir = onlyRunDir(join(results, 'collect'));
    const meta = await expectCompleteFiles(runDir, 'collect');
    expect(meta).toMatchObject({ exit_code: 3, benchmark_type: 'collect' });
    expect((meta.warnings as string[]).some((w) => w.includes('.stderr.log not written further'))).toBe(true);
    // The console still got the workload's output.
    expect(r.stderr).toContain('stderr line 2999 of the workload');
    expect(existsSync(join(mountPoint, 'fill'))).toBe(true);
    expect(fillersRunning()).toEqual([]);
  });

  it('exec: the disk stays full and the document is bigger than the reserve: rescued to $TMPDIR, one warning naming it, metadata says where, exit code the workload\'s', async () => {
    const results = join(mountPoint, 'results');
    const r = await runCliProcess(
      [
        'exec', '--results-dir', results, '--timeseries-interval', '0.01', '--',
        'sh', '-c', `dd if=/dev/zero of=${mountPoint}/fill bs=1M count=100 2>/dev/null; sleep 6; exit 0`,
      ],
      { TMPDIR: rescueRoot },
    );
    expectNoStackTrace(r.stderr);
    expect(r.code).toBe(0);
    const runDir = onlyRunDir(join(results, 'training', 'exec', 'run'));
    const dt = runDir.slice(-15);
    const rescueDir = join(rescueRoot, `mlps-rescued-training-${dt}`);
    const docName = `training_${dt}_timeseries.json`;
    const rescuedDoc = join(rescueDir, docName);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('mlpstorage: warning:'));
    const docWarnings = warnings.filter((w) => w.includes('time-series document'));
    expect(docWarnings).toHaveLength(1);
    expect(docWarnings[0]).toContain(`written to ${rescuedDoc} instead`);
    expect(docWarnings[0]).toMatch(/No space left on device|the filesystem is full/);
    // Nothing half-written left in the run directory; the journal there has every sample.
    expect(readdirSync(runDir).filter((n) => n === docName || n.endsWith('.tmp') || n.startsWith('.mlps'))).toEqual([]);
    const doc = parseTimeSeriesData(readFileSync(rescuedDoc, 'utf8'));
    expect(doc.num_samples).toBeGreaterThan(300);
    const journal = await readJournalWithReport(join(runDir, `training_${dt}_timeseries.jsonl`));
    expect(journal.tornLastLine).toBe(false);
    expect(journal.data.num_samples).toBe(doc.num_samples);
    // The metadata fitted in the run directory once the failed attempts were cleaned up; it says where the document is.
    const meta = JSON.parse(readFileSync(join(runDir, `training_${dt}_metadata.json`), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({
      exit_code: 0,
      rescued_files: { directory: rescueDir, files: [docName] },
      timeseries_data: { file: docName, num_samples: doc.num_samples, journal_complete: true, journal_num_samples: doc.num_samples },
    });
    // The summary names where the document is.
    expect(r.stderr).toContain(`time series: ${rescuedDoc}`);
    expect(fillersRunning()).toEqual([]);
  });

  it('exec interrupted (SIGTERM) while the workload floods stderr on the full disk: 143, files complete, no process of its group left', async () => {
    const results = join(mountPoint, 'results');
    const pidFile = join(rescueRoot, 'workload.pid');
    const script =
      `echo $$ > ${pidFile}; dd if=/dev/zero of=${mountPoint}/fill bs=1M count=100 2>/dev/null; sleep 300 & ` +
      'i=0; while :; do echo "stderr line $i of the workload" >&2; i=$((i+1)); [ $((i % 100)) -eq 0 ] && sleep 0.01; done';
    const cli = startCli(['exec', '--results-dir', results, '--timeseries-interval', '0.1', '--', 'sh', '-c', script], { TMPDIR: rescueRoot });
    for (let waited = 0; !cli.stderr().includes('not written further') && waited < 30_000; waited += 50) await new Promise((res) => setTimeout(res, 50));
    expect(cli.stderr()).toContain('.stderr.log not written further (the file system is full)');
    await new Promise((res) => setTimeout(res, 300));
    cli.child.kill('SIGTERM');
    const r = await cli.done;
    expectNoStackTrace(r.stderr);
    expect(r.code).toBe(143);
    const pgid = Number(readFileSync(pidFile, 'utf8'));
    expect(pgid).toBeGreaterThan(1);
    // Signalled processes end when the (maybe loaded) machine schedules them: wait for that, not a fixed time;
    // an unsignalled `sleep 300` would still be there after the wait.
    for (const t0 = Date.now(); processGroupMembers(pgid).length > 0 && Date.now() - t0 < 5000; ) await new Promise((res) => setTimeout(res, 20));
    expect(processGroupMembers(pgid)).toEqual([]);
    const meta = await expectCompleteFiles(onlyRunDir(join(results, 'training', 'exec', 'run')), 'training');
    expect(meta).toMatchObject({ exit_code: 143, interrupted_by: 'SIGTERM' });
    expect(fillersRunning()).toEqual([]);
  });
});

describeWithTools(['root'], 'a results disk full from the start', () => {
  let full: TestTmpfs | undefined;
  let rescueRoot: string;
  beforeAll(() => {
    full = mountTestTmpfs('mlps-full-at-start', 20 * 1024);
    rescueRoot = mkdtempSync(join(tmpdir(), 'mlps-full-at-start-rescue-'));
  });
  afterAll(() => {
    full?.unmount();
    rmSync(rescueRoot, { recursive: true, force: true });
  });

  // Issue 10 with the full-disk keys: metadata whose journal_file is null, with journal_complete false,
  // journal_num_samples 0 and rescued_files, still loads in Python mlpstorage's readers, times and all.
  itWithTools(['python3'], 'no journal (journal_file null), document and metadata rescued; Python mlpstorage readers load both', async () => {
    const mnt = (full as TestTmpfs).path;
    // dd stops at ENOSPC (exit 1): the file system is full before the run starts.
    execFileSync('sh', ['-c', `dd if=/dev/zero of=${mnt}/fill bs=1M count=40 2>/dev/null; true`]);
    const results = join(mnt, 'results');
    const r = await runCliProcess(['exec', '--results-dir', results, '--timeseries-interval', '0.1', '--', 'sleep', '0.5'], { TMPDIR: rescueRoot });
    expectNoStackTrace(r.stderr);
    expect(r.code).toBe(0);
    const runDir = onlyRunDir(join(results, 'training', 'exec', 'run'));
    const dt = runDir.slice(-15);
    const docName = `training_${dt}_timeseries.json`;
    const metaName = `training_${dt}_metadata.json`;
    const rescueDir = join(rescueRoot, `mlps-rescued-training-${dt}`);
    expect(readdirSync(rescueDir).sort()).toEqual([metaName, docName]);
    expect(existsSync(join(runDir, `training_${dt}_timeseries.jsonl`))).toBe(false);
    // The summary names the files that exist: no journal line for a journal never created.
    expect(r.stderr).toContain(`  time series: ${join(rescueDir, docName)}`);
    expect(r.stderr).not.toMatch(/^ {2}journal: /m);

    const report = JSON.parse(execFileSync('python3', [READERS, rescueDir], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(report).toMatchObject({
      ok: true,
      benchmark_type: 'training',
      journal_file: null,
      journal_complete: false,
      journal_num_samples: 0,
      rescued_files: [metaName, docName].sort(),
      document_path: join(rescueDir, docName),
      samples_by_host: ['127.0.0.1'],
      document_timestamps_reference_form: true,
      host_status_kept: true,
      interval_stats_kept: true,
    });
    expect(report.num_samples as number).toBeGreaterThanOrEqual(3);
  });
});

