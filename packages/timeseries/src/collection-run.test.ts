import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from './clock';
import { CollectionRun, collectionMethodOf, type HostSource, type SampleRequest } from './collection-run';
import { buildTimeSeriesData } from './format';
import { readJournal } from './journal';
import type { TimeSeriesSample } from './types';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlps-run-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function good(name: string, request: SampleRequest): TimeSeriesSample {
  return { timestamp: new Date(request.wallMs).toISOString(), hostname: name, uptime_seconds: request.tick.index };
}

/** A source that records what it was asked and answers through `answer`. */
function source(
  name: string,
  method: 'local' | 'ssh',
  answer: (request: SampleRequest) => TimeSeriesSample | Promise<TimeSeriesSample>,
): HostSource & { requests: SampleRequest[]; opened: number; closed: number } {
  const s = {
    name,
    method,
    requests: [] as SampleRequest[],
    opened: 0,
    closed: 0,
    sample(request: SampleRequest) {
      s.requests.push(request);
      return answer(request);
    },
    open() {
      s.opened++;
      return Promise.resolve();
    },
    close() {
      s.closed++;
    },
  };
  return s;
}

function run(sources: HostSource[], clock: ManualClock, extra: { journalPath?: string; maxSamples?: number; warnings?: string[] } = {}): CollectionRun {
  return new CollectionRun({
    name: 'TestCollector',
    sources,
    intervalSeconds: 1,
    maxSamples: extra.maxSamples ?? 100,
    overflow: 'decimate',
    journalPath: extra.journalPath,
    clock,
    logger: { warn: (m) => void extra.warnings?.push(m) },
    unref: false,
    sampleTimeoutMs: 800,
    stopGraceMs: 500,
  });
}

describe('the collection method', () => {
  it('names the collection method from the methods used', () => {
    expect(collectionMethodOf(['local', 'local'])).toBe('local');
    expect(collectionMethodOf(['ssh'])).toBe('ssh');
    expect(collectionMethodOf(['ssh', 'local'])).toBe('mixed');
  });
});

