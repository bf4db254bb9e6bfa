import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledEntry } from './__fixtures__/bundle-entry';
import { ManualClock } from './clock';
import { TimeSeriesCollector, type SampleContext } from './collector';
import { isMlpsError } from './errors';
import { buildTimeSeriesData } from './format';
import { readJournal } from './journal';
import { collectTimeseriesSampleSync } from './sampling';
import { SampleStore } from './store';
import type { TimeSeriesSample } from './types';

const REAL_PROC = join(__dirname, '__fixtures__', 'proc', 'real');

/** A sampler that parses the committed /proc capture, stamped with the collector's clock. */
function fixtureSampler(ctx: SampleContext): TimeSeriesSample {
  return collectTimeseriesSampleSync({ procRoot: REAL_PROC, hostname: 'node-a', wallMs: ctx.wallMs });
}

function quietLogger(): { warn: (m: string) => void; messages: string[] } {
  const messages: string[] = [];
  return { warn: (m) => void messages.push(m), messages };
}

async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlps-collector-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TimeSeriesCollector lifecycle', () => {
  it('start() twice, start() after stop(), stop() before start() fail with INVALID_STATE and the reference wording', async () => {
    const clock = new ManualClock();
    const c = new TimeSeriesCollector({ clock, sampler: fixtureSampler });
    const notStarted = await caught(() => c.stop());
    expect(isMlpsError(notStarted) && notStarted.code).toBe('INVALID_STATE');
    expect((notStarted as Error).message).toMatch(/not started/);
    c.start();
    const twice = await caught(() => c.start());
    expect(isMlpsError(twice) && twice.code).toBe('INVALID_STATE');
    expect((twice as Error).message).toMatch(/already started/);
    await c.stop();
    const after = await caught(() => c.start());
    expect(isMlpsError(after) && after.code).toBe('INVALID_STATE');
    expect((after as Error).message).toMatch(/already stopped; create a new instance/);
  });

  it('reports isRunning, startTime and endTime from the injected clock', async () => {
    const clock = new ManualClock({ wallStartMs: Date.UTC(2026, 0, 24, 12) });
    const c = new TimeSeriesCollector({ intervalSeconds: 1, clock, sampler: fixtureSampler });
    expect(c.isRunning).toBe(false);
    expect(c.startTime).toBeNull();
    c.start();
    expect(c.isRunning).toBe(true);
    expect(c.startTime?.toISOString()).toBe('2026-01-24T12:00:00.000Z');
    expect(c.endTime).toBeNull();
    await clock.advance(2500);
    await c.stop();
    expect(c.isRunning).toBe(false);
    expect(c.endTime?.toISOString()).toBe('2026-01-24T12:00:02.500Z');
  });

  it('stop() waits for the in-flight sample, and a second stop() returns the same result', async () => {
    const clock = new ManualClock();
    let release: (() => void) | null = null;
    let calls = 0;
    const c = new TimeSeriesCollector({
      intervalSeconds: 1,
      clock,
      sampler: (ctx) => {
        calls++;
        if (calls === 2) return new Promise((resolve) => (release = () => resolve(fixtureSampler(ctx))));
        return fixtureSampler(ctx);
      },
    });
    c.start();
    await clock.advance(1000); // second sample starts and hangs
    let resolved = false;
    const first = c.stop().then((s) => {
      resolved = true;
      return s;
    });
    await clock.advance(0);
    expect(resolved).toBe(false);
    release!();
    const samples = await first;
    expect(samples).toHaveLength(3); // two ticks and the closing sample, taken once
    const again = await c.stop();
    expect(again).toEqual(samples);
    expect(c.samples).toEqual(samples);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(10_000);
    expect(calls).toBe(3);
  });
});

