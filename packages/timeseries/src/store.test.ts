import * as fc from 'fast-check';
import { join } from 'node:path';
import { ByteWriter, decodeValues, encodeValues } from './compact';
import { collectTimeseriesSampleSync } from './sampling';
import { SampleStore } from './store';
import type { DiskStatsRecord, NetDevRecord, TimeSeriesSample } from './types';

const REAL_PROC = join(__dirname, '__fixtures__', 'proc', 'real');

/** A sample parsed from the committed capture of this machine's /proc. */
function fixtureSample(): TimeSeriesSample {
  return collectTimeseriesSampleSync({ procRoot: REAL_PROC, hostname: 'node-a', wallMs: Date.UTC(2026, 0, 24, 12) });
}

/** A sample of the live /proc, as the collector takes them. */
function liveSample(wallMs: number): TimeSeriesSample {
  return collectTimeseriesSampleSync({ wallMs });
}

const BASE = fixtureSample();

/** Changes every number of a sample the way time changes counters (and sometimes oddly). */
function mutateNumbers(value: unknown, next: () => number): unknown {
  if (typeof value === 'number') return next();
  if (Array.isArray(value)) return value.map((v) => mutateNumbers(v, next));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mutateNumbers(v, next);
    return out;
  }
  return value;
}

const numberArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 ** 40 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 100_000 }).map((n) => n / 100) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 2 ** 53 + 2, 1.8e19, -1, 0.1 + 0.2) },
);

const sampleArb: fc.Arbitrary<TimeSeriesSample> = fc
  .record({
    numbers: fc.array(numberArb, { minLength: 1, maxLength: 64 }),
    dropSources: fc.subarray(['diskstats', 'vmstat', 'meminfo', 'loadavg', 'netdev', 'cpu', 'pressure', 'uptime_seconds'] as const),
    errors: fc.option(fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), { minKeys: 1, maxKeys: 3 }), {
      nil: undefined,
    }),
    errorsFirst: fc.boolean(),
    diskCut: fc.nat({ max: 12 }),
    extraDisk: fc.option(fc.constantFrom('nvme9n1', 'loop7', 'sdz'), { nil: undefined }),
    netCut: fc.nat({ max: 8 }),
    timeMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    timestampForm: fc.constantFrom('ms', 'seconds', 'naive', 'junk'),
    hostname: fc.constantFrom('node-a', 'node-b', ''),
  })
  .map((p) => {
    let k = 0;
    const next = (): number => p.numbers[k++ % p.numbers.length] as number;
    const s = mutateNumbers(BASE, next) as TimeSeriesSample & Record<string, unknown>;
    const iso = new Date(p.timeMs).toISOString();
    s.timestamp =
      p.timestampForm === 'ms' ? iso : p.timestampForm === 'seconds' ? iso.replace(/\.\d{3}Z$/, 'Z') : p.timestampForm === 'naive' ? iso.slice(0, 19) : 'not a time';
    s.hostname = p.hostname;
    if (s.diskstats) {
      const disks: DiskStatsRecord[] = s.diskstats.slice(0, p.diskCut);
      if (p.extraDisk && s.diskstats[0]) disks.push({ ...s.diskstats[0], device_name: p.extraDisk });
      s.diskstats = disks;
    }
    if (s.netdev) s.netdev = s.netdev.slice(0, p.netCut) as NetDevRecord[];
    for (const key of p.dropSources) delete s[key];
    if (p.errors) {
      if (p.errorsFirst) {
        const { timestamp, hostname, ...rest } = s;
        return { errors: p.errors, timestamp, hostname, ...rest } as TimeSeriesSample;
      }
      s.errors = p.errors;
    }
    return s as TimeSeriesSample;
  });

