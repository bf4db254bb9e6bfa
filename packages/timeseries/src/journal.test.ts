import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { isMlpsError } from './errors';
import { parseTimeSeriesData, serializeTimeSeriesData } from './format';
import { JOURNAL_FORMAT, JOURNAL_FORMAT_VERSION, JournalWriter, readJournal, readJournalWithReport, type JournalHeader } from './journal';
import { formatReferenceTimestamp } from './timestamps';
import type { TimeSeriesSample } from './types';
import { errorOf } from './test-support';

const FIXTURE = path.join(__dirname, '__fixtures__/formats/python-mlpstorage-timeseries.json');
// Real captures of this machine's /proc (see the fixture's generator), re-stamped per test.
const captured = parseTimeSeriesData(fs.readFileSync(FIXTURE, 'utf8')).samples_by_host.node1!;

function sampleAt(host: string, ms: number, i = 0): TimeSeriesSample {
  const { timestamp: _python, ...counters } = captured[i % captured.length]!;
  return { timestamp: formatReferenceTimestamp(ms), timestamp_ms: ms, ...counters, hostname: host, uptime_seconds: 1000 + ms / 1000 };
}

const T0 = Date.UTC(2026, 0, 24, 12, 0, 0);
const header: JournalHeader = {
  collection_interval_seconds: 0.5,
  hosts_requested: ['alpha', 'beta', 'gamma'],
  collection_method: 'mixed',
  start_time: formatReferenceTimestamp(T0),
  start_time_ms: T0,
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlps-journal-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeRun(target: string, ticks: number): TimeSeriesSample[] {
  const writer = JournalWriter.open(target, header);
  const written: TimeSeriesSample[] = [];
  for (let k = 0; k < ticks; k++) {
    const a = sampleAt('alpha.example', T0 + k * 500, k);
    const b: TimeSeriesSample = { timestamp: formatReferenceTimestamp(T0 + k * 500 + 3), timestamp_ms: T0 + k * 500 + 3, hostname: 'beta', errors: { ssh: 'timed out' } };
    writer.append('alpha', a);
    writer.append('beta', b);
    written.push(a, b);
    writer.flush();
  }
  writer.close();
  return written;
}

describe('JournalWriter', () => {
  it('writes every number of a row as JSON.stringify would (decimals formatted without a string)', () => {
    const target = path.join(dir, 'numbers.jsonl');
    const w = JournalWriter.open(target, header);
    const id = w.appendLayout('h', { hostname: 'h', v: [null, null, null, null, null, null, null, null, null, null, null, null, null, null] });
    const values = [1_769_256_000_000, 0.57, 12345.67, 0.1, -0.5, -1234.05, 7.5, 0.01, 99999999999.99, 1e12 + 0.5, 1 / 3, 2 ** 60, -0, NaN, Infinity];
    w.appendRow(id, values, values.length);
    // Random decimals of every magnitude the templates may scan, and arbitrary doubles.
    const more: number[] = [0];
    for (let i = 0; i < 2000; i++) more.push(Math.round(Math.random() * 10 ** (1 + (i % 12))) / 100, (Math.random() - 0.5) * 10 ** (i % 20));
    const id2 = w.appendLayout('h2', { hostname: 'h', v: more.slice(1).map(() => null) });
    w.appendRow(id2, more, more.length);
    w.close();
    const rows = fs.readFileSync(target, 'utf8').trim().split('\n').filter((l) => l.startsWith('['));
    expect(rows[0]).toBe(JSON.stringify([id, ...values]));
    expect(rows[1]).toBe(JSON.stringify([id2, ...more]));
  });

  it('writes a header, a layout per host shape, a row per sample, and error samples whole', () => {
    const target = path.join(dir, 'run_timeseries.jsonl');
    const written = writeRun(target, 3);
    const lines = fs.readFileSync(target, 'utf8').split('\n');
    expect(lines[lines.length - 1]).toBe('');
    // header, layout of alpha, then per tick: alpha's row and beta's error sample (whole).
    expect(lines).toHaveLength(1 + 1 + 6 + 1);
    expect(JSON.parse(lines[0]!)).toEqual({ type: 'header', format: JOURNAL_FORMAT, format_version: JOURNAL_FORMAT_VERSION, ...header });
    const layout = JSON.parse(lines[1]!);
    expect(layout).toMatchObject({ type: 'layout', id: 1, host: 'alpha' });
    expect(layout.template.hostname).toBe('alpha.example');
    expect(layout.template.diskstats[0]).toMatchObject({ device_name: 'vda', reads_completed: null, time_doing_ios_ms: null });
    const row = JSON.parse(lines[2]!) as number[];
    expect(row.slice(0, 2)).toEqual([1, written[0]!.timestamp_ms]);
    expect(row[2]).toBe(written[0]!.diskstats![0]!.major);
    expect(row[row.length - 1]).toBe(written[0]!.uptime_seconds);
    expect(JSON.parse(lines[3]!)).toEqual({ host: 'beta', sample: written[1] });
    // The row costs a fraction of the whole sample's line.
    expect(lines[2]!.length * 4).toBeLessThan(JSON.stringify({ host: 'alpha', sample: written[0] }).length);
  });

  it('declares a new layout when the shape changes, and reuses a recent one when it comes back', () => {
    const target = path.join(dir, 'shapes.jsonl');
    const writer = JournalWriter.open(target, header);
    const a = sampleAt('alpha', T0);
    const fewer = { ...sampleAt('alpha', T0 + 500), diskstats: a.diskstats!.slice(0, 1) };
    writer.append('alpha', a);
    writer.append('alpha', fewer);
    writer.append('alpha', sampleAt('alpha', T0 + 1000));
    writer.append('alpha', { ...sampleAt('alpha', T0 + 1500), timestamp: 'not the reference form' } as TimeSeriesSample);
    writer.close();
    const lines = fs.readFileSync(target, 'utf8').trim().split('\n');
    expect(lines.map((l) => (l.startsWith('[') ? `row${JSON.parse(l)[0]}` : JSON.parse(l).type ?? 'sample'))).toEqual([
      'header', 'layout', 'row1', 'layout', 'row2', 'row1', 'sample',
    ]);
  });

  it('appendLayout and appendRow write what append would, from numbers alone', async () => {
    const viaObjects = path.join(dir, 'objects.jsonl');
    const viaRows = path.join(dir, 'rows.jsonl');
    const samples = [sampleAt('alpha', T0, 0), sampleAt('alpha', T0 + 500, 1)];
    const w1 = JournalWriter.open(viaObjects, header);
    for (const s of samples) w1.append('alpha', s);
    w1.close();
    const w2 = JournalWriter.open(viaRows, header);
    const template = JSON.parse(JSON.stringify(samples[0], (k, v) => (typeof v === 'number' || k === 'timestamp' ? null : v)));
    const id = w2.appendLayout('alpha', template);
    for (const s of samples) {
      const values: number[] = [s.timestamp_ms!];
      JSON.stringify(s, (k, v) => {
        if (typeof v === 'number' && k !== 'timestamp_ms') values.push(v);
        return v;
      });
      w2.appendRow(id, Float64Array.from(values), values.length);
    }
    expect(w2.pendingLines).toBe(2);
    w2.close();
    expect(fs.readFileSync(viaRows, 'utf8')).toBe(fs.readFileSync(viaObjects, 'utf8'));
    expect((await readJournal(viaRows)).samples_by_host.alpha).toEqual(samples);
    expect(errorOf(() => JournalWriter.open(path.join(dir, 'x.jsonl'), header).appendRow(7, [1], 1)).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => JournalWriter.open(path.join(dir, 'y.jsonl'), header).appendLayout('h', { a: 1 })).code).toBe('INVALID_ARGUMENT');
  });

  it('buffers appends until flush, and flush hands them to the kernel', () => {
    const target = path.join(dir, 'j.jsonl');
    const writer = JournalWriter.open(target, header);
    const headerBytes = fs.statSync(target).size;
    expect(headerBytes).toBe(writer.bytesWritten);
    writer.append('alpha', sampleAt('a', T0));
    writer.append('beta', sampleAt('b', T0));
    expect(writer.pendingLines).toBe(2);
    expect(fs.statSync(target).size).toBe(headerBytes);
    writer.flush();
    expect(writer.pendingLines).toBe(0);
    expect(writer.linesWritten).toBe(2);
    // Another reader sees the data before close: it is in the kernel, not in our buffers.
    expect(fs.readFileSync(target, 'utf8').trim().split('\n')).toHaveLength(5);
    expect(fs.statSync(target).size).toBe(writer.bytesWritten);
    writer.flush();
    expect(writer.linesWritten).toBe(2);
    writer.close();
  });

  it('close is idempotent and flushes; append after close is INVALID_STATE', () => {
    const target = path.join(dir, 'j.jsonl');
    const writer = JournalWriter.open(target, header);
    writer.append('alpha', sampleAt('a', T0));
    writer.close();
    writer.close();
    expect(writer.closed).toBe(true);
    expect(fs.readFileSync(target, 'utf8').trim().split('\n')).toHaveLength(3);
    const err = errorOf(() => writer.append('alpha', sampleAt('a', T0)));
    expect(isMlpsError(err)).toBe(true);
    expect(err.code).toBe('INVALID_STATE');
  });

  it('refuses a missing directory and an existing file with IO_ERROR naming the path', () => {
    const missing = path.join(dir, 'nope', 'j.jsonl');
    const err = errorOf(() => JournalWriter.open(missing, header));
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toContain(missing);
    expect(err.message).toContain(`the directory ${path.join(dir, 'nope')} does not exist`);
    const existing = path.join(dir, 'old.jsonl');
    fs.writeFileSync(existing, 'precious\n');
    const exists = errorOf(() => JournalWriter.open(existing, header));
    expect(exists.code).toBe('IO_ERROR');
    expect(exists.message).toMatch(/never overwritten/);
    expect(fs.readFileSync(existing, 'utf8')).toBe('precious\n');
  });
});