describe('TimeSeriesCollector.stopCollection(): stop() without decoding the samples', () => {
  it('stops as stop() does (closing sample once, lifecycle) and resolves nothing; a later stop() has the samples', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const c = new TimeSeriesCollector({ intervalSeconds: 1, clock, sampler: (ctx) => (calls++, fixtureSampler(ctx)) });
    const notStarted = await caught(() => c.stopCollection());
    expect(isMlpsError(notStarted) && notStarted.code).toBe('INVALID_STATE');
    c.start();
    await clock.advance(2000);
    const toArray = jest.spyOn(SampleStore.prototype, 'toArray');
    const done = c.stopCollection();
    expect(c.stopCollection()).toBe(done); // one stop, however often asked
    expect(await done).toBeUndefined();
    expect(toArray).not.toHaveBeenCalled(); // stop() decodes every kept sample for its result
    expect(calls).toBe(4); // three ticks and the closing sample, taken once
    expect(c.isRunning).toBe(false);
    const samples = await c.stop();
    expect(toArray).toHaveBeenCalledTimes(1);
    toArray.mockRestore();
    expect(samples).toHaveLength(4);
    expect(calls).toBe(4);
    expect(c.describeRun().keptSamples?.count(c.hostName)).toBe(4);
  });
});

describe('TimeSeriesCollector validation', () => {
  it.each([0, 0.009, -1, NaN, Infinity, -Infinity, '1', null])(
    'rejects intervalSeconds %p with INVALID_ARGUMENT naming the option and the value',
    (intervalSeconds) => {
      let err: unknown;
      try {
        new TimeSeriesCollector({ intervalSeconds: intervalSeconds as number });
      } catch (e) {
        err = e;
      }
      expect(isMlpsError(err) && err.code).toBe('INVALID_ARGUMENT');
      expect((err as Error).message).toContain('intervalSeconds');
      expect((err as Error).message).toContain(typeof intervalSeconds === 'string' ? '"1"' : String(intervalSeconds));
    },
  );

  it.each([0, -1, 1.5, NaN, Infinity, '10'])('rejects maxSamples %p', (maxSamples) => {
    expect(() => new TimeSeriesCollector({ maxSamples: maxSamples as number })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/maxSamples.*got/) }),
    );
  });

  it('rejects an unknown overflow policy, naming it', () => {
    expect(() => new TimeSeriesCollector({ overflow: 'ring' as 'decimate' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"ring"') }),
    );
  });

  it('accepts the smallest interval, 0.01 s, and the defaults', () => {
    expect(new TimeSeriesCollector({ intervalSeconds: 0.01 }).intervalSeconds).toBe(0.01);
    const c = new TimeSeriesCollector();
    expect([c.intervalSeconds, c.maxSamples, c.overflow]).toEqual([10, 3600, 'decimate']);
  });
});