describe('SampleStore round trip', () => {
  it('decodes a real fixture sample exactly, key order included', () => {
    const store = new SampleStore({ maxSamples: 10 });
    store.push(BASE);
    const [back] = store.toArray();
    expect(back).toEqual(BASE);
    expect(JSON.stringify(back)).toBe(JSON.stringify(BASE));
  });

  it('decodes any sequence of fixture-shaped samples exactly (missing sources, errors, device changes, odd numbers)', () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 12 }), (samples) => {
        const store = new SampleStore({ maxSamples: 100 });
        for (const s of samples) store.push(s);
        const back = store.toArray();
        expect(back).toHaveLength(samples.length);
        back.forEach((b, i) => {
          expect(b).toEqual(samples[i]);
          expect(Object.keys(b)).toEqual(Object.keys(samples[i] as object));
          expect(JSON.stringify(b)).toBe(JSON.stringify(samples[i]));
        });
      }),
      { numRuns: 150 },
    );
  });

  it('keeps -0, NaN and infinities apart from their neighbours', () => {
    const odd = [-0, 0, NaN, Infinity, -Infinity, 0.1 + 0.2, 1.005, 2 ** 53 + 2, -(2 ** 60), 5e-324];
    const store = new SampleStore({ maxSamples: 100 });
    const samples = odd.flatMap((a) => odd.map((b) => ({ timestamp: 'x', hostname: 'h', uptime_seconds: a, vmstat: { a, b } })));
    for (const s of samples) store.push(s as TimeSeriesSample);
    store.toArray().forEach((back, i) => {
      const want = samples[i]!;
      expect(Object.is(back.uptime_seconds, want.uptime_seconds)).toBe(true);
      expect(Object.is(back.vmstat?.['a'], want.vmstat.a)).toBe(true);
      expect(Object.is(back.vmstat?.['b'], want.vmstat.b)).toBe(true);
    });
  });

  it('returns private copies: mutating a pushed or a returned sample changes nothing stored', () => {
    const store = new SampleStore({ maxSamples: 10 });
    const s = { ...fixtureSample(), errors: { netdev: 'boom' } };
    store.push(s);
    s.errors.netdev = 'changed';
    s.diskstats![0]!.reads_completed = -5;
    const first = store.at(0)!;
    first.errors!['netdev'] = 'mutated';
    expect(store.at(0)!.errors).toEqual({ netdev: 'boom' });
    expect(store.at(0)!.diskstats![0]!.reads_completed).toBe(BASE.diskstats![0]!.reads_completed);
  });

  it('keeps what the codec cannot describe (non-plain values) as a copy rather than losing it', () => {
    const store = new SampleStore({ maxSamples: 10 });
    class Point {
      constructor(readonly x: number) {}
    }
    const weird = { timestamp: 't', hostname: 'h', vmstat: { a: 1 }, extra: new Point(3), big: 10n } as unknown as TimeSeriesSample;
    store.push(weird);
    store.push(BASE);
    expect(store.at(0)).toEqual(weird);
    expect(store.at(1)).toEqual(BASE);
  });

  it('stays exact across many live samples of this machine and keeps each under 4 KB encoded', () => {
    const store = new SampleStore({ maxSamples: 1000 });
    const pushed: TimeSeriesSample[] = [];
    for (let i = 0; i < 300; i++) {
      const s = liveSample(Date.UTC(2026, 0, 24, 12) + i * 1000);
      pushed.push(s);
      store.push(s);
    }
    expect(store.toArray()).toEqual(pushed);
    expect(store.encodedBytes / store.length).toBeLessThan(4096);
    // The same samples as objects serialise to several times that.
    expect(JSON.stringify(pushed[0]).length).toBeGreaterThan(3 * (store.encodedBytes / store.length));
  });
});

describe('SampleStore overflow', () => {
  const stamp = (i: number): TimeSeriesSample => ({ ...BASE, timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), uptime_seconds: i });

  it('keep-first keeps the first maxSamples, drops the rest and warns once', () => {
    const warnings: unknown[] = [];
    const store = new SampleStore({ maxSamples: 5, overflow: 'keep-first', onCapReached: (info) => warnings.push(info) });
    for (let i = 0; i < 12; i++) store.push(stamp(i));
    expect(store.toArray().map((s) => s.uptime_seconds)).toEqual([0, 1, 2, 3, 4]);
    expect(store.dropped).toBe(7);
    expect(store.totalPushed).toBe(12);
    expect(warnings).toEqual([{ maxSamples: 5, overflow: 'keep-first', totalPushed: 6 }]);
  });

  it('decimate halves at the cap, then keeps every 2nd, 4th … sample, always covering first and newest', () => {
    const warnings: unknown[] = [];
    const store = new SampleStore({ maxSamples: 8, onCapReached: (info) => warnings.push(info) });
    for (let i = 0; i < 8; i++) store.push(stamp(i));
    expect(store.pushIndices()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    store.push(stamp(8)); // cap reached: keep 0,2,4,6 then 8
    expect(store.pushIndices()).toEqual([0, 2, 4, 6, 8]);
    expect(store.stride).toBe(2);
    store.push(stamp(9)); // off-grid: kept only as the newest
    expect(store.pushIndices()).toEqual([0, 2, 4, 6, 8, 9]);
    store.push(stamp(10)); // replaces 9
    expect(store.pushIndices()).toEqual([0, 2, 4, 6, 8, 10]);
    for (let i = 11; i < 100; i++) store.push(stamp(i));
    const idx = store.pushIndices();
    expect(idx.length).toBeLessThanOrEqual(8);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(99);
    const stride = store.stride;
    expect(idx.slice(0, -1).every((k, j) => k === j * stride)).toBe(true);
    expect(99 - (idx[idx.length - 2] as number)).toBeLessThanOrEqual(stride);
    expect(store.toArray().map((s) => s.uptime_seconds)).toEqual(idx);
    expect(warnings).toHaveLength(1);
  });

  it('decimate covers the whole run evenly for any run length and cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 400 }), (cap, n) => {
        const store = new SampleStore({ maxSamples: cap });
        for (let i = 0; i < n; i++) store.push({ timestamp: 't', hostname: 'h', uptime_seconds: i });
        const idx = store.pushIndices();
        expect(idx.length).toBeLessThanOrEqual(cap);
        expect(idx[0]).toBe(0);
        expect(idx[idx.length - 1]).toBe(n - 1);
        for (let j = 1; j < idx.length; j++) expect((idx[j] as number) - (idx[j - 1] as number)).toBeLessThanOrEqual(store.stride);
        expect(store.toArray().map((s) => s.uptime_seconds)).toEqual(idx);
        if (n > cap) expect(idx.length).toBeGreaterThanOrEqual(Math.floor(cap / 2));
      }),
    );
  });

  it('maxSamples 1 with decimate keeps the first sample', () => {
    const store = new SampleStore({ maxSamples: 1 });
    for (let i = 0; i < 5; i++) store.push(stamp(i));
    expect(store.toArray().map((s) => s.uptime_seconds)).toEqual([0]);
  });

  it.each([0, -1, 1.5, NaN, '10'])('rejects maxSamples %p with INVALID_ARGUMENT naming the value', (maxSamples) => {
    expect(() => new SampleStore({ maxSamples: maxSamples as number })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`maxSamples must be an integer >= 1, got ${String(maxSamples)}`) }),
    );
  });

  it('rejects an unknown overflow policy', () => {
    expect(() => new SampleStore({ maxSamples: 3, overflow: 'ring' as 'decimate' })).toThrow(/overflow.*ring/);
  });
});

