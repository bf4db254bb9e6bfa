import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { collectTimeseriesSampleSync, formatReferenceTimestamp, type TimeSeriesSample } from '@mlps/timeseries';
import { JournalWriter } from '@mlps/timeseries/engine';
import { streamDocumentSamples } from '@mlps/timeseries/export';
import { runCliProcess } from './test-cli';

// `timeseries recover` of a 16-host journal of real samples of this machine, run as its own process with a
// preload that reports its peak RSS. Sized to run in reasonable time (16 × 600 samples, a ~190 MB document);
// bench/recover-scale runs 16 and 64 hosts × 3600 (1.1 and 4.4 GB) the same way.
const HOSTS = 16;
const SAMPLES = 600;
const PRELOAD = resolve(__dirname, '__fixtures__', 'report-maxrss.cjs');

describe('timeseries recover at scale', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlps-recover-scale-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('turns a 16-host journal into its document with bounded memory, every sample in it', async () => {
    const real: TimeSeriesSample[] = [];
    for (let i = 0; i < 20; i++) real.push(collectTimeseriesSampleSync());
    const names = Array.from({ length: HOSTS }, (_, h) => `node${String(h).padStart(2, '0')}`);
    const t0 = Date.UTC(2026, 0, 24, 12);
    const journal = join(dir, 'training_20260124_120000_timeseries.jsonl');
    const w = JournalWriter.open(journal, {
      collection_interval_seconds: 1, hosts_requested: names, collection_method: 'ssh', start_time: formatReferenceTimestamp(t0), start_time_ms: t0,
    });
    for (let k = 0; k < SAMPLES; k++) {
      names.forEach((name, h) => {
        const ms = t0 + k * 1000 + h;
        w.append(name, { ...real[(k + h) % real.length]!, timestamp: formatReferenceTimestamp(ms), timestamp_ms: ms, hostname: name });
      });
      w.flush();
    }
    w.close();
    expect(statSync(journal).size / (HOSTS * SAMPLES)).toBeLessThan(3 * 1024);

    const out = join(dir, 'training_20260124_120000_timeseries.json');
    const rssFile = join(dir, 'maxrss');
    const r = await runCliProcess(['timeseries', 'recover', journal], { NODE_OPTIONS: `--require ${PRELOAD}`, MLPS_MAXRSS_FILE: rssFile });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`recovered ${HOSTS * SAMPLES} samples`);
    const peakMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
    const docMb = statSync(out).size / 1048576;
    // Bounded: far below the document (which the one-string way needed twice over), within the target.
    expect(docMb).toBeGreaterThan(150);
    expect(peakMb).toBeLessThan(300);
    expect(peakMb).toBeLessThan(docMb);
    process.stdout.write(`recover ${HOSTS}x${SAMPLES}: document ${docMb.toFixed(0)} MB, peak RSS ${peakMb.toFixed(0)} MB\n`);

    // Every sample is there, host by host, in order, with its values.
    const seen = new Map<string, number>();
    for await (const { host, sample } of streamDocumentSamples(out)) {
      const k = seen.get(host) ?? 0;
      const h = names.indexOf(host);
      expect(sample.timestamp_ms).toBe(t0 + k * 1000 + h);
      if (k % 97 === 0) expect(sample.vmstat).toEqual(real[(k + h) % real.length]!.vmstat);
      seen.set(host, k + 1);
    }
    expect([...seen.entries()]).toEqual(names.map((n) => [n, SAMPLES]));
  }, 300_000);
});
