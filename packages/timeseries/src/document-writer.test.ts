import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMlpsError } from './errors';
import { writeTimeSeriesDocument, writeTimeSeriesDocumentFromJournal } from './document-writer';
import { buildTimeSeriesData, parseTimeSeriesData, serializeTimeSeriesData, type RunDescription } from './format';
import { JournalWriter, readJournal, readJournalWithReport, type JournalHeader } from './journal';
import { collectTimeseriesSampleSync } from './sampling';
import { formatReferenceTimestamp } from './timestamps';
import type { TimeSeriesData, TimeSeriesSample } from './types';

const FIXTURE = path.join(__dirname, '__fixtures__/formats/python-mlpstorage-timeseries.json');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlps-docwriter-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 24, 12, 0, 0);

/** Real samples of this machine, re-stamped `gapMs` apart. */
function realSamples(n: number, gapMs: number, hostname = 'node'): TimeSeriesSample[] {
  const out: TimeSeriesSample[] = [];
  for (let i = 0; i < n; i++) {
    const s = collectTimeseriesSampleSync({ wallMs: T0 + i * gapMs, hostname });
    out.push(s);
  }
  return out;
}

function leftovers(): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
}

describe('writeTimeSeriesDocument', () => {
  it('writes the same bytes as serializeTimeSeriesData: a Python file, and a run of several hosts', async () => {
    const python = parseTimeSeriesData(fs.readFileSync(FIXTURE, 'utf8'));
    const run: RunDescription = {
      intervalSeconds: 0.5,
      startTime: new Date(T0),
      endTime: new Date(T0 + 2003),
      hostsRequested: ['a', 'b', 'c'],
      samplesByHost: {
        a: realSamples(3, 500, 'a'),
        b: [{ timestamp: formatReferenceTimestamp(T0), timestamp_ms: T0, hostname: 'b', errors: { ssh: 'refused "quoted"\nline' } }],
      },
      collectionMethod: 'mixed',
      intervalStats: { ticks: 3, samples: 4, skipped_ticks: 0, failed_samples: 1 },
    };
    const docs: TimeSeriesData[] = [python, buildTimeSeriesData({ describeRun: () => run }), { ...python, samples_by_host: {} }];
    for (const [i, doc] of docs.entries()) {
      const target = path.join(dir, `doc${i}.json`);
      const result = await writeTimeSeriesDocument(target, doc);
      expect(fs.readFileSync(target, 'utf8')).toBe(serializeTimeSeriesData(doc));
      expect(result.bytes).toBe(fs.statSync(target).size);
    }
    // From the collector-like source directly.
    const fromRun = path.join(dir, 'run.json');
    const result = await writeTimeSeriesDocument(fromRun, { describeRun: () => run });
    expect(result.samples).toBe(4);
    expect(fs.readFileSync(fromRun, 'utf8')).toBe(serializeTimeSeriesData(buildTimeSeriesData({ describeRun: () => run })));
    expect(leftovers()).toEqual([]);
  });

  it('streams host lists given as iterables, sync and async', async () => {
    const samples = realSamples(2, 1000);
    const base = buildTimeSeriesData({
      describeRun: () => ({ intervalSeconds: 1, startTime: new Date(T0), endTime: new Date(T0 + 1000), hostsRequested: ['x', 'y'], samplesByHost: { x: samples, y: samples }, collectionMethod: 'local' }),
    });
    async function* later(): AsyncGenerator<TimeSeriesSample> {
      for (const s of samples) yield s;
    }
    const target = path.join(dir, 'iter.json');
    await writeTimeSeriesDocument(target, { ...base, samples_by_host: { x: new Set(samples), y: later() } });
    expect(fs.readFileSync(target, 'utf8')).toBe(serializeTimeSeriesData(base));
  });

  it('leaves the target as it was and no temporary file when the source fails midway', async () => {
    const target = path.join(dir, 'keep.json');
    fs.writeFileSync(target, 'previous');
    function* failing(): Generator<TimeSeriesSample> {
      yield realSamples(1, 1)[0]!;
      throw new Error('source broke');
    }
    const doc = parseTimeSeriesData(fs.readFileSync(FIXTURE, 'utf8'));
    await expect(writeTimeSeriesDocument(target, { ...doc, samples_by_host: { h: failing() } })).rejects.toThrow('source broke');
    expect(fs.readFileSync(target, 'utf8')).toBe('previous');
    expect(leftovers()).toEqual([]);
    const err = await writeTimeSeriesDocument(path.join(dir, 'missing', 'x.json'), doc).catch((e: unknown) => e);
    expect(isMlpsError(err) && err.code).toBe('IO_ERROR');
    expect(String((err as Error).message)).toContain(path.join(dir, 'missing', 'x.json'));
  });
});