describe('TimeSeriesCollector schedule (manual clock)', () => {
  it('takes the first sample at start and sample k at start + k × interval', async () => {
    const clock = new ManualClock({ wallStartMs: Date.UTC(2026, 0, 24, 12) });
    const c = new TimeSeriesCollector({ clock, sampler: fixtureSampler });
    c.start();
    expect(c.samples).toHaveLength(1);
    await clock.advance(9_999);
    expect(c.samples).toHaveLength(1);
    await clock.advance(1);
    await clock.advance(30_000);
    const samples = await c.stop();
    // The last one is the closing sample stop() takes (here at the same instant as tick 4).
    expect(samples.map((s) => s.timestamp)).toEqual([0, 10, 20, 30, 40, 40].map((k) => `2026-01-24T12:00:${k === 0 ? '00' : k}Z`));
    expect(samples.map((s) => s.timestamp_ms)).toEqual([0, 10, 20, 30, 40, 40].map((k) => Date.UTC(2026, 0, 24, 12) + k * 1000));
    expect(samples[0]?.diskstats?.length).toBeGreaterThan(0);
  });

  it('does not drift over 1000 samples whose collection takes time', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    let k = 0;
    const c = new TimeSeriesCollector({
      intervalSeconds: 0.1,
      clock,
      maxSamples: 5000,
      sampler: (ctx) => {
        clock.spend((k++ * 7) % 80); // 0..79 ms of a 100 ms interval
        return { timestamp: new Date(ctx.wallMs).toISOString(), hostname: 'h', uptime_seconds: ctx.tick.index };
      },
    });
    c.start();
    await clock.advance(100 * 999);
    const samples = await c.stop();
    expect(samples).toHaveLength(1001); // 1000 ticks and the closing sample
    samples.slice(0, 1000).forEach((s, i) => expect(s.timestamp).toBe(new Date(i * 100).toISOString()));
    expect(c.stats.skippedTicks).toBe(0);
    expect(c.stats.intervalErrorMs?.max).toBe(0);
    expect(c.stats.measuredIntervalSeconds?.mean).toBeCloseTo(0.1, 12);
  });

  it('skips the ticks a slow sample overran and counts them', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    const c = new TimeSeriesCollector({
      intervalSeconds: 1,
      clock,
      sampler: (ctx) => {
        if (ctx.tick.index === 1) clock.spend(2500); // busy through ticks 2 and 3
        return { timestamp: new Date(ctx.wallMs).toISOString(), hostname: 'h', uptime_seconds: ctx.tick.index };
      },
    });
    c.start();
    await clock.advance(6000);
    const samples = await c.stop();
    // Tick 1 ends at 3.5 s: ticks 2 and 3 (due 2 s, 3 s) are skipped, tick 4 runs on the grid at 4 s.
    // Then the closing sample, numbered after the last tick.
    expect(samples.map((s) => s.uptime_seconds)).toEqual([0, 1, 4, 5, 6, 7]);
    expect(samples.map((s) => s.timestamp)).toEqual([0, 1000, 4000, 5000, 6000, 6000].map((ms) => new Date(ms).toISOString()));
    expect(c.stats).toMatchObject({ ticks: 5, samples: 6, skippedTicks: 2, failedSamples: 0 });
  });

  it('turns a sampler exception or rejection into an error sample, counted, and keeps collecting', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    const c = new TimeSeriesCollector({
      intervalSeconds: 1,
      clock,
      sampler: (ctx) => {
        if (ctx.tick.index === 1) throw new Error('EACCES: /proc is gone');
        if (ctx.tick.index === 2) return Promise.reject(new Error('remote died'));
        return fixtureSampler(ctx);
      },
    });
    c.start();
    await clock.advance(3000);
    const samples = await c.stop();
    expect(samples).toHaveLength(5);
    expect(samples[1]).toEqual({ timestamp: '1970-01-01T00:00:01Z', timestamp_ms: 1000, hostname: c.hostName, errors: { collection: 'EACCES: /proc is gone' } });
    expect(samples[2]?.errors).toEqual({ collection: 'remote died' });
    expect(samples[3]?.vmstat).toBeDefined();
    expect(c.stats.failedSamples).toBe(2);
    const run = c.describeRun();
    expect(run.hostStatus?.[c.hostName]).toMatchObject({ status: 'partial', samples: 5, error_samples: 2, last_error: 'collection: remote died' });
  });

  it('logs the cap warning once and, decimating, keeps the first and the newest samples', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    const logger = quietLogger();
    const c = new TimeSeriesCollector({
      intervalSeconds: 1,
      maxSamples: 10,
      clock,
      logger,
      sampler: (ctx) => ({ timestamp: new Date(ctx.wallMs).toISOString(), hostname: 'h', uptime_seconds: ctx.tick.index }),
    });
    c.start();
    await clock.advance(99_000);
    const samples = await c.stop();
    const ticks = samples.map((s) => s.uptime_seconds);
    expect(samples.length).toBeLessThanOrEqual(11); // the cap, plus the closing sample
    expect(ticks[0]).toBe(0);
    expect(ticks[ticks.length - 2]).toBeLessThanOrEqual(99);
    expect(ticks[ticks.length - 1]).toBe(100); // the closing sample
    expect(logger.messages).toHaveLength(1);
    expect(logger.messages[0]).toMatch(/maxSamples \(10\) reached/);
    expect(c.stats).toMatchObject({ samples: 101, storedSamples: samples.length, droppedSamples: 101 - samples.length });
  });

  it('keep-first keeps the first maxSamples and warns once', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    const logger = quietLogger();
    const c = new TimeSeriesCollector({
      intervalSeconds: 1,
      maxSamples: 5,
      overflow: 'keep-first',
      clock,
      logger,
      sampler: (ctx) => ({ timestamp: new Date(ctx.wallMs).toISOString(), hostname: 'h', uptime_seconds: ctx.tick.index }),
    });
    c.start();
    await clock.advance(20_000);
    const samples = await c.stop();
    // The closing sample is kept beyond the cap, so the run's end is still observed.
    expect(samples.map((s) => s.uptime_seconds)).toEqual([0, 1, 2, 3, 4, 21]);
    expect(logger.messages).toHaveLength(1);
    expect(logger.messages[0]).toMatch(/keep-first/);
  });

  it('describes the run for the document: local, keyed by this host, with interval statistics', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: Date.UTC(2026, 0, 24, 12) });
    const c = new TimeSeriesCollector({ intervalSeconds: 2, clock, sampler: fixtureSampler });
    c.start();
    await clock.advance(4000);
    await c.stop();
    const run = c.describeRun();
    expect(run.collectionMethod).toBe('local');
    expect(run.hostsRequested).toEqual([c.hostName]);
    expect(run.samplesByHost[c.hostName]).toHaveLength(4);
    expect(run.intervalStats).toMatchObject({ ticks: 3, samples: 4, skipped_ticks: 0, failed_samples: 0 });
    expect(run.intervalStats?.measured_interval_seconds).toEqual({ mean: 2, p50: 2, p99: 2, max: 2 });
    const data = buildTimeSeriesData(c);
    expect(data).toMatchObject({
      collection_interval_seconds: 2,
      start_time: '2026-01-24T12:00:00Z',
      end_time: '2026-01-24T12:00:04Z',
      start_time_ms: Date.UTC(2026, 0, 24, 12),
      end_time_ms: Date.UTC(2026, 0, 24, 12, 0, 4),
      num_samples: 4,
      collection_method: 'local',
      hosts_collected: [c.hostName],
    });
    expect(data.host_status?.[c.hostName]?.status).toBe('ok');
  });
});