describe('readJournal', () => {
  it('rebuilds the run document from the header and the lines', async () => {
    const target = path.join(dir, 'run_timeseries.jsonl');
    const written = writeRun(target, 4);
    const report = await readJournalWithReport(target);
    const { data } = report;
    expect(report.tornLastLine).toBe(false);
    expect(report.badLines).toBe(0);
    expect(report.samplesPerHost).toEqual({ alpha: 4, beta: 4, gamma: 0 });
    expect(report.samplesByHost).toEqual(report.samplesPerHost);
    expect(data.collection_interval_seconds).toBe(0.5);
    expect(data.collection_method).toBe('mixed');
    expect(data.hosts_requested).toEqual(['alpha', 'beta', 'gamma']);
    expect(data.hosts_collected).toEqual(['alpha']);
    expect(data.num_samples).toBe(8);
    expect(data.start_time).toBe(header.start_time);
    expect(data.start_time_ms).toBe(T0);
    expect(data.end_time).toBe(written[written.length - 1]!.timestamp);
    expect(data.end_time_ms).toBe(written[written.length - 1]!.timestamp_ms);
    expect(data.samples_by_host.alpha).toEqual(written.filter((_, i) => i % 2 === 0));
    expect(data.samples_by_host.gamma).toEqual([]);
    expect(data.host_status?.beta?.status).toBe('failed');
    expect(data.host_status?.gamma).toEqual({ status: 'failed', samples: 0, good_samples: 0, error_samples: 0, source_error_samples: 0 });
    // The rebuilt document is a valid document.
    expect(parseTimeSeriesData(serializeTimeSeriesData(data))).toEqual(data);
    expect(await readJournal(target)).toEqual(data);
  });

  it('works without a header: interval from the median gap, hosts from the lines', async () => {
    const target = path.join(dir, 'noheader.jsonl');
    const gaps = [250, 250, 260, 250, 900];
    let t = T0;
    const lines = [JSON.stringify({ host: 'h2', sample: sampleAt('h2', t) })];
    for (const gap of gaps) {
      t += gap;
      lines.push(JSON.stringify({ host: 'h1', sample: sampleAt('h1', t) }), JSON.stringify({ host: 'h2', sample: sampleAt('h2', t) }));
    }
    fs.writeFileSync(target, `${lines.join('\n')}\n`);
    const report = await readJournalWithReport(target);
    expect(report.header).toBeNull();
    expect(report.data.collection_interval_seconds).toBe(0.25);
    expect(report.data.hosts_requested).toEqual(['h2', 'h1']);
    expect(report.data.collection_method).toBe('local');
    expect(report.data.start_time).toBe(formatReferenceTimestamp(T0));
    expect(report.data.start_time_ms).toBe(T0);
    expect(report.data.end_time).toBe(formatReferenceTimestamp(t));
    expect(report.data.end_time_ms).toBe(t);
    expect(report.samplesPerHost).toEqual({ h2: 6, h1: 5 });
  });

  it('skips blank lines and counts a bad line in the middle', async () => {
    const target = path.join(dir, 'bad.jsonl');
    writeRun(target, 2);
    const lines = fs.readFileSync(target, 'utf8').split('\n');
    lines.splice(2, 0, '', '   ', '{"host":"alpha","sample":{"timestamp":42}}', 'garbage {', '');
    fs.writeFileSync(target, lines.join('\n'));
    const report = await readJournalWithReport(target);
    expect(report.badLines).toBe(2);
    expect(report.tornLastLine).toBe(false);
    expect(report.data.num_samples).toBe(4);
  });

  it('an empty file is an empty run', async () => {
    const target = path.join(dir, 'empty.jsonl');
    fs.writeFileSync(target, '');
    const report = await readJournalWithReport(target);
    expect(report.data).toMatchObject({ num_samples: 0, start_time: null, end_time: null, hosts_requested: [], collection_interval_seconds: 0 });
    expect(report.tornLastLine).toBe(false);
  });

  it('a missing file is IO_ERROR naming it', async () => {
    const target = path.join(dir, 'absent.jsonl');
    await expect(readJournal(target)).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining(target) });
  });

  it('recovers every complete line whatever byte the last line is cut at', async () => {
    const target = path.join(dir, 'full.jsonl');
    const written = writeRun(target, 3);
    const full = fs.readFileSync(target);
    const body = full.subarray(0, full.length - 1);
    const lastStart = body.lastIndexOf(0x0a) + 1;
    const cut = path.join(dir, 'cut.jsonl');
    // Every cut inside the last line (including a line break in the middle of a UTF-8 sequence or number).
    for (let end = lastStart; end <= full.length; end++) {
      fs.writeFileSync(cut, full.subarray(0, end));
      const report = await readJournalWithReport(cut);
      const complete = end >= full.length - 1;
      const torn = end > lastStart && !complete;
      expect({ end, torn: report.tornLastLine }).toEqual({ end, torn });
      expect(report.badLines).toBe(0);
      expect(report.data.num_samples).toBe(complete ? 6 : 5);
      expect(report.data.samples_by_host.alpha).toEqual(written.filter((_, i) => i % 2 === 0));
    }
  });

  it('treats a NUL-filled tail (crash on a delayed-allocation filesystem) as torn, not as data', async () => {
    const target = path.join(dir, 'nul.jsonl');
    writeRun(target, 2);
    fs.appendFileSync(target, Buffer.concat([Buffer.from('{"host":"alpha","sam'), Buffer.alloc(4096)]));
    const report = await readJournalWithReport(target);
    expect(report.tornLastLine).toBe(true);
    expect(report.badLines).toBe(0);
    expect(report.data.num_samples).toBe(4);
  });

  it('streams a large journal split across many read chunks', async () => {
    const target = path.join(dir, 'large.jsonl');
    const writer = JournalWriter.open(target, header);
    const ticks = 2000;
    for (let k = 0; k < ticks; k++) {
      writer.append('alpha', sampleAt('alpha', T0 + k * 500, k));
      writer.flush();
    }
    writer.close();
    expect(fs.statSync(target).size).toBeGreaterThan(2 << 20);
    const report = await readJournalWithReport(target);
    expect(report.samplesPerHost.alpha).toBe(ticks);
    expect(report.badLines).toBe(0);
    expect(report.data.end_time_ms).toBe(T0 + (ticks - 1) * 500);
  });
});

