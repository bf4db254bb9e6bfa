import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { collectTimeseriesSampleSync, formatReferenceTimestamp, type TimeSeriesSample } from '@mlps/timeseries';
import { runCliProcess } from './test-cli';

// `timeseries report` streams its document: a ~60 MB document of real samples of this machine (8 hosts ×
// 700) is reported by a CLI whose V8 heap is capped at 48 MB, where reading the same document whole (the
// library's `loadTimeSeriesRun`, what the command did before) dies of heap exhaustion. Sized for a test;
// bench/report-memory measures 4 to 16 hosts × 3600 (up to ~630 MB) side by side.
const HOSTS = 8;
const SAMPLES = 700;
const HEAP_MB = 48;
const REPORT_LIB = resolve(__dirname, '..', '..', '..', 'packages', 'timeseries', 'dist', 'report.cjs');

describe('timeseries report at scale', () => {
  let dir: string;
  let doc: string;
  const names = Array.from({ length: HOSTS }, (_, h) => `node${h}`);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlps-report-scale-'));
    doc = join(dir, 'training_20260124_120000_timeseries.json');
    const real: TimeSeriesSample[] = [];
    // 25 ms apart: /proc/stat counts in 10 ms ticks, so samples taken back to back can show no CPU time
    // at all between them, and the report then has no CPU figures to check.
    for (let i = 0; i < 20; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 25));
      real.push(collectTimeseriesSampleSync());
    }
    const t0 = Date.UTC(2026, 0, 24, 12);
    // Written sample by sample, as the benchmark writes it (never one string).
    const fd = openSync(doc, 'w');
    try {
      const end = formatReferenceTimestamp(t0 + (SAMPLES - 1) * 1000);
      writeSync(fd, `{"collection_interval_seconds":1,"start_time":"${formatReferenceTimestamp(t0)}","end_time":"${end}","num_samples":${HOSTS * SAMPLES},"samples_by_host":{`);
      names.forEach((name, h) => {
        writeSync(fd, `${h > 0 ? ',' : ''}${JSON.stringify(name)}:[`);
        for (let k = 0; k < SAMPLES; k++) {
          const ms = t0 + k * 1000;
          const s = { ...real[(k + h) % real.length]!, timestamp: formatReferenceTimestamp(ms), timestamp_ms: ms, hostname: name };
          writeSync(fd, `${k > 0 ? ',' : ''}${JSON.stringify(s)}`);
        }
        writeSync(fd, ']');
      });
      writeSync(fd, `},"collection_method":"ssh","hosts_requested":${JSON.stringify(names)},"hosts_collected":${JSON.stringify(names)}}`);
    } finally {
      closeSync(fd);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`reports a document larger than its ${HEAP_MB} MB heap, every sample counted; the whole-document read cannot`, async () => {
    const docMb = statSync(doc).size / 1048576;
    expect(docMb).toBeGreaterThan(HEAP_MB);

    const r = await runCliProcess(['timeseries', 'report', doc, '--format', 'json'], { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { numSamples: number; hosts: Array<{ host: string; samples: number; cpu: Record<string, unknown> }> };
    expect(report.numSamples).toBe(HOSTS * SAMPLES);
    expect(report.hosts.map((h) => [h.host, h.samples])).toEqual(names.map((n) => [n, SAMPLES]));
    expect(Object.keys(report.hosts[0]!.cpu)).toContain('busy');

    // The control: the same heap is too small for the document read whole.
    const whole = spawnSync(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, '-e', `const m = require(${JSON.stringify(REPORT_LIB)}); m.loadTimeSeriesRun(process.argv[1]).then((r) => console.log(m.buildReport(r.data).numSamples));`, doc],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(whole.status).not.toBe(0);
    expect(whole.stderr).toMatch(/heap out of memory|Invalid string length|Cannot create a string/);
    process.stdout.write(`report ${HOSTS}x${SAMPLES}: document ${docMb.toFixed(0)} MB reported with a ${HEAP_MB} MB heap\n`);
  }, 180_000);
});