describe('TimeSeriesCollector closing sample', () => {
  it('stop() takes one closing sample: flagged, journaled, kept beyond the cap, never twice', async () => {
    const clock = new ManualClock({ startMs: 0, wallStartMs: 0 });
    const contexts: SampleContext[] = [];
    const journalPath = join(dir, 'closing_timeseries.jsonl');
    const c = new TimeSeriesCollector({
      intervalSeconds: 1,
      maxSamples: 2,
      overflow: 'keep-first',
      journalPath,
      clock,
      logger: quietLogger(),
      sampler: (ctx) => {
        contexts.push(ctx);
        return { timestamp: new Date(ctx.wallMs).toISOString(), hostname: 'h', uptime_seconds: ctx.wallMs / 1000 };
      },
    });
    c.start();
    await clock.advance(3000);
    await clock.advance(400); // the run goes on 0.4 s after tick 3
    const [first, again] = await Promise.all([c.stop(), c.stop()]);
    await c.stop();
    expect(contexts.map((x) => [x.tick.index, x.closing === true])).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(first).toBe(again);
    // keep-first keeps ticks 0 and 1; the closing sample at 3.4 s is kept too, so the run's end is seen.
    expect(first!.map((x) => x.uptime_seconds)).toEqual([0, 1, 3.4]);
    expect(c.stats).toMatchObject({ ticks: 4, samples: 5, storedSamples: 3, droppedSamples: 2 });
    const journaled = (await readJournal(journalPath)).samples_by_host[c.hostName] ?? [];
    expect(journaled.map((x) => x.uptime_seconds)).toEqual([0, 1, 2, 3, 3.4]);
  });

  it('observes a real run to its end even when stop() comes long before the next tick', async () => {
    const c = new TimeSeriesCollector({ intervalSeconds: 10 });
    c.start();
    await new Promise((r) => setTimeout(r, 300));
    const samples = await c.stop();
    expect(samples).toHaveLength(2);
    const covered = (samples[1]!.uptime_seconds as number) - (samples[0]!.uptime_seconds as number);
    expect(covered).toBeGreaterThanOrEqual(0.25);
    expect(covered).toBeLessThan(5);
    expect(samples[1]!.diskstats?.length).toBeGreaterThan(0);
  });
});

