// The end-of-run summary of the built binary: files, samples, hosts, skipped ticks, the collector's
// cadence (the interval error p99 of issue 5: how late samples start against the schedule) and per-host disk and CPU means.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData } from '@mlps/timeseries';
import { HostRateAccumulator, formatRunSummary, summarizeHost } from './summary';
import { onlyRunDir, runCliProcess } from './test-cli';

jest.setTimeout(120_000);

const root = mkdtempSync(join(tmpdir(), 'mlps-summary-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('a built-in checkpointing run ends with a summary naming the cadence p99 of its document', async () => {
  const results = join(root, 'results');
  const r = await runCliProcess([
    'checkpointing', 'run', '--model', 'llama3-8b', '--num-processes', '2', '--checkpoint-folder', join(root, 'ckpt'),
    '--scale', '0.002', '-ncw', '3', '-ncr', '3', '--timeseries-interval', '0.05', '--results-dir', results,
  ]);
  expect(r.code).toBe(0);
  const runDir = onlyRunDir(join(results, 'checkpointing', 'llama3-8b'));
  const docName = readdirSync(runDir).find((n) => n.endsWith('_timeseries.json')) as string;
  const data = parseTimeSeriesData(readFileSync(join(runDir, docName), 'utf8'));
  const p99 = data.interval_stats?.interval_error_ms?.p99;
  expect(typeof p99).toBe('number');

  expect(r.stderr).toContain(`  time series: ${join(runDir, docName)}`);
  expect(r.stderr).toMatch(new RegExp(`time series: ${data.num_samples} samples, hosts 1/1 collected \\(local\\), interval 0\\.05 s, skipped ticks \\d+`));
  const cadence = /\n {2}cadence: sample start vs schedule p99 (\d+\.\d\d) ms, mean \d+\.\d\d ms, max \d+\.\d\d ms\n/.exec(r.stderr);
  expect(cadence).not.toBeNull();
  expect(Number(cadence?.[1])).toBeCloseTo(p99 as number, 2);
  // The per-host row: samples, status, read and write MB/s, CPU %.
  expect(r.stderr).toMatch(new RegExp(`\\n {2}\\S+ +${data.num_samples} +0 +ok +\\d+\\.\\d\\d +\\d+\\.\\d\\d +\\d+\\.\\d\\n`));
  // Its means were folded in while the document was streamed; they are what the written document gives.
  const [host, samples] = Object.entries(data.samples_by_host)[0]!;
  const means = summarizeHost(host, samples);
  const row = `${means.diskReadMBps?.toFixed(2)} +${means.diskWriteMBps?.toFixed(2)} +${means.cpuBusyPercent?.toFixed(1)}`;
  expect(r.stderr).toMatch(new RegExp(`\\n {2}${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +${data.num_samples} +0 +ok +${row.replace(/\./g, '\\.')}\\n`));
});

test('at the --max-timeseries-samples cap the summary counts every sample taken (as the journal), not only those kept', async () => {
  const results = join(root, 'cap');
  const r = await runCliProcess(['exec', '--results-dir', results, '--max-timeseries-samples', '5', '--timeseries-interval', '0.1', '--', 'sleep', '1.5']);
  expect(r.code).toBe(0);
  const runDir = onlyRunDir(join(results, 'training', 'exec', 'run'));
  const names = readdirSync(runDir);
  const data = parseTimeSeriesData(readFileSync(join(runDir, names.find((n) => n.endsWith('_timeseries.json')) as string), 'utf8'));
  const journalLines = readFileSync(join(runDir, names.find((n) => n.endsWith('_timeseries.jsonl')) as string), 'utf8').trim().split('\n');
  // Journal v2: a header, a layout record per host shape, then one line per sample.
  const taken = journalLines.filter((line) => !line.startsWith('{"type":"header"') && !line.startsWith('{"type":"layout"')).length;
  expect(data.num_samples).toBeLessThanOrEqual(6); // the cap, plus the closing sample
  expect(taken).toBeGreaterThan(data.num_samples);
  expect(r.stderr).toContain(`time series: ${taken} samples (${data.num_samples} kept in the document at the --max-timeseries-samples cap; the journal has all)`);
  expect(r.stderr).toMatch(new RegExp(`\\n {2}\\S+ +${taken} +0 +ok `));
});

describe('the summary of a streamed document (the benchmark keeps no samples)', () => {
  const data = parseTimeSeriesData(readFileSync(join(__dirname, '__fixtures__', 'python-mlpstorage_timeseries.json'), 'utf8'));
  const files = { runDir: '/r', document: '/r/d.json', journal: '/r/d.jsonl', metadata: '/r/m.json' };

  it('prints the same lines from per-host means folded in one sample at a time as from the whole document', () => {
    const { samples_by_host: byHost, ...fields } = data;
    const hostRates: Record<string, ReturnType<HostRateAccumulator['result']>> = {};
    const samplesPerHost: Record<string, number> = {};
    for (const [host, samples] of Object.entries(byHost)) {
      const acc = new HostRateAccumulator(host);
      for (const sample of samples) acc.add(sample);
      hostRates[host] = acc.result();
      samplesPerHost[host] = samples.length;
      expect(hostRates[host]).toEqual(summarizeHost(host, samples));
    }
    // The fixture (written by Python mlpstorage: no cpu) has disk traffic: the rows hold numbers, not n/a.
    expect(Object.values(hostRates).every((r) => r.diskReadMBps !== null && r.diskWriteMBps !== null)).toBe(true);
    const whole = formatRunSummary({ exitCode: 0, files, data, runtimeSeconds: 2, warnings: 0 });
    const streamed = formatRunSummary({ exitCode: 0, files, data: { fields, samplesPerHost, hostRates }, runtimeSeconds: 2, warnings: 0 });
    expect(streamed).toEqual(whole);
    expect(whole.some((line) => /^ {2}node1 +3 +/.test(line))).toBe(true);
  });

  it('names the journal when collection ran but no document was written', () => {
    const lines = formatRunSummary({ exitCode: 0, files: { ...files, document: null }, data: null, runtimeSeconds: 1, warnings: 1 });
    expect(lines).toContain('time series: no document written (see the warnings); the journal has every sample');
    const none = formatRunSummary({ exitCode: 0, files: { ...files, document: null, journal: null }, data: null, runtimeSeconds: 1, warnings: 0 });
    expect(none).toContain('time series: not collected');
  });

  it('does not claim the journal has every sample when it stopped on a full disk', () => {
    const lines = formatRunSummary({ exitCode: 0, files: { ...files, document: null, journalComplete: false }, data: null, runtimeSeconds: 1, warnings: 2 });
    expect(lines).toContain('time series: no document written (see the warnings); the journal has only the first samples (it stopped on a full disk)');
    expect(lines.join('\n')).not.toContain('every sample');
  });
});