describe('writeTimeSeriesDocumentFromJournal', () => {
  const header: JournalHeader = {
    collection_interval_seconds: 0.5,
    hosts_requested: ['alpha', 'beta', 'gamma'],
    collection_method: 'mixed',
    start_time: formatReferenceTimestamp(T0),
    start_time_ms: T0,
  };

  function writeJournal(target: string): TimeSeriesSample[] {
    const w = JournalWriter.open(target, header);
    const samples = realSamples(6, 500, 'alpha.example');
    const written: TimeSeriesSample[] = [];
    samples.forEach((s, k) => {
      // The shape changes mid-run (a device goes away), and beta only ever fails.
      const a = k === 3 ? { ...s, diskstats: s.diskstats!.slice(1) } : s;
      const b: TimeSeriesSample = { timestamp: formatReferenceTimestamp(T0 + k * 500 + 7), timestamp_ms: T0 + k * 500 + 7, hostname: 'beta', errors: { ssh: 'timed out' } };
      w.append('alpha', a);
      w.append('beta', b);
      written.push(a, b);
      w.flush();
    });
    w.close();
    return written;
  }

  it('writes what readJournal rebuilds, byte for byte, host by host', async () => {
    const journal = path.join(dir, 'run_timeseries.jsonl');
    writeJournal(journal);
    const target = path.join(dir, 'run_timeseries.json');
    const report = await writeTimeSeriesDocumentFromJournal(journal, target);
    const expected = await readJournal(journal);
    expect(fs.readFileSync(target, 'utf8')).toBe(serializeTimeSeriesData(expected));
    expect(report.samplesPerHost).toEqual({ alpha: 6, beta: 6, gamma: 0 });
    expect(report.samples).toBe(12);
    expect(report.tornLastLine).toBe(false);
    expect(parseTimeSeriesData(fs.readFileSync(target, 'utf8')).samples_by_host.alpha![3]!.diskstats).toHaveLength(
      expected.samples_by_host.alpha![0]!.diskstats!.length - 1,
    );
  });

  it('a torn last line loses only that line; a v1 journal reads the same', async () => {
    const journal = path.join(dir, 'torn.jsonl');
    const written = writeJournal(journal);
    const text = fs.readFileSync(journal, 'utf8');
    const lines = text.trimEnd().split('\n');
    // Cut the last alpha row in half, as a crash mid-write would, then add a NUL tail.
    const lastRow = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('[')).pop()![1];
    const torn = [...lines.slice(0, lastRow), lines[lastRow]!.slice(0, 40)].join('\n') + '\0\0\0';
    fs.writeFileSync(journal, torn);
    const target = path.join(dir, 'torn.json');
    const report = await writeTimeSeriesDocumentFromJournal(journal, target);
    expect(report.tornLastLine).toBe(true);
    expect(report.badLines).toBe(0);
    const doc = parseTimeSeriesData(fs.readFileSync(target, 'utf8'));
    expect(doc.samples_by_host.alpha).toEqual(written.filter((s) => s.hostname === 'alpha.example').slice(0, 5));

    // The same samples as a v1 journal (one whole sample per line).
    const v1 = path.join(dir, 'v1.jsonl');
    const v1Lines = [JSON.stringify({ type: 'header', format: 'mlps-timeseries-journal', format_version: 1, ...header })];
    for (const s of written) v1Lines.push(JSON.stringify({ host: s.hostname === 'beta' ? 'beta' : 'alpha', sample: s }));
    fs.writeFileSync(v1, `${v1Lines.join('\n')}\n`);
    const v1Doc = path.join(dir, 'v1.json');
    await writeTimeSeriesDocumentFromJournal(v1, v1Doc);
    const fromV2 = path.join(dir, 'v2.json');
    const v2 = path.join(dir, 'v2.jsonl');
    writeJournal(v2);
    await writeTimeSeriesDocumentFromJournal(v2, fromV2);
    const a = parseTimeSeriesData(fs.readFileSync(v1Doc, 'utf8'));
    const b = parseTimeSeriesData(fs.readFileSync(fromV2, 'utf8'));
    expect(a.samples_by_host.alpha!.map((s) => s.diskstats?.length)).toEqual(b.samples_by_host.alpha!.map((s) => s.diskstats?.length));
    expect((await readJournalWithReport(v1)).samplesPerHost).toEqual({ alpha: 6, beta: 6, gamma: 0 });
  });
});
