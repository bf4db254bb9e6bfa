import { collectTimeseriesSampleSync } from '../sampling';
import { deriveRates } from '../rates';
import type { TimeSeriesData, TimeSeriesSample } from '../types';
import { startLiveServer } from './live-server';
import type { LiveServer } from './live-server';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function dataOf(samples: TimeSeriesSample[]): TimeSeriesData {
  return {
    collection_interval_seconds: 0.2,
    start_time: samples[0]?.timestamp ?? null,
    end_time: null,
    num_samples: samples.length,
    samples_by_host: { 'node-a': samples },
    collection_method: 'local',
    hosts_requested: ['node-a'],
    hosts_collected: samples.length > 0 ? ['node-a'] : [],
  };
}

function metric(text: string, name: string, labels: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? null : Number(line.split(' ').pop());
}

describe('live server', () => {
  let server: LiveServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('serves the current rates on /metrics while samples arrive, the live page and its data', async () => {
    const samples: TimeSeriesSample[] = [collectTimeseriesSampleSync()];
    server = await startLiveServer({ port: 0, source: () => dataOf(samples), cacheMs: 0 });
    expect(server.host).toBe('127.0.0.1');
    // One sample: no rates yet, but the host and its counters are there.
    let res = await fetch(`${server.url}metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    let text = await res.text();
    expect(metric(text, 'mlps_samples', 'host="node-a"')).toBe(1);
    expect(text).not.toContain('mlps_cpu_ratio');
    expect(text).toMatch(/^node_load1\{host="node-a"\} /m);
    for (let i = 0; i < 3; i++) {
      await sleep(200);
      samples.push(collectTimeseriesSampleSync());
      text = await (await fetch(`${server.url}metrics`)).text();
      const prev = samples[samples.length - 2]!;
      const cur = samples[samples.length - 1]!;
      const rates = deriveRates(prev, cur)!;
      expect(metric(text, 'mlps_samples', 'host="node-a"')).toBe(samples.length);
      expect(metric(text, 'mlps_rate_interval_seconds', 'host="node-a"')).toBe(rates.intervalSeconds);
      expect(metric(text, 'mlps_cpu_ratio', 'host="node-a",mode="user"')).toBeCloseTo(rates.cpu!.user / 100, 12);
      expect(metric(text, 'mlps_memory_used_bytes', 'host="node-a"')).toBe(rates.memory!.usedBytes);
      for (const d of Object.values(rates.disks)) {
        expect(metric(text, 'mlps_disk_read_bytes_per_second', `host="node-a",device="${d.device}"`)).toBeCloseTo(d.readBytesPerSec, 9);
      }
      expect(metric(text, 'mlps_last_sample_timestamp_seconds', 'host="node-a"')).toBe(cur.timestamp_ms! / 1000);
    }
    // Each family once, HELP and TYPE before its samples.
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);

    const page = await (await fetch(server.url)).text();
    expect(page).toContain('"live":true');
    expect(page).toContain("connect-src 'self'");
    const data = (await (await fetch(`${server.url}data.json`)).json()) as { live: boolean; x: number[]; charts: Array<{ id: string }> };
    expect(data.live).toBe(true);
    expect(data.x.length).toBe(samples.length);
    expect(data.charts.map((c) => c.id)).toContain('cpu');
    expect((await fetch(`${server.url}nope`)).status).toBe(404);
  });

  it('answers 500 when the source fails and keeps serving', async () => {
    let fail = true;
    server = await startLiveServer({ port: 0, source: () => (fail ? (() => { throw new Error('boom'); })() : dataOf([])), cacheMs: 0 });
    const r = await fetch(`${server.url}metrics`);
    expect(r.status).toBe(500);
    expect(await r.text()).toContain('boom');
    fail = false;
    expect((await fetch(`${server.url}metrics`)).status).toBe(200);
  });

  it('reports a port in use as IO_ERROR and rejects a bad port', async () => {
    server = await startLiveServer({ port: 0, source: () => dataOf([]) });
    await expect(startLiveServer({ port: server.port, source: () => dataOf([]) })).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/in use/) });
    await expect(startLiveServer({ port: 70000, source: () => dataOf([]) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