describe('TimeSeriesCollector on this machine (real time, wide bounds)', () => {
  it('collects about 20 real samples at 0.05 s in 1 s', async () => {
    const c = new TimeSeriesCollector({ intervalSeconds: 0.05 });
    c.start();
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await c.stop();
    // On a loaded machine ticks may be skipped (counted), never queued: the ticks due in 1 s are all
    // accounted for, run or skipped. Cadence figures are the bench's business, not a timed unit test's.
    const { ticks, skippedTicks } = c.stats;
    expect(ticks + skippedTicks).toBeGreaterThanOrEqual(15);
    expect(ticks + skippedTicks).toBeLessThanOrEqual(25);
    expect(samples.length).toBeGreaterThanOrEqual(2);
    for (const s of samples) {
      expect(s.diskstats?.length).toBeGreaterThan(0);
      expect(s.netdev?.length).toBeGreaterThan(0);
      expect(typeof s.uptime_seconds).toBe('number');
      expect(s.errors).toBeUndefined();
    }
    const err = c.stats.intervalErrorMs!;
    expect(err.p50).toBeGreaterThan(-1.5); // a timer may fire within the scheduler's early tolerance
    expect(err.max).toBeGreaterThanOrEqual(err.p50);
    expect(c.stats.ticks).toBe(samples.length - 1); // the closing sample is not a tick
  });

  it('journals every sample it keeps, readable with readJournal', async () => {
    const journalPath = join(dir, 'real_timeseries.jsonl');
    const c = new TimeSeriesCollector({ intervalSeconds: 0.05, journalPath });
    c.start();
    await new Promise((r) => setTimeout(r, 400));
    const samples = await c.stop();
    const data = await readJournal(journalPath);
    expect(data.samples_by_host[c.hostName]).toEqual(samples);
    expect(data.collection_method).toBe('local');
    // Header, one layout (this host's shape does not change in 0.4 s), one row per sample.
    const lines = readFileSync(journalPath, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('[')).length).toBe(samples.length);
    expect(lines.filter((l) => l.startsWith('{"type":"layout"')).length).toBe(1);
  });

  it('refuses to overwrite an existing journal at start(), staying not started', () => {
    const journalPath = join(dir, 'exists.jsonl');
    const first = new TimeSeriesCollector({ journalPath, clock: new ManualClock(), sampler: fixtureSampler });
    first.start();
    const second = new TimeSeriesCollector({ journalPath, clock: new ManualClock(), sampler: fixtureSampler });
    expect(() => second.start()).toThrow(expect.objectContaining({ code: 'IO_ERROR' }));
    expect(second.isRunning).toBe(false);
    return first.stop();
  });

  it('leaves nothing that keeps the process alive after stop() (child process exits by itself)', async () => {
    const entry = bundledEntry();
    const child = spawn(process.execPath, [join(__dirname, '__fixtures__', 'children', 'collect-and-stop.cjs')], {
      env: { ...process.env, MLPS_TIMESERIES_ENTRY: entry, MLPS_JOURNAL: join(dir, 'child_timeseries.jsonl') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errText = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`child still alive 10 s after start; output: ${out} ${errText}`));
      }, 10_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(errText).toBe('');
    expect(code).toBe(0);
    const [result, handles] = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(result?.['samples']).toBeGreaterThanOrEqual(3);
    expect(result?.['running']).toBe(false);
    expect(handles?.['handles']).toEqual([]);
  });
});
