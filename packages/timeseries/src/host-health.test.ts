import {
  HostHealthTracker,
  describeHostTransition,
  hostHealthOf,
  hostStatusFromSamples,
  isGoodSample,
  sampleOutcome,
  type HostTransition,
} from './host-health';
import { buildTimeSeriesData, deriveHostStatus, parseTimeSeriesData, serializeTimeSeriesData } from './format';
import type { TimeSeriesSample } from './types';

const T0 = Date.parse('2026-12-01T10:00:00Z');

function good(i: number, errors?: Record<string, string>): TimeSeriesSample {
  const s: TimeSeriesSample = {
    timestamp: new Date(T0 + i * 1000).toISOString(),
    hostname: 'h',
    loadavg: { load_1min: 0, load_5min: 0, load_15min: 0, running_processes: 1, total_processes: 1 },
  };
  if (errors) s.errors = errors;
  return s;
}

function bad(i: number, message = 'not connected (next attempt in 1.0 s): connect ECONNREFUSED 10.200.0.11:22'): TimeSeriesSample {
  return { timestamp: new Date(T0 + i * 1000).toISOString(), hostname: 'h', errors: { sample: message } };
}

function feed(tracker: HostHealthTracker, samples: TimeSeriesSample[]): HostTransition[] {
  const out: HostTransition[] = [];
  for (const s of samples) {
    const t = tracker.record(s);
    if (t) out.push(t);
  }
  return out;
}

describe('host-health: the one rule', () => {
  it('a good sample has data; an error sample has none', () => {
    expect(isGoodSample(good(0))).toBe(true);
    expect(isGoodSample(good(0, { pressure: 'ENOENT' }))).toBe(true);
    expect(isGoodSample(bad(0))).toBe(false);
  });

  it('a host that never answers: one connect-failed, then nothing per tick; failed with every sample an error sample', () => {
    const t = new HostHealthTracker('no-such-host.invalid');
    expect(t.link).toBe('pending');
    const first = bad(0);
    first.errors = { ssh: 'not connected (next attempt in 0.5 s): getaddrinfo ENOTFOUND no-such-host.invalid' };
    const transitions = feed(t, [first, bad(1), bad(2)]);
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({ kind: 'connect-failed', host: 'no-such-host.invalid', atMs: T0 });
    expect(t.link).toBe('down');
    expect(t.status).toBe('failed');
    expect(t.counts).toMatchObject({ samples: 3, goodSamples: 0, errorSamples: 3, outages: 0 });
    expect(describeHostTransition(transitions[0] as HostTransition)).toBe(
      'host no-such-host.invalid: cannot connect (getaddrinfo ENOTFOUND no-such-host.invalid); its samples are error samples until it answers',
    );
  });

  it('lost mid-run and back: one lost, one recovered with the outage length; counts good and error samples apart', () => {
    const t = new HostHealthTracker('node2');
    const samples = [good(0), good(1), bad(2), bad(3), bad(4), good(5), good(6)];
    const transitions = feed(t, samples);
    expect(transitions.map((x) => x.kind)).toEqual(['lost', 'recovered']);
    expect(transitions[0]).toMatchObject({ atMs: T0 + 2000 });
    expect(transitions[1]).toMatchObject({ atMs: T0 + 5000, errorSamples: 3, downSinceMs: T0 + 2000 });
    expect(transitions[1]?.firstContact).toBeUndefined();
    expect(t.counts).toMatchObject({ samples: 7, goodSamples: 4, errorSamples: 3, sourceErrorSamples: 0, outages: 1 });
    expect(t.status).toBe('partial');
    expect(t.up).toBe(true);
    expect(describeHostTransition(transitions[0] as HostTransition)).toBe(
      'host node2: lost (connect ECONNREFUSED 10.200.0.11:22); reconnecting, its samples are error samples until it is back',
    );
    expect(describeHostTransition(transitions[1] as HostTransition)).toBe('host node2: back after 3 error sample(s) (3.0 s)');
  });

  it('a late first connection is "connected", not "back"', () => {
    const t = new HostHealthTracker('slow');
    const transitions = feed(t, [bad(0), good(1)]);
    expect(transitions.map((x) => x.kind)).toEqual(['connect-failed', 'recovered']);
    expect(transitions[1]?.firstContact).toBe(true);
    expect(describeHostTransition(transitions[1] as HostTransition)).toMatch(/^host slow: connected after 1 error sample/);
  });

  it('a failed source in a good sample makes the host partial but not down', () => {
    const t = new HostHealthTracker('h');
    expect(feed(t, [good(0), good(1, { diskstats: 'EACCES' }), good(2)])).toEqual([]);
    expect(t.counts).toMatchObject({ samples: 3, goodSamples: 3, errorSamples: 0, sourceErrorSamples: 1, lastError: 'diskstats: EACCES' });
    expect(t.status).toBe('partial');
    expect(t.link).toBe('up');
  });

  it('status is ok only with every sample good and complete', () => {
    expect(hostHealthOf({ goodSamples: 3, errorSamples: 0, sourceErrorSamples: 0 })).toBe('ok');
    expect(hostHealthOf({ goodSamples: 0, errorSamples: 0, sourceErrorSamples: 0 })).toBe('failed');
    expect(hostHealthOf({ goodSamples: 1, errorSamples: 1, sourceErrorSamples: 0 })).toBe('partial');
  });

  it('odd samples never throw; an unreadable timestamp gives NaN times', () => {
    const t = new HostHealthTracker('x');
    const odd = { timestamp: 'garbage', hostname: 'x', errors: { sample: 'x' } } as TimeSeriesSample;
    expect(t.record(odd)?.atMs).toBeNaN();
    expect(sampleOutcome({ timestamp: 'garbage', hostname: 'x' } as TimeSeriesSample)).toEqual({ good: false, atMs: NaN });
    expect(() => describeHostTransition({ kind: 'recovered', host: 'x', atMs: NaN })).not.toThrow();
  });

  it('the document and samples-only derivation use the same rule, and the new keys load back', () => {
    const samples = [good(0), bad(1), bad(2), good(3, { pressure: 'EIO' })];
    const record = hostStatusFromSamples(samples);
    expect(record).toEqual({
      status: 'partial',
      samples: 4,
      good_samples: 2,
      error_samples: 2,
      source_error_samples: 1,
      last_error: 'pressure: EIO',
    });
    expect(deriveHostStatus(samples)).toEqual(record);
    const doc = buildTimeSeriesData({
      describeRun: () => ({
        intervalSeconds: 1,
        startTime: new Date(T0),
        endTime: new Date(T0 + 4000),
        hostsRequested: ['h'],
        samplesByHost: { h: samples },
        collectionMethod: 'ssh',
      }),
    });
    expect(doc.num_samples).toBe(4);
    expect(doc.host_status?.h).toEqual(record);
    expect(parseTimeSeriesData(serializeTimeSeriesData(doc)).host_status?.h?.good_samples).toBe(2);
  });
});
