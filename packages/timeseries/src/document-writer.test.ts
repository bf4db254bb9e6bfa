import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from './clock';
import { CollectionRun, type HostSource, type SampleRequest } from './collection-run';
import { isMlpsError } from './errors';
import { writeTimeSeriesDocument, writeTimeSeriesDocumentFromJournal } from './document-writer';
import { buildTimeSeriesData, parseTimeSeriesData, serializeTimeSeriesData, type DescribesRun, type RunDescription } from './format';
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

/**
 * A stopped multi-host run on the real engine: this machine's /proc under several names, a host that
 * fails one tick, one that never answers, and a cap small enough to decimate.
 */
async function stoppedRun(maxSamples: number): Promise<CollectionRun> {
  const clock = new ManualClock({ startMs: 0, wallStartMs: T0 });
  const real = (name: string): HostSource => ({
    name,
    method: name === 'local' ? 'local' : 'ssh',
    sample: (q: SampleRequest) => collectTimeseriesSampleSync({ wallMs: q.wallMs, hostname: name }),
  });
  const sources: HostSource[] = [
    real('local'),
    real('node-b'),
    { name: 'flaky', method: 'ssh', sample: (q) => (q.tick.index === 2 ? Promise.reject(new Error('reset')) : Promise.resolve(collectTimeseriesSampleSync({ wallMs: q.wallMs, hostname: 'flaky' }))) },
    { name: 'dead', method: 'ssh', sample: () => Promise.reject(new Error('host unreachable')) },
  ];
  const r = new CollectionRun({
    name: 'TestCollector', sources, intervalSeconds: 1, maxSamples, overflow: 'decimate', journalPath: undefined, clock,
    logger: { warn: () => undefined }, unref: false, sampleTimeoutMs: 800, stopGraceMs: 500,
  });
  r.start();
  for (let t = 0; t < 9; t++) await clock.advance(1000);
  await r.stop();
  return r;
}

describe('writeTimeSeriesDocument from a run, host by host from its stores', () => {
  it('writes the bytes of serializeTimeSeriesData(buildTimeSeriesData(run)) and returns its fields', async () => {
    for (const maxSamples of [100, 4]) {
      const r = await stoppedRun(maxSamples);
      const whole = buildTimeSeriesData(r);
      const target = path.join(dir, `run-${maxSamples}.json`);
      const seen: string[] = [];
      const result = await writeTimeSeriesDocument(target, r, { onSample: (host, s) => seen.push(`${host}:${s.timestamp_ms}`) });
      expect(fs.readFileSync(target, 'utf8')).toBe(serializeTimeSeriesData(whole));
      const { samples_by_host: byHost, ...fields } = whole;
      expect(result.fields).toEqual(fields);
      expect(Object.keys(result.fields)).toEqual(Object.keys(fields));
      expect(result.samplesPerHost).toEqual(Object.fromEntries(Object.entries(byHost).map(([h, l]) => [h, l.length])));
      expect(result.samples).toBe(whole.num_samples);
      expect(seen).toEqual(Object.entries(byHost).flatMap(([h, l]) => l.map((s) => `${h}:${s.timestamp_ms}`)));
      expect(whole.hosts_collected).toEqual(['local', 'node-b', 'flaky']);
      if (maxSamples === 4) expect(whole.num_samples).toBeLessThan(4 * 11);
    }
  });

  it('reads the run through keptSamples, never through samplesByHost (which decodes whole hosts)', async () => {
    const r = await stoppedRun(100);
    const run = r.describeRun();
    const expected = serializeTimeSeriesData(buildTimeSeriesData(r));
    const streamedOnly: DescribesRun = {
      describeRun: () => ({
        ...run,
        samplesByHost: new Proxy({} as RunDescription['samplesByHost'], {
          get: () => {
            throw new Error('samplesByHost read');
          },
          ownKeys: () => [],
        }),
        keptSamples: {
          count: (host) => run.keptSamples!.count(host),
          samples: (host) => run.keptSamples!.samples(host),
        },
      }),
    };
    const target = path.join(dir, 'kept.json');
    await writeTimeSeriesDocument(target, streamedOnly);
    expect(fs.readFileSync(target, 'utf8')).toBe(expected);
  });

  it('derives host_status by the host-health rule when the description has none, as buildTimeSeriesData does', async () => {
    const r = await stoppedRun(100);
    const { hostStatus: _omitted, ...run } = r.describeRun();
    const source: DescribesRun = { describeRun: () => ({ ...run }) };
    const target = path.join(dir, 'derived.json');
    const result = await writeTimeSeriesDocument(target, source);
    const whole = buildTimeSeriesData(source);
    expect(fs.readFileSync(target, 'utf8')).toBe(serializeTimeSeriesData(whole));
    expect(result.fields.host_status?.flaky).toMatchObject({ status: 'partial', error_samples: 1 });
    expect(result.fields.host_status?.dead).toMatchObject({ status: 'failed' });
  });

  it('refuses to publish a document whose samples changed under the writer (INVALID_STATE), leaving the target', async () => {
    const r = await stoppedRun(100);
    const run = r.describeRun();
    const target = path.join(dir, 'changed.json');
    fs.writeFileSync(target, 'previous');
    const moving: DescribesRun = { describeRun: () => ({ ...run, keptSamples: { count: (h) => run.keptSamples!.count(h) + 1, samples: (h) => run.keptSamples!.samples(h) } }) };
    const err = await writeTimeSeriesDocument(target, moving).catch((e: unknown) => e);
    expect(isMlpsError(err) && err.code).toBe('INVALID_STATE');
    expect(fs.readFileSync(target, 'utf8')).toBe('previous');
    expect(leftovers()).toEqual([]);
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
