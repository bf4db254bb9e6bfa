import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { collectTimeseriesSampleSync } from '../sampling';
import { deriveRates } from '../rates';
import { serializeTimeSeriesData } from '../format';
import type { TimeSeriesData, TimeSeriesSample } from '../types';
import { CSV_HEADER, exportTimeSeries } from './export-timeseries';
import { snakeCase } from './rate-rows';
import { itWithTools, toolPath } from '../../../../scripts/test-tools.cjs';

const dir = mkdtempSync(join(tmpdir(), 'mlps-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Real samples of this machine, with real disk writes between them so the rates are not all zero. */
async function realRun(): Promise<TimeSeriesData> {
  const byHost: Record<string, TimeSeriesSample[]> = { 'node-a': [], 'node-b': [] };
  const junk = join(dir, 'junk');
  for (let i = 0; i < 5; i++) {
    for (const host of Object.keys(byHost)) byHost[host]!.push(collectTimeseriesSampleSync());
    const fd = openSync(junk, 'w');
    writeSync(fd, Buffer.alloc(4 << 20, i));
    fsyncSync(fd);
    closeSync(fd);
    await sleep(150);
  }
  const all = Object.values(byHost).flat();
  return {
    collection_interval_seconds: 0.15,
    start_time: all[0]!.timestamp,
    end_time: all[all.length - 1]!.timestamp,
    num_samples: all.length,
    samples_by_host: byHost,
    collection_method: 'local',
    hosts_requested: Object.keys(byHost),
    hosts_collected: Object.keys(byHost),
    format_version: 1,
  };
}

function parseCsv(text: string): string[][] {
  // The exporter quotes only fields with commas/quotes/newlines; device names here have none.
  return text.trimEnd().split('\n').map((l) => l.split(','));
}

interface OmLine {
  name: string;
  labels: Record<string, string>;
  value: number;
  ts: number;
}

function parseOpenMetrics(text: string): { lines: OmLine[]; types: Map<string, string>; order: string[] } {
  const lines: OmLine[] = [];
  const types = new Map<string, string>();
  const order: string[] = [];
  for (const l of text.split('\n')) {
    if (l === '' || l === '# EOF') continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(l);
    if (t !== null) {
      expect(types.has(t[1]!)).toBe(false);
      types.set(t[1]!, t[2]!);
      order.push(t[1]!);
      continue;
    }
    if (l.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} (\S+) (\S+)$/.exec(l);
    expect(m).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const kv of m![2]!.split(',')) {
      const [k, v] = kv.split('=');
      labels[k!] = JSON.parse(v!) as string;
    }
    lines.push({ name: m![1]!, labels, value: Number(m![3]), ts: Number(m![4]) });
  }
  return { lines, types, order };
}

describe('exportTimeSeries round trips on a real run', () => {
  let data: TimeSeriesData;
  let docPath: string;
  beforeAll(async () => {
    data = await realRun();
    docPath = join(dir, 'run_timeseries.json');
    writeFileSync(docPath, serializeTimeSeriesData(data));
  });

  it('CSV holds every recorded counter and exactly the library rates', async () => {
    const out = join(dir, 'run.csv');
    const result = await exportTimeSeries({ input: docPath, format: 'csv', output: out });
    expect(result.samplesByHost).toEqual({ 'node-a': 5, 'node-b': 5 });
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith(`${CSV_HEADER}\n`)).toBe(true);
    const rows = parseCsv(text).slice(1);
    expect(rows.length).toBe(result.records);
    const get = (ts: string, host: string, source: string, device: string, metric: string): number[] =>
      rows.filter((r) => r[0] === ts && r[1] === host && r[2] === source && r[3] === device && r[4] === metric).map((r) => Number(r[5]));
    for (const [host, samples] of Object.entries(data.samples_by_host)) {
      samples.forEach((sample, i) => {
        // CSV stamps rows to the millisecond (timestamp_ms), not the whole-second `timestamp`.
        const s = { ...sample, timestamp: new Date(sample.timestamp_ms!).toISOString() };
        for (const d of s.diskstats ?? []) {
          expect(get(s.timestamp, host, 'diskstats', d.device_name, 'sectors_read')).toEqual([d.sectors_read]);
          expect(get(s.timestamp, host, 'diskstats', d.device_name, 'time_doing_ios_ms')).toEqual([d.time_doing_ios_ms]);
        }
        expect(get(s.timestamp, host, 'meminfo', '', 'MemAvailable')).toEqual([s.meminfo!.MemAvailable]);
        expect(get(s.timestamp, host, 'cpu', 'cpu', 'iowait')).toEqual([s.cpu!.total.iowait]);
        if (i === 0) {
          expect(rows.some((r) => r[0] === s.timestamp && r[1] === host && r[2] === 'rates')).toBe(false);
          return;
        }
        const rates = deriveRates(samples[i - 1]!, s)!;
        expect(rates).not.toBeNull();
        let checked = 0;
        for (const d of Object.values(rates.disks)) {
          for (const field of ['readBytesPerSec', 'writeBytesPerSec', 'readIops', 'writeIops', 'utilPercent', 'aquSz'] as const) {
            expect(get(s.timestamp, host, 'rates', d.device, snakeCase(field))).toEqual([d[field]]);
            checked++;
          }
        }
        expect(get(s.timestamp, host, 'rates', 'cpu', 'user_percent')).toEqual([rates.cpu!.user]);
        expect(get(s.timestamp, host, 'rates', '', 'memory_used_bytes')).toEqual([rates.memory!.usedBytes]);
        expect(get(s.timestamp, host, 'rates', '', 'interval_seconds')).toEqual([rates.intervalSeconds]);
        expect(checked).toBeGreaterThan(0);
      });
    }
    // The disk writes above must show up as a non-zero write rate somewhere.
    expect(rows.some((r) => r[2] === 'rates' && r[4] === 'write_bytes_per_sec' && Number(r[5]) > 0)).toBe(true);
  });

  it('OpenMetrics has base-unit counters equal to the samples, rates equal to the library, grouped families and # EOF', async () => {
    const out = join(dir, 'run.om');
    const result = await exportTimeSeries({ input: docPath, format: 'openmetrics', output: out });
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('# EOF\n')).toBe(true);
    const { lines, types, order } = parseOpenMetrics(text);
    expect(lines.length).toBe(result.records);
    expect(types.get('node_disk_read_bytes')).toBe('counter');
    expect(types.get('node_memory_MemAvailable_bytes')).toBe('gauge');
    expect(types.get('node_load1')).toBe('gauge');
    expect(text).toContain('# UNIT node_disk_read_bytes bytes\n');
    // Every family's samples are contiguous, in TYPE order; every series' points contiguous and increasing.
    const familyOf = (name: string): string => (types.has(name) ? name : name.replace(/_total$/, ''));
    let fi = -1;
    let lastKey = '';
    const seenSeries = new Set<string>();
    let lastTs = -Infinity;
    for (const l of lines) {
      const f = familyOf(l.name);
      const idx = order.indexOf(f);
      expect(idx).toBeGreaterThanOrEqual(fi);
      fi = idx;
      const key = `${l.name}${JSON.stringify(l.labels)}`;
      if (key !== lastKey) {
        expect(seenSeries.has(key)).toBe(false);
        seenSeries.add(key);
        lastKey = key;
        lastTs = -Infinity;
      }
      expect(l.ts).toBeGreaterThan(lastTs);
      lastTs = l.ts;
    }
    const point = (name: string, labels: Record<string, string>, ts: number): number | undefined =>
      lines.find((l) => l.name === name && l.ts === ts && Object.entries(labels).every(([k, v]) => l.labels[k] === v))?.value;
    for (const [host, samples] of Object.entries(data.samples_by_host)) {
      samples.forEach((s, i) => {
        const ts = s.timestamp_ms! / 1000;
        for (const d of s.diskstats ?? []) {
          expect(point('node_disk_read_bytes_total', { host, device: d.device_name }, ts)).toBe(d.sectors_read * 512);
          expect(point('node_disk_written_bytes_total', { host, device: d.device_name }, ts)).toBe(d.sectors_written * 512);
          expect(point('node_disk_reads_completed_total', { host, device: d.device_name }, ts)).toBe(d.reads_completed);
          expect(point('node_disk_io_time_seconds_total', { host, device: d.device_name }, ts)).toBeCloseTo(d.time_doing_ios_ms / 1000, 9);
        }
        for (const n of s.netdev ?? []) {
          expect(point('node_network_receive_bytes_total', { host, device: n.interface_name }, ts)).toBe(n.rx_bytes);
        }
        for (const c of s.cpu!.per_cpu) {
          expect(point('node_cpu_seconds_total', { host, cpu: c.cpu.replace('cpu', ''), mode: 'user' }, ts)).toBeCloseTo(c.user / 100, 9);
        }
        expect(point('node_memory_MemAvailable_bytes', { host }, ts)).toBe(s.meminfo!.MemAvailable! * 1024);
        if (i === 0) return;
        // Rates from the exported counters equal the library's. The library's Δt is the host's uptime
        // clock, refined by the millisecond timestamps where they agree with it (uptime ticks in 10 ms).
        const prev = samples[i - 1]!;
        const pts = prev.timestamp_ms! / 1000;
        const up = point('mlps_uptime_seconds', { host }, ts)! - point('mlps_uptime_seconds', { host }, pts)!;
        const rates = deriveRates(prev, s)!;
        expect(Math.abs(rates.intervalSeconds - up)).toBeLessThanOrEqual(0.02 + 1e-9);
        for (const d of Object.values(rates.disks)) {
          const bytes = point('node_disk_written_bytes_total', { host, device: d.device }, ts)! - point('node_disk_written_bytes_total', { host, device: d.device }, pts)!;
          expect(bytes / rates.intervalSeconds).toBeCloseTo(d.writeBytesPerSec, 6);
        }
      });
    }
  });

  itWithTools(['promtool'], 'OpenMetrics output is accepted by promtool tsdb create-blocks-from openmetrics', async () => {
    const promtool = toolPath('promtool')!;
    const out = join(dir, 'promtool.om');
    await exportTimeSeries({ input: docPath, format: 'openmetrics', output: out });
    const tsdb = join(dir, 'tsdb');
    const r = spawnSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', out, tsdb], { encoding: 'utf8', timeout: 120_000 });
    expect(`${r.status} ${r.stderr}`).toMatch(/^0 /);
    const blocks = readdirSync(tsdb).filter((n) => /^[0-9A-Z]{26}$/.test(n));
    expect(blocks.length).toBeGreaterThan(0);
    // The block's meta.json counts the series and samples promtool ingested.
    const meta = JSON.parse(readFileSync(join(tsdb, blocks[0]!, 'meta.json'), 'utf8')) as { stats: { numSamples: number; numSeries: number } };
    expect(meta.stats.numSamples).toBeGreaterThan(1000);
  });

  it('JSON Lines: one {host, sample} per line, equal to the samples; a journal exports the same', async () => {
    const out = join(dir, 'run.jsonl');
    const r = await exportTimeSeries({ input: docPath, format: 'jsonl', output: out });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { host: string; sample: TimeSeriesSample });
    expect(r.records).toBe(10);
    expect(lines.filter((l) => l.host === 'node-a').map((l) => l.sample)).toEqual(data.samples_by_host['node-a']);
    expect(lines.filter((l) => l.host === 'node-b').map((l) => l.sample)).toEqual(data.samples_by_host['node-b']);
    // The JSON Lines export is a journal body: exporting it again as CSV gives the same CSV.
    const journal = join(dir, 'again_timeseries.jsonl');
    writeFileSync(journal, readFileSync(out));
    const csvA = join(dir, 'a.csv');
    const csvB = join(dir, 'b.csv');
    await exportTimeSeries({ input: docPath, format: 'csv', output: csvA });
    await exportTimeSeries({ input: journal, format: 'csv', output: csvB });
    expect(readFileSync(csvB, 'utf8').split('\n').sort()).toEqual(readFileSync(csvA, 'utf8').split('\n').sort());
  });

  it('writes to a stream without ending it', async () => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    await exportTimeSeries({ input: docPath, format: 'jsonl', output: sink });
    expect(sink.writableEnded).toBe(false);
    expect(Buffer.concat(chunks).toString('utf8').trimEnd().split('\n').length).toBe(10);
  });

  it('rejects a bad format and a missing input with stable codes, leaving no partial output', async () => {
    await expect(exportTimeSeries({ input: docPath, format: 'xml' as never, output: join(dir, 'x') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const out = join(dir, 'missing.csv');
    await expect(exportTimeSeries({ input: join(dir, 'nope.json'), format: 'csv', output: out })).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).some((n) => n.startsWith('missing.csv.tmp'))).toBe(false);
  });

  it('rejects, as the report does, a document parseTimeSeriesData rejects, and writes no output file', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['no-start.json', { collection_interval_seconds: 1, samples_by_host: {} }, /start_time: expected an ISO-8601 string/],
      ['bad-sample.json', JSON.parse(readFileSync(docPath, 'utf8')), /1 entry of samples_by_host is not a sample/],
      ['bad-method.json', { ...JSON.parse(readFileSync(docPath, 'utf8')), collection_method: 'carrier pigeon' }, /collection_method/],
    ];
    const withBadSample = cases[1]![1] as { samples_by_host: Record<string, unknown[]> };
    Object.values(withBadSample.samples_by_host)[0]!.push({ timestamp: 5 });
    for (const [name, doc, message] of cases) {
      const input = join(dir, name);
      writeFileSync(input, JSON.stringify(doc));
      for (const format of ['csv', 'openmetrics', 'jsonl'] as const) {
        const out = join(dir, `${name}.${format}`);
        await expect(exportTimeSeries({ input, format, output: out })).rejects.toMatchObject({ code: 'INVALID_FORMAT', message: expect.stringMatching(message) });
        expect(existsSync(out)).toBe(false);
      }
    }
    expect(readdirSync(dir).filter((n) => n.includes('.tmp') || n.startsWith('.mlps-export-'))).toEqual([]);
  });
});