describe('CollectionRun with several kinds of source', () => {
  it('files sync, async, throwing and rejecting sources per host, one health rule, closing sample for all', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    const journalPath = join(dir, 'mixed_timeseries.jsonl');
    const order: string[] = [];
    const local = source('local-a', 'local', (r) => (order.push('local-a'), good('a', r)));
    const remote = source('remote-b', 'ssh', (r) => (order.push('remote-b'), Promise.resolve(good('b', r))));
    const flaky = source('flaky', 'ssh', (r) => {
      order.push('flaky');
      if (r.tick.index === 1) throw new Error('connection reset');
      return good('f', r);
    });
    const dead = source('dead', 'ssh', () => (order.push('dead'), Promise.reject(new Error('host unreachable'))));
    const r = run([local, remote, flaky, dead], clock, { journalPath });
    await r.connect();
    expect([local.opened, remote.opened]).toEqual([1, 1]);
    r.start();
    // Remote requests go out first, the local host is sampled while they travel.
    expect(order.slice(0, 4)).toEqual(['remote-b', 'flaky', 'dead', 'local-a']);
    // The local host's sample is filed synchronously inside start().
    expect(r.progress().samplesByHost['local-a']).toBe(1);
    await clock.advance(0); // the remote answers of tick 0 arrive
    await clock.advance(1000);
    await clock.advance(1000);
    await r.stop();
    expect(r.stop()).toBe(r.stop());
    expect(remote.requests.map((q) => [q.tick.index, q.closing])).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(remote.requests[3]!.timeoutMs).toBe(500); // the closing sample is bounded by the stop grace
    expect([local.closed, remote.closed, flaky.closed, dead.closed]).toEqual([1, 1, 1, 1]);
    expect(r.progress()).toEqual({
      samplesByHost: { 'local-a': 4, 'remote-b': 4, flaky: 4, dead: 4 },
      health: { ok: 2, partial: 1, failed: 1 },
      down: 1,
    });
    const health = r.hostHealth();
    expect(health.flaky).toMatchObject({ status: 'partial', errorSamples: 1, goodSamples: 3, link: 'up' });
    expect(health.flaky?.lastError).toContain('connection reset');
    expect(health.dead).toMatchObject({ status: 'failed', goodSamples: 0, link: 'down' });
    expect(health.dead?.lastError).toContain('host unreachable');
    expect(r.hostsWithData()).toEqual(['local-a', 'remote-b', 'flaky']);
    expect(r.collectionMethod()).toBe('mixed');
    expect(r.stats).toMatchObject({ ticks: 3, samples: 16, failedSamples: 5, storedSamples: 16, droppedSamples: 0, journalErrors: 0 });
    const data = buildTimeSeriesData(r);
    expect(data.num_samples).toBe(16);
    expect(data.hosts_collected).toEqual(['local-a', 'remote-b', 'flaky']);
    expect(data.host_status?.dead).toMatchObject({ status: 'failed', samples: 4, error_samples: 4 });
    // An error sample carries the host's name and the tick's time.
    expect(data.samples_by_host.dead![1]).toEqual({ timestamp: '1970-01-01T00:00:01Z', timestamp_ms: 1000, hostname: 'dead', errors: { collection: 'host unreachable' } });
    const journal = await readJournal(journalPath);
    expect(journal.samples_by_host).toEqual(data.samples_by_host);
  });

  it('decodes a host only when its samples are read', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    const r = run([source('a', 'local', (q) => good('a', q)), source('b', 'local', (q) => good('b', q))], clock);
    r.start();
    await clock.advance(1000);
    await r.stop();
    const byHost = r.samplesByHost();
    expect(Object.keys(byHost)).toEqual(['a', 'b']);
    const a = byHost.a!;
    expect(byHost.a).toBe(a); // decoded once, then kept
    expect(a.map((s) => s.uptime_seconds)).toEqual([0, 1, 2]);
    expect(JSON.parse(JSON.stringify(byHost)).b).toHaveLength(3);
  });

  it('files a non-object answer as an error sample instead of losing the tick', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    const r = run([source('odd', 'local', () => null as unknown as TimeSeriesSample)], clock);
    r.start();
    await r.stop();
    expect(r.samplesOf('odd')[0]?.errors).toEqual({ collection: 'sampler returned null, not a sample' });
    expect(r.hostHealth().odd?.status).toBe('failed');
  });

  it('does not take a closing sample when the last tick outlives the stop grace, and closes the sources', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    let settle: ((s: TimeSeriesSample) => void) | null = null;
    const hung = source('hung', 'ssh', () => new Promise<TimeSeriesSample>((resolve) => (settle = resolve)));
    hung.close = () => {
      hung.closed++;
      settle?.({ timestamp: new Date(0).toISOString(), hostname: 'hung', errors: { sample: 'collector stopped' } });
    };
    const r = new CollectionRun({
      name: 'TestCollector',
      sources: [hung],
      intervalSeconds: 1,
      maxSamples: 10,
      overflow: 'decimate',
      clock,
      logger: { warn: () => undefined },
      unref: false,
      sampleTimeoutMs: 800,
      stopGraceMs: 50, // real milliseconds: stop() races the in-flight tick against this grace
    });
    r.start();
    await r.stop();
    expect(hung.requests).toHaveLength(1);
    expect(hung.closed).toBe(1);
    expect(r.samplesOf('hung').map((s) => s.errors?.['sample'])).toEqual(['collector stopped']);
  });

  it('warns once at the cap, naming the host when there are several', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    const warnings: string[] = [];
    const r = run([source('a', 'local', (q) => good('a', q)), source('b', 'local', (q) => good('b', q))], clock, { maxSamples: 3, warnings });
    r.start();
    await clock.advance(10_000);
    await r.stop();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^TestCollector: maxSamples \(3\) reached for a after 4 samples; decimating/);
    // At most the cap plus the closing sample, which is the run's end.
    const a = r.samplesOf('a');
    expect(a.length).toBeLessThanOrEqual(4);
    expect(a[a.length - 1]?.uptime_seconds).toBe(11);
  });
});