describe('SampleStore.samples(): the streaming read', () => {
  it('yields exactly what toArray() holds, in order, for any samples and overflow (decimated, capped, closing, odd)', () => {
    fc.assert(
      fc.property(
        fc.array(sampleArb, { minLength: 0, maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom('decimate' as const, 'keep-first' as const),
        fc.boolean(),
        (samples, maxSamples, overflow, closing) => {
          const store = new SampleStore({ maxSamples, overflow });
          samples.forEach((s, i) => (closing && i === samples.length - 1 ? store.pushClosing(s) : store.push(s)));
          store.push({ timestamp: 'x', hostname: 'h', vmstat: { f: (() => 1) as unknown as number } }); // kept raw, if kept
          const streamed = [...store.samples()];
          expect(streamed.map((s) => JSON.stringify(s))).toEqual(store.toArray().map((s) => JSON.stringify(s)));
          expect(streamed).toHaveLength(store.length);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('decodes one sample per step, a fresh copy each time, and changes nothing stored', () => {
    const store = new SampleStore({ maxSamples: 100 });
    for (let i = 0; i < 50; i++) store.push({ ...fixtureSample(), uptime_seconds: i });
    const decode = jest.spyOn(store as unknown as { decode(i: number): TimeSeriesSample }, 'decode');
    const it = store.samples();
    const first = it.next().value as TimeSeriesSample;
    expect(decode).toHaveBeenCalledTimes(1); // not the whole list up front, as toArray() would
    first.diskstats![0]!.reads_completed = -1;
    expect(it.next().value).toMatchObject({ uptime_seconds: 1 });
    expect(decode).toHaveBeenCalledTimes(2);
    const again = store.samples().next().value as TimeSeriesSample;
    expect(again).not.toBe(first);
    expect(again.diskstats![0]!.reads_completed).toBe(BASE.diskstats![0]!.reads_completed);
    expect([...it]).toHaveLength(48);
    expect(store.length).toBe(50);
    decode.mockRestore();
  });
});

describe('value codec runs', () => {
  it('codes runs of unchanged values in a byte or two and decodes every value exactly (-0, NaN, decimals)', () => {
    const n = 1000;
    const base = new Float64Array(n);
    for (let i = 0; i < n; i++) base[i] = i % 7 === 0 ? NaN : i % 11 === 0 ? -0 : i * 1_000_003 + (i % 5 === 0 ? 0.25 : 0);
    const w = new ByteWriter();
    encodeValues(base, base, n, w);
    expect(w.pos).toBeLessThanOrEqual(Math.ceil(n / 7) * 2 + 40);
    const values = Float64Array.from(base);
    // Every 10th value changes: runs of 9 between them.
    for (let i = 0; i < n; i += 10) values[i] = Number.isNaN(base[i]!) ? 5 : base[i]! + (i % 3) - 1 + 0;
    values[999] = 0; // +0 against a base of -0 is a change
    w.reset();
    encodeValues(values, base, n, w);
    const out = new Float64Array(n);
    const end = decodeValues(w.buf, 0, base, n, out);
    expect(end).toBe(w.pos);
    for (let i = 0; i < n; i++) expect(Object.is(out[i], values[i])).toBe(true);
  });
});
