// The journal on a disk that stays full (issue 11 item 4), on a real tmpfs mounted for the test: the
// retry buffer is bounded by `maxPendingBytes`; past it the journal stops, the file keeps every complete
// line (a line torn by a short write is cut back out), and the collector says so once and keeps every
// sample in memory. Needs root (mount): skipped with the reason otherwise, a failure under CI=true.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from './clock';
import { TimeSeriesCollector } from './collector';
import { isMlpsError } from './errors';
import { JournalWriter, readJournalWithReport, type JournalHeader } from './journal';
import { formatReferenceTimestamp } from './timestamps';
import { describeWithTools } from '../../../scripts/test-tools.cjs';
import { fillFileSystem, mountTestTmpfs, type TestTmpfs } from '../../../scripts/test-tmpfs.cjs';
import { errorOf } from './test-support';

jest.setTimeout(60_000);

const T0 = Date.UTC(2026, 0, 24, 12, 0, 0);
const header: JournalHeader = {
  collection_interval_seconds: 1,
  hosts_requested: ['h1'],
  collection_method: 'local',
  start_time: formatReferenceTimestamp(T0),
  start_time_ms: T0,
};

// A row of 300 numbers with many digits: ~5 KB a line, so a one-page short write tears a line.
const LEAVES = 300;
const template = { timestamp: null, timestamp_ms: null, hostname: 'h1', values: Array.from({ length: LEAVES }, () => null) };
const values = new Float64Array(LEAVES + 1);
function rowValues(k: number): Float64Array {
  values[0] = T0 + k * 1000;
  for (let i = 1; i <= LEAVES; i++) values[i] = 1_000_000_000_000 + k * 1000 + i;
  return values;
}

