// The streamed report (`reportTimeSeriesFile`, `reportTimeSeriesRun`) against the whole-document path
// (`buildReport(parseTimeSeriesData(text))`, `buildReport(readJournalWithReport(...).data)`): identical text,
// Markdown, JSON and HTML on real documents and journals (samples of this machine's /proc, collected by the
// real collector), on multi-host runs whose storage under test comes after the samples, with `--devices`,
// host outages, an odd key order and a headerless v1 journal; and the whole-document errors for bad files.
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeSeriesCollector } from '../collector';
import { writeTimeSeriesDocument } from '../document-writer';
import { isMlpsError } from '../errors';
import { parseTimeSeriesData, serializeTimeSeriesData } from '../format';
import { readJournalWithReport } from '../journal';
import type { TimeSeriesData, TimeSeriesSample } from '../types';
import type { StorageUnderTestMap } from '../storage/resolve';
import { buildReport, type ReportMeta } from './build-report';
import { chartDataFromSeries } from './chart-data';
import { renderReportHtml, renderReportHtmlFromChartData } from './render-html';
import { renderReportJson, renderReportMarkdown, renderReportText } from './render-summary';
import { reportTimeSeriesFile, type StreamedRunReport } from './report-stream';
import { loadTimeSeriesRun, reportTimeSeriesRun } from './run-files';

jest.setTimeout(60_000);

