import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { collectTimeseriesSampleSync } from '../sampling';
import type { TimeSeriesSample } from '../types';
import { exportTimeSeries } from './export-timeseries';
import type { ExportFormat } from './export-timeseries';

const dir = mkdtempSync(join(tmpdir(), 'mlps-export-mem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A full collection before each heap reading measures what the export retains, not garbage that V8 has
// not collected yet (which depends on GC timing, not on streaming).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TARGET_BYTES = 200 * 1024 * 1024;
const HOSTS = ['node-a', 'node-b', 'node-c'];

/** Writes a ~200 MB document without holding it: one real sample, its counters advanced per step. */
async function writeBigDocument(path: string): Promise<number> {
  const base = collectTimeseriesSampleSync();
  const out = createWriteStream(path);
  const w = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  const perHost = Math.ceil(TARGET_BYTES / (JSON.stringify(base, null, 2).length + 4) / HOSTS.length);
  const t0 = Date.parse(base.timestamp);
  await w(`{\n  "collection_interval_seconds": 1,\n  "start_time": "${base.timestamp}",\n  "end_time": null,\n  "num_samples": ${perHost * HOSTS.length},\n  "samples_by_host": {\n`);
  for (const [hi, host] of HOSTS.entries()) {
    await w(`    ${JSON.stringify(host)}: [\n`);
    for (let i = 0; i < perHost; i++) {
      const s: TimeSeriesSample = {
        ...base,
        timestamp: new Date(t0 + i * 1000).toISOString(),
        uptime_seconds: (base.uptime_seconds ?? 0) + i,
        diskstats: (base.diskstats ?? []).map((d) => ({ ...d, sectors_read: d.sectors_read + i * 2048, reads_completed: d.reads_completed + i * 16 })),
      };
      await w(`${JSON.stringify(s, null, 2)}${i + 1 < perHost ? ',' : ''}\n`);
    }
    await w(`    ]${hi + 1 < HOSTS.length ? ',' : ''}\n`);
  }
  await w(`  },\n  "collection_method": "local",\n  "hosts_requested": ${JSON.stringify(HOSTS)},\n  "hosts_collected": ${JSON.stringify(HOSTS)}\n}\n`);
  out.end();
  await once(out, 'close');
  return perHost * HOSTS.length;
}

describe('exporting a 200 MB document', () => {
  let doc: string;
  let samples: number;
  beforeAll(async () => {
    doc = join(dir, 'big_timeseries.json');
    samples = await writeBigDocument(doc);
    expect(statSync(doc).size).toBeGreaterThan(TARGET_BYTES * 0.95);
  }, 300_000);

  // Heap is sampled while the export runs; a JSON.parse of the document alone would need > 400 MB
  // (the text as a UTF-16 string plus the parsed objects), so the bound tells streaming from loading.
  it.each<ExportFormat>(['jsonl', 'openmetrics'])('%s keeps the heap flat', async (format) => {
    gc();
    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    let peakRss = before.rss;
    const timer = setInterval(() => {
      gc();
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }, 100);
    const t0 = performance.now();
    let result;
    try {
      result = await exportTimeSeries({ input: doc, format, output: join(dir, `big.${format}`) });
    } finally {
      clearInterval(timer);
    }
    const seconds = (performance.now() - t0) / 1000;
    const heapGrowthMb = (peakHeap - before.heapUsed) / 2 ** 20;
    const rssGrowthMb = (peakRss - before.rss) / 2 ** 20;
    console.log(
      `export ${format}: ${(statSync(doc).size / 2 ** 20).toFixed(0)} MB document, ${result.samples} samples in ${seconds.toFixed(1)} s; ` +
        `peak retained heap growth ${heapGrowthMb.toFixed(1)} MB, peak RSS growth ${rssGrowthMb.toFixed(1)} MB`,
    );
    expect(result.samples).toBe(samples);
    expect(heapGrowthMb).toBeLessThan(64);
    rmSync(join(dir, `big.${format}`), { force: true });
  }, 600_000);
});
