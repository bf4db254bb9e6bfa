/**
 * Files written by other writers: Python mlpstorage (reference names, whole-second stamps) and mlps before
 * format 2 (`time_io_ms`/`weighted_time_io_ms`, millisecond ISO stamps, no `_ms` keys). Both must give disk
 * rates through every reader: `computeRates`, the report, the export, the journal.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportTimeSeries } from './export/export-timeseries';
import { streamDocumentSamples } from './export/document-stream';
import { normalizeSampleFields, parseTimeSeriesData } from './format';
import { readJournal } from './journal';
import { computeRates } from './rates';
import { buildReport } from './report/build-report';
import { fieldTimeMs, formatReferenceTimestamp, parseTimestampMs, sampleTimeMs, toEpochMs } from './timestamps';
import type { TimeSeriesData } from './types';

const FIXTURE = join(__dirname, '__fixtures__/formats/python-mlpstorage-timeseries.json');

/**
 * The Python fixture (an idle machine) with I/O added on node1's vda: per 10 s, 100 reads of 8 sectors,
 * 4 s busy, 6 s weighted, so util is 40 % and the device counts as active in the report.
 */
function withDiskActivity(text: string): string {
  const doc = JSON.parse(text) as { samples_by_host: Record<string, Array<{ diskstats?: Array<Record<string, number | string>> | null }>> };
  doc.samples_by_host.node1!.forEach((sample, i) => {
    const vda = sample.diskstats!.find((d) => d.device_name === 'vda')!;
    vda.reads_completed = (vda.reads_completed as number) + i * 100;
    vda.sectors_read = (vda.sectors_read as number) + i * 800;
    vda.time_doing_ios_ms = (vda.time_doing_ios_ms as number) + i * 4000;
    vda.weighted_time_doing_ios_ms = (vda.weighted_time_doing_ios_ms as number) + i * 6000;
  });
  return JSON.stringify(doc, null, 2);
}
const pythonText = withDiskActivity(readFileSync(FIXTURE, 'utf8'));