let dir: string;
let journalPath: string;
let documentPath: string;
let real: TimeSeriesData;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlps-report-stream-'));
  journalPath = join(dir, 'training_20260101_000000_timeseries.jsonl');
  documentPath = join(dir, 'training_20260101_000000_timeseries.json');
  const collector = new TimeSeriesCollector({ intervalSeconds: 0.05, journalPath, logger: { warn: () => undefined } });
  collector.start();
  // Some real disk writes while sampling, so devices have figures.
  const scratch = join(dir, 'scratch.bin');
  const fd = openSync(scratch, 'w');
  const block = Buffer.alloc(256 * 1024, 7);
  const until = Date.now() + 1500;
  while (Date.now() < until) {
    writeSync(fd, block);
    fsyncSync(fd);
    await new Promise((r) => setTimeout(r, 20));
  }
  closeSync(fd);
  rmSync(scratch);
  await collector.stop();
  await writeTimeSeriesDocument(documentPath, collector);
  real = parseTimeSeriesData(readFileSync(documentPath, 'utf8'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every rendering of the whole-document report. */
function oldRenderings(data: TimeSeriesData, meta: ReportMeta): string[] {
  const report = buildReport(data, meta);
  return [renderReportText(report), renderReportMarkdown(report), renderReportJson(report), renderReportHtml(data, meta)];
}

function newRenderings(s: StreamedRunReport): string[] {
  const r = s.report;
  return [renderReportText(r), renderReportMarkdown(r), renderReportJson(r), renderReportHtmlFromChartData(chartDataFromSeries(r, s.series))];
}

function hostSamples(data: TimeSeriesData): TimeSeriesSample[] {
  const list = Object.values(data.samples_by_host)[0];
  if (list === undefined) throw new Error('no samples');
  return list;
}

/** The device with the most sectors written over the real run (the one the scratch writes hit). */
function busiestDevice(samples: readonly TimeSeriesSample[]): string {
  const first = samples[0]!.diskstats ?? [];
  const last = samples[samples.length - 1]!.diskstats ?? [];
  let best = first[0]?.device_name ?? 'vda';
  let most = -1;
  for (const d of last) {
    const a = first.find((x) => x.device_name === d.device_name);
    const delta = d.sectors_written - (a?.sectors_written ?? d.sectors_written);
    if (delta > most) {
      most = delta;
      best = d.device_name;
    }
  }
  return best;
}

/** A three-host run from the real samples: one host has an outage, one never answered, storage under test after the samples. */
function multiHost(): TimeSeriesData {
  const samples = hostSamples(real);
  const device = busiestDevice(samples);
  const shifted = (host: string, offsetMs: number): TimeSeriesSample[] =>
    samples.map((s) => {
      const ms = (s.timestamp_ms as number) + offsetMs;
      return { ...s, hostname: host, timestamp_ms: ms, timestamp: new Date(ms).toISOString() };
    });
  const b = shifted('beta', 3);
  // beta does not answer for three ticks mid-run.
  for (let i = 5; i < 8 && i < b.length; i++) {
    const s = b[i]!;
    b[i] = { timestamp: s.timestamp, timestamp_ms: s.timestamp_ms, hostname: 'beta', errors: { ssh: 'connection reset' } } as TimeSeriesSample;
  }
  const storage: StorageUnderTestMap = {
    alpha: [{ role: 'data', path: '/data', resolved_path: '/data', mount_point: '/', fstype: 'ext4', source: `/dev/${device}`, devices: [device], chain: [{ device, kind: 'disk' }], network: false } as never],
    beta: [{ role: 'data', path: '/data', resolved_path: '/data', mount_point: '/', fstype: 'ext4', source: `/dev/${device}`, devices: [device], chain: [{ device, kind: 'disk' }], network: false } as never],
  };
  return {
    ...real,
    // beta first in the file, alpha first in hosts_requested: the two orders must not mix.
    samples_by_host: { beta: b, alpha: shifted('alpha', 0), gamma: [] },
    hosts_requested: ['alpha', 'beta', 'gamma'],
    hosts_collected: ['alpha', 'beta'],
    num_samples: samples.length * 2,
    collection_method: 'ssh',
    storage_under_test: storage,
  };
}

describe('streamed report = whole-document report', () => {
  test('a real document: text, Markdown, JSON and HTML are identical', async () => {
    const meta: ReportMeta = { source: documentPath, benchmark: 'training' };
    const streamed = await reportTimeSeriesFile(documentPath, { kind: 'document', meta });
    expect(streamed.report.hosts[0]!.samples).toBeGreaterThanOrEqual(10);
    expect(newRenderings(streamed)).toEqual(oldRenderings(real, meta));
  });

  test('the real journal: identical to readJournalWithReport + buildReport, torn flag included', async () => {
    const meta: ReportMeta = { source: journalPath };
    const streamed = await reportTimeSeriesFile(journalPath, { kind: 'journal', meta });
    const whole = await readJournalWithReport(journalPath);
    expect(streamed.tornLastLine).toBe(false);
    expect(streamed.report.numSamples).toBe(whole.data.num_samples);
    expect(newRenderings(streamed)).toEqual(oldRenderings(whole.data, meta));
  });

  test('multi-host document, storage under test after the samples, an outage, a host without samples, --devices', async () => {
    const data = multiHost();
    const path = join(dir, 'multi_timeseries.json');
    const text = serializeTimeSeriesData(data);
    // The contract this test exists for: the storage map comes after samples_by_host.
    expect(text.indexOf('"storage_under_test"')).toBeGreaterThan(text.indexOf('"samples_by_host"'));
    writeFileSync(path, text);
    const parsed = parseTimeSeriesData(text);
    for (const meta of [{ source: path }, { source: path, devicesGlob: 'loop*,vd?,zram*,nvme*' }] as ReportMeta[]) {
      const streamed = await reportTimeSeriesFile(path, { kind: 'document', meta });
      expect(streamed.report.storage.length).toBeGreaterThan(0);
      expect(streamed.report.hosts.map((h) => h.host)).toEqual(['alpha', 'beta', 'gamma']);
      expect(streamed.report.hosts[1]!.gaps.length).toBeGreaterThan(0);
      expect(newRenderings(streamed)).toEqual(oldRenderings(parsed, meta));
    }
  });

  test('storage under test from the metadata (a Python-written document has none), through reportTimeSeriesRun', async () => {
    const runDir = mkdtempSync(join(dir, 'run-'));
    const { storage_under_test: storage, ...data } = multiHost();
    const path = join(runDir, 'training_20260101_000000_timeseries.json');
    writeFileSync(path, serializeTimeSeriesData(data as TimeSeriesData));
    writeFileSync(join(runDir, 'training_20260101_000000_metadata.json'), JSON.stringify({ benchmark_type: 'training', model: 'unet3d', storage_under_test: storage }));
    const streamed = await reportTimeSeriesRun(runDir);
    const loaded = await loadTimeSeriesRun(runDir);
    expect(streamed.meta).toEqual(loaded.meta);
    expect(streamed.report.storage.map((s) => s.host)).toEqual(['alpha', 'beta']);
    expect(newRenderings({ ...streamed, fields: loaded.data, kind: 'document' })).toEqual(oldRenderings(loaded.data, loaded.meta));
  });

  test('a document whose interval comes after its samples (read twice) and a headerless interleaved v1 journal', async () => {
    const data = multiHost();
    const { collection_interval_seconds, samples_by_host, ...rest } = data;
    const odd = join(dir, 'odd_timeseries.json');
    writeFileSync(odd, JSON.stringify({ samples_by_host, ...rest, collection_interval_seconds }, null, 2));
    const meta: ReportMeta = { source: odd };
    expect(newRenderings(await reportTimeSeriesFile(odd, { kind: 'document', meta }))).toEqual(oldRenderings(parseTimeSeriesData(readFileSync(odd, 'utf8')), meta));

    // v1 lines, hosts interleaved by time, no header: the interval is the median gap, known at the end.
    const v1 = join(dir, 'v1_timeseries.jsonl');
    const lines: string[] = [];
    const alpha = data.samples_by_host.alpha!;
    const beta = data.samples_by_host.beta!;
    for (let i = 0; i < Math.max(alpha.length, beta.length); i++) {
      if (beta[i] !== undefined) lines.push(JSON.stringify({ host: 'beta', sample: beta[i] }));
      if (alpha[i] !== undefined) lines.push(JSON.stringify({ host: 'alpha', sample: alpha[i] }));
    }
    writeFileSync(v1, `${lines.join('\n')}\n{"host":"alpha","sam`);
    const jmeta: ReportMeta = { source: v1, devicesGlob: '*' };
    const streamed = await reportTimeSeriesFile(v1, { kind: 'journal', meta: jmeta });
    const whole = await readJournalWithReport(v1);
    expect(whole.header).toBeNull();
    expect(streamed.tornLastLine).toBe(true);
    expect(newRenderings(streamed)).toEqual(oldRenderings(whole.data, jmeta));
  });

  test('the Python mlpstorage fixture document', async () => {
    const path = join(__dirname, '..', '__fixtures__', 'formats', 'python-mlpstorage-timeseries.json');
    const meta: ReportMeta = { source: path };
    expect(newRenderings(await reportTimeSeriesFile(path, { kind: 'document', meta }))).toEqual(oldRenderings(parseTimeSeriesData(readFileSync(path, 'utf8')), meta));
  });
});

describe('bad documents fail as the whole-document reader does', () => {
  const errorOf = async (path: string, fallback?: number): Promise<{ code: string; message: string }> => {
    try {
      await reportTimeSeriesFile(path, { kind: 'document', ...(fallback !== undefined ? { wholeReadFallbackBytes: fallback } : {}) });
    } catch (err) {
      if (isMlpsError(err)) return { code: err.code, message: err.message };
      throw err;
    }
    throw new Error('no error');
  };
  const wholeError = (path: string): string => {
    try {
      parseTimeSeriesData(readFileSync(path, 'utf8'));
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };

  test.each([
    ['not JSON', '{not json'],
    ['wrong shape', '{"a": 1}\n'],
    ['truncated', () => serializeTimeSeriesData(real).slice(0, 2000)],
    ['a sample without timestamp', () => serializeTimeSeriesData({ ...real, samples_by_host: { h: [{ hostname: 'h' } as never] } })],
    ['a bad start_time', () => serializeTimeSeriesData({ ...real, start_time: 'yesterday' })],
  ])('%s: INVALID_FORMAT, same message (small file); streamed error past the fallback size', async (name, content) => {
    const path = join(dir, `bad-${name.replace(/\W/g, '_')}.json`);
    writeFileSync(path, typeof content === 'string' ? content : content());
    const small = await errorOf(path);
    expect(small).toEqual({ code: 'INVALID_FORMAT', message: wholeError(path) });
    const streamedOnly = await errorOf(path, 0);
    expect(streamedOnly.code).toBe('INVALID_FORMAT');
    expect(streamedOnly.message.length).toBeGreaterThan(10);
  });

  test('a missing file is IO_ERROR', async () => {
    await expect(reportTimeSeriesFile(join(dir, 'nope.json'), { kind: 'document' })).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});