describe('crash safety', () => {
  // The writer runs in a real child process killed with SIGKILL: no exit handler, no flush at exit.
  let childDir: string;
  beforeAll(() => {
    childDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlps-journal-child-'));
    // Every module of the package, transpiled as is: the child loads whatever the journal imports.
    const files = fs.readdirSync(__dirname, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('__fixtures__'));
    for (const name of files) {
      const source = fs.readFileSync(path.join(__dirname, name), 'utf8');
      const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
      fs.mkdirSync(path.dirname(path.join(childDir, name)), { recursive: true });
      fs.writeFileSync(path.join(childDir, name.replace(/\.ts$/, '.js')), out.outputText);
    }
  });
  afterAll(() => fs.rmSync(childDir, { recursive: true, force: true }));

  it('SIGKILL loses nothing that was flushed', async () => {
    const target = path.join(dir, 'crash.jsonl');
    const script = `
      const { JournalWriter } = require(${JSON.stringify(path.join(childDir, 'journal.js'))});
      const sample = ${JSON.stringify(captured[0])};
      const w = JournalWriter.open(process.argv[1], { collection_interval_seconds: 0.005, hosts_requested: ['a', 'b'], collection_method: 'local', start_time: null });
      let k = 0;
      setInterval(() => {
        for (const host of ['a', 'b']) w.append(host, { ...sample, timestamp: new Date(Date.UTC(2026, 0, 1) + k * 5).toISOString() });
        w.flush();
        k++;
        process.stdout.write(k + '\\n');
      }, 5);`;
    const child = spawn(process.execPath, ['-e', script, target], { stdio: ['ignore', 'pipe', 'inherit'] });
    let reported = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      const ticks = chunk.toString().trim().split('\n');
      reported = Number(ticks[ticks.length - 1]);
      if (reported >= 40) child.kill('SIGKILL');
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    const report = await readJournalWithReport(target);
    expect(report.badLines).toBe(0);
    // Every tick the child reported flushed is in the file (it may have flushed a few more before dying).
    expect(report.samplesPerHost.a).toBeGreaterThanOrEqual(reported);
    expect(report.samplesPerHost.b).toBe(report.samplesPerHost.a);
    expect(report.data.collection_interval_seconds).toBe(0.005);
  });
});