const dir = mkdtempSync(join(tmpdir(), 'mlps-compat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The Python fixture as mlps format 1 wrote it: old diskstats names, `.000Z` stamps, `format_version: 1`. */
function asMlpsFormat1(): string {
  const doc = JSON.parse(pythonText) as Record<string, any>;
  const text = JSON.stringify({ ...doc, format_version: 1 }, null, 2)
    .replace(/"time_doing_ios_ms"/g, '"time_io_ms"')
    .replace(/"weighted_time_doing_ios_ms"/g, '"weighted_time_io_ms"')
    .replace(/"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})Z?"/g, '"$1.000Z"');
  expect(text).toContain('"time_io_ms"');
  expect(text).not.toContain('time_doing_ios_ms');
  return text;
}

/** vda of node1 between its first two samples, from the fixture's raw counters. */
function expectedVdaUtil(): number {
  const raw = JSON.parse(pythonText).samples_by_host.node1 as Array<{ diskstats: Array<Record<string, number | string>> }>;
  const a = raw[0]!.diskstats.find((d) => d.device_name === 'vda')!;
  const b = raw[1]!.diskstats.find((d) => d.device_name === 'vda')!;
  const busyMs = (b.time_doing_ios_ms as number) - (a.time_doing_ios_ms as number);
  return Math.min(100, (busyMs / 10_000) * 100);
}

describe('timestamps in the reference form', () => {
  it('formats %Y-%m-%dT%H:%M:%SZ and keeps the exact time in integer milliseconds', () => {
    const ms = Date.UTC(2026, 0, 24, 12, 0, 5, 803);
    expect(formatReferenceTimestamp(ms)).toBe('2026-01-24T12:00:05Z');
    expect(toEpochMs(ms + 0.4)).toBe(ms);
    expect(toEpochMs(NaN)).toBeNull();
    expect(parseTimestampMs(formatReferenceTimestamp(ms))).toBe(ms - 803);
  });

  it('readers prefer timestamp_ms, and fall back to the text of older and Python files', () => {
    expect(sampleTimeMs({ timestamp: '2026-01-24T12:00:05Z', timestamp_ms: 1769256005803 })).toBe(1769256005803);
    expect(sampleTimeMs({ timestamp: '2026-01-24T12:00:05.803Z' })).toBe(1769256005803);
    expect(sampleTimeMs({ timestamp: '2026-01-24T12:00:05' })).toBe(1769256005000);
    expect(sampleTimeMs({ timestamp: 'garbage' })).toBeNull();
    expect(fieldTimeMs('2026-01-24T12:00:05Z', null)).toBe(1769256005000);
    expect(fieldTimeMs('2026-01-24T12:00:05Z', 1769256005803)).toBe(1769256005803);
  });

  it('rates use the exact times: two samples 0.1 s apart within one second', () => {
    const doc = parseTimeSeriesData(pythonText);
    const [a, b] = doc.samples_by_host.node1!;
    const t = Date.UTC(2026, 0, 24, 12, 0, 0, 200);
    const prev = { ...a!, timestamp: formatReferenceTimestamp(t), timestamp_ms: t };
    const cur = { ...b!, timestamp: formatReferenceTimestamp(t + 100), timestamp_ms: t + 100 };
    expect(prev.timestamp).toBe(cur.timestamp);
    const rates = computeRates([prev, cur]);
    expect(rates[1]?.intervalSeconds).toBeCloseTo(0.1, 9);
    expect(rates[1]?.timestampMs).toBe(t + 100);
  });
});

describe('a document written by Python mlpstorage', () => {
  const data = parseTimeSeriesData(pythonText);

  it('gives disk rates in computeRates (the reference names are ours)', () => {
    const rates = computeRates(data.samples_by_host.node1!);
    expect(rates[1]?.disks.vda?.utilPercent).toBeCloseTo(expectedVdaUtil(), 9);
    expect(rates[1]?.disks.vda?.utilPercent).toBeCloseTo(40, 9);
    expect(rates[1]?.disks.vda?.aquSz).toBeCloseTo(0.6, 9);
  });

  it('gives disk figures in the report', () => {
    const report = buildReport(data);
    const node1 = report.hosts.find((h) => h.host === 'node1')!;
    expect(node1.devices.map((d) => d.device)).toContain('vda');
    expect(node1.disk.utilPercent?.max).toBeCloseTo(expectedVdaUtil(), 6);
    expect(report.durationSeconds).toBe(25);
  });

  it('gives disk rate rows in the export', async () => {
    const input = join(dir, 'python_timeseries.json');
    writeFileSync(input, pythonText);
    const out = join(dir, 'python.csv');
    await exportTimeSeries({ input, format: 'csv', output: out });
    const rows = readFileSync(out, 'utf8').split('\n').filter((l) => l.includes(',node1,rates,vda,util_percent,'));
    expect(rows.length).toBe(2);
    expect(Number(rows[0]!.split(',')[5])).toBeCloseTo(expectedVdaUtil(), 6);
  });
});

describe('a document written by mlps format 1 (old diskstats names, millisecond stamps)', () => {
  const text = asMlpsFormat1();

  it('loads with the reference names in place of the old ones, same key order', () => {
    const data = parseTimeSeriesData(text);
    const disk = data.samples_by_host.node1![0]!.diskstats![0]!;
    expect(Object.keys(disk)).toEqual(Object.keys(parseTimeSeriesData(pythonText).samples_by_host.node1![0]!.diskstats![0]!));
    expect(disk).not.toHaveProperty('time_io_ms');
    expect(data.samples_by_host.node1![0]!.timestamp).toBe('2026-01-24T12:00:00.000Z');
    expect(data.format_version).toBe(1);
  });

  it('gives the same disk rates in computeRates, the report and the export as the reference file', async () => {
    const data = parseTimeSeriesData(text);
    expect(computeRates(data.samples_by_host.node1!)[1]?.disks.vda?.utilPercent).toBeCloseTo(expectedVdaUtil(), 9);
    // A hand-built object that skipped the readers still gives rates.
    const raw = JSON.parse(text) as TimeSeriesData;
    expect(computeRates(raw.samples_by_host.node1!)[1]?.disks.vda?.utilPercent).toBeCloseTo(expectedVdaUtil(), 9);
    expect(buildReport(data).hosts[0]!.disk.utilPercent?.max).toBeCloseTo(expectedVdaUtil(), 6);
    const input = join(dir, 'old_timeseries.json');
    writeFileSync(input, text);
    const out = join(dir, 'old.csv');
    await exportTimeSeries({ input, format: 'csv', output: out });
    const csv = readFileSync(out, 'utf8');
    expect(csv).toContain(',node1,diskstats,vda,time_doing_ios_ms,');
    expect(csv).not.toContain('time_io_ms');
    expect(csv.split('\n').filter((l) => l.includes(',node1,rates,vda,util_percent,'))).toHaveLength(2);
  });

  it('streams normalised samples, and a journal of the old names reads normalised', async () => {
    const input = join(dir, 'stream_timeseries.json');
    writeFileSync(input, text);
    for await (const { sample } of streamDocumentSamples(input)) {
      for (const d of sample.diskstats ?? []) {
        expect(d).toHaveProperty('time_doing_ios_ms');
        expect(d).not.toHaveProperty('weighted_time_io_ms');
      }
    }
    const doc = JSON.parse(text) as TimeSeriesData;
    const journal = join(dir, 'old_timeseries.jsonl');
    const header = { type: 'header', format: 'mlps-timeseries-journal', format_version: 1, collection_interval_seconds: 10, hosts_requested: ['node1'], collection_method: 'ssh', start_time: '2026-01-24T12:00:00.000Z' };
    const lines = [JSON.stringify(header), ...doc.samples_by_host.node1!.map((sample) => JSON.stringify({ host: 'node1', sample }))];
    writeFileSync(journal, `${lines.join('\n')}\n`);
    const rebuilt = await readJournal(journal);
    expect(rebuilt.start_time).toBe('2026-01-24T12:00:00Z');
    expect(rebuilt.start_time_ms).toBe(Date.UTC(2026, 0, 24, 12));
    expect(rebuilt.end_time_ms).toBe(Date.UTC(2026, 0, 24, 12, 0, 20));
    expect(computeRates(rebuilt.samples_by_host.node1!)[1]?.disks.vda?.utilPercent).toBeCloseTo(expectedVdaUtil(), 9);
  });

  it('normalizeSampleFields leaves current samples untouched (same object)', () => {
    const sample = parseTimeSeriesData(pythonText).samples_by_host.node1![0]!;
    const disks = sample.diskstats;
    expect(normalizeSampleFields(sample)).toBe(sample);
    expect(sample.diskstats).toBe(disks);
  });
});