describeWithTools(['root'], 'journal on a full disk (real tmpfs)', () => {
  let fsys: TestTmpfs;
  beforeAll(() => {
    fsys = mountTestTmpfs('mlps-journal-full', 512);
  });
  afterAll(() => fsys?.unmount());
  afterEach(() => {
    for (const name of fs.readdirSync(fsys.path)) fs.rmSync(path.join(fsys.path, name), { recursive: true, force: true });
  });

  it('retries while under maxPendingBytes, then stops: every complete line kept, the rest counted, memory bounded', async () => {
    const target = path.join(fsys.path, 'run_timeseries.jsonl');
    const bound = 64 * 1024;
    const j = JournalWriter.open(target, header, { maxPendingBytes: bound });
    const id = j.appendLayout('h1', template);
    let k = 0;
    for (; k < 5; k++) {
      j.appendRow(id, rowValues(k), LEAVES + 1);
      j.flush();
    }
    expect(j.linesWritten).toBe(5);
    fillFileSystem(path.join(fsys.path, 'fill'));

    // The disk is full: each flush fails and keeps the lines; the buffer stays under the bound.
    let failures = 0;
    let maxPending = 0;
    for (; !j.stopped && k < 500; k++) {
      j.appendRow(id, rowValues(k), LEAVES + 1);
      maxPending = Math.max(maxPending, j.pendingBytes);
      try {
        j.flush();
      } catch (err) {
        failures++;
        expect(isMlpsError(err) && err.code).toBe('IO_ERROR');
        expect((err as Error).message).toMatch(/ENOSPC|the filesystem is full/);
      }
    }
    expect(failures).toBeGreaterThan(3);
    expect(j.stopped).toBe(true);
    expect(maxPending).toBeLessThanOrEqual(bound);
    expect(maxPending).toBeGreaterThan(bound / 2);
    expect(j.stopReason?.message).toMatch(/ENOSPC/);
    expect(j.pendingBytes).toBe(0);
    expect(j.closed).toBe(true);
    expect(j.linesWritten + j.droppedLines).toBe(k);

    // Stopped for good: room again changes nothing, appends only count, close is a no-op.
    fs.rmSync(path.join(fsys.path, 'fill'));
    const size = fs.statSync(target).size;
    for (let n = 0; n < 10; n++, k++) j.appendRow(id, rowValues(k), LEAVES + 1);
    j.append('h1', { timestamp: formatReferenceTimestamp(T0), timestamp_ms: T0, hostname: 'h1', errors: { sample: 'x' } });
    k++;
    expect(j.appendLayout('h1', template)).toBeGreaterThan(id);
    j.flush();
    j.close();
    expect(fs.statSync(target).size).toBe(size);
    expect(j.linesWritten + j.droppedLines).toBe(k);

    const read = await readJournalWithReport(target);
    expect(read.tornLastLine).toBe(false);
    expect(read.badLines).toBe(0);
    expect(read.samplesPerHost.h1).toBe(j.linesWritten);
    const samples = read.data.samples_by_host.h1 ?? [];
    expect(samples.map((s) => s.timestamp_ms)).toEqual(Array.from({ length: j.linesWritten }, (_, i) => T0 + i * 1000));
  });

  it('a short write that tears a line: the torn part is cut back out of the file, the rest written on the next flush', async () => {
    const target = path.join(fsys.path, 'run_timeseries.jsonl');
    const j = JournalWriter.open(target, header, { maxPendingBytes: 1024 * 1024 });
    const id = j.appendLayout('h1', template);
    j.flush();
    const filler = path.join(fsys.path, 'fill');
    fillFileSystem(filler);
    // One page free: a write of several ~5 KB rows writes 4096 bytes, then ENOSPC.
    fs.truncateSync(filler, fs.statSync(filler).size - 4096);
    for (let k = 0; k < 4; k++) j.appendRow(id, rowValues(k), LEAVES + 1);
    expect(errorOf(() => j.flush()).code).toBe('IO_ERROR');
    expect(j.stopped).toBe(false);
    const onDisk = fs.readFileSync(target, 'utf8');
    expect(onDisk.endsWith('\n')).toBe(true);
    expect(j.linesWritten).toBe(onDisk.split('\n').filter((l) => l.startsWith('[')).length);
    expect(j.pendingLines).toBe(4 - j.linesWritten);

    fs.rmSync(filler);
    j.flush();
    j.close();
    const read = await readJournalWithReport(target);
    expect(read.tornLastLine).toBe(false);
    expect(read.badLines).toBe(0);
    expect((read.data.samples_by_host.h1 ?? []).map((s) => s.timestamp_ms)).toEqual([0, 1, 2, 3].map((i) => T0 + i * 1000));
  });

  it('a disk full before the journal is opened: IO_ERROR naming it, and no headerless file left behind', () => {
    fillFileSystem(path.join(fsys.path, 'fill'));
    const target = path.join(fsys.path, 'run_timeseries.jsonl');
    const err = errorOf(() => JournalWriter.open(target, header));
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toContain(`cannot write journal ${target}`);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('close() on a disk still full: IO_ERROR, and the lines it could not write are counted as dropped', async () => {
    const target = path.join(fsys.path, 'run_timeseries.jsonl');
    const j = JournalWriter.open(target, header);
    const id = j.appendLayout('h1', template);
    j.appendRow(id, rowValues(0), LEAVES + 1);
    j.flush();
    fillFileSystem(path.join(fsys.path, 'fill'));
    for (let k = 1; k < 4; k++) j.appendRow(id, rowValues(k), LEAVES + 1);
    expect(errorOf(() => j.close()).code).toBe('IO_ERROR');
    expect(j.closed).toBe(true);
    expect(j.stopped).toBe(false);
    expect([j.linesWritten, j.droppedLines, j.pendingLines]).toEqual([1, 3, 0]);
    const read = await readJournalWithReport(target);
    expect(read.tornLastLine).toBe(false);
    expect(read.samplesPerHost.h1).toBe(1);
  });

  it('maxPendingBytes must be a non-negative integer', () => {
    const target = path.join(fsys.path, 'bad.jsonl');
    expect(errorOf(() => JournalWriter.open(target, header, { maxPendingBytes: -1 })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => new TimeSeriesCollector({ journalPath: target, journalMaxPendingBytes: 1.5 })).message).toMatch(/journalMaxPendingBytes must be an integer >= 0/);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('the collector (real /proc): one warning a user can act on, stats and journalStatus say the journal stopped, every sample in memory', async () => {
    const target = path.join(fsys.path, 'run_timeseries.jsonl');
    const clock = new ManualClock({ wallStartMs: T0 });
    const warnings: string[] = [];
    const c = new TimeSeriesCollector({
      intervalSeconds: 1,
      clock,
      journalPath: target,
      journalMaxPendingBytes: 32 * 1024,
      maxSamples: 1000,
      logger: { warn: (m) => warnings.push(m) },
    });
    c.start();
    await clock.advance(4000);
    expect(c.journalStatus()).toMatchObject({ path: target, lines: 5, stopped: false, complete: true });
    fillFileSystem(path.join(fsys.path, 'fill'));
    await clock.advance(200_000);
    const samples = await c.stop();
    expect(samples).toHaveLength(206);

    const status = c.journalStatus();
    expect(status).toMatchObject({ stopped: true, complete: false });
    expect(status!.lines + status!.droppedLines).toBe(206);
    expect(status!.lines).toBeGreaterThanOrEqual(5);
    expect(c.stats).toMatchObject({ journalStopped: true, journalDroppedLines: status!.droppedLines, samples: 206, storedSamples: 206 });

    const stopped = warnings.filter((w) => w.includes('stopped'));
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toContain(target);
    expect(stopped[0]).toContain(`holds the first ${status!.lines} samples`);
    expect(stopped[0]).toMatch(/later samples are kept in memory only .* go into the document/);
    expect(warnings.filter((w) => w.includes('journal write failed'))).toHaveLength(1);
    expect(warnings).toHaveLength(2);

    const read = await readJournalWithReport(target);
    expect(read.tornLastLine).toBe(false);
    expect(read.samplesPerHost[c.hostName]).toBe(status!.lines);
  });
});
