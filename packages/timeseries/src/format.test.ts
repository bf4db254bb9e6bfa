import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMlpsError } from './errors';
import {
  FORMAT_VERSION,
  buildTimeSeriesData,
  deriveHostStatus,
  isGoodSample,
  parseTimeSeriesData,
  parseTimestampMs,
  serializeTimeSeriesData,
  type DescribesRun,
  type RunDescription,
} from './format';
import type { TimeSeriesSample } from './types';
import { describeWithTools } from '../../../scripts/test-tools.cjs';
import { errorOf } from './test-support';

const FIXTURE = path.join(__dirname, '__fixtures__/formats/python-mlpstorage-timeseries.json');
const pythonText = readFileSync(FIXTURE, 'utf8');

function pythonDoc(): Record<string, any> {
  return JSON.parse(pythonText);
}

describe('parseTimeSeriesData on a file written by Python mlpstorage', () => {
  const data = parseTimeSeriesData(pythonText);

  it('loads the reference keys as written', () => {
    expect(data.collection_interval_seconds).toBe(10);
    expect(data.start_time).toBe('2026-01-24T12:00:00Z');
    expect(data.num_samples).toBe(6);
    expect(data.collection_method).toBe('ssh');
    expect(data.hosts_requested).toEqual(['node1', 'node2']);
    expect(Object.keys(data.samples_by_host)).toEqual(['node1', 'node2']);
    expect(data.format_version).toBeUndefined();
    expect(data.host_status).toBeUndefined();
  });

  it('keeps whole-second and naive timestamps and the counters', () => {
    const node1 = data.samples_by_host.node1!;
    const node2 = data.samples_by_host.node2!;
    expect(node1.map((s) => s.timestamp)).toEqual(['2026-01-24T12:00:00Z', '2026-01-24T12:00:10Z', '2026-01-24T12:00:20Z']);
    expect(node2[0]!.timestamp).toBe('2026-01-24T12:00:00');
    expect(parseTimestampMs(node2[0]!.timestamp)).toBe(parseTimestampMs(node1[0]!.timestamp));
    const raw = pythonDoc().samples_by_host.node1[2];
    expect(node1[2]!.diskstats).toEqual(raw.diskstats);
    expect(node1[2]!.netdev![0]!.rx_bytes).toBe(raw.netdev[0].rx_bytes);
    expect(node1[2]!.meminfo!.MemTotal).toBe(raw.meminfo.MemTotal);
  });

  it('drops null optional fields, keeps errors', () => {
    const node1 = data.samples_by_host.node1![0]!;
    expect('errors' in node1).toBe(false);
    const errorSample = data.samples_by_host.node2![1]!;
    expect(errorSample.errors).toEqual({ ssh: 'Connection timed out' });
    expect('diskstats' in errorSample).toBe(false);
    expect(isGoodSample(errorSample)).toBe(false);
    const partial = data.samples_by_host.node2![2]!;
    expect(partial.vmstat).toBeUndefined();
    expect(partial.errors?.vmstat).toMatch(/No such file/);
    expect(isGoodSample(partial)).toBe(true);
  });

  it('keeps unknown keys, so a round trip loses nothing', () => {
    expect((data as unknown as Record<string, unknown>).mlpstorage_version).toBe('2.0.0');
    const again = parseTimeSeriesData(serializeTimeSeriesData(data));
    expect(again).toEqual(data);
  });

  it('accepts the parsed object and bytes as well as text', () => {
    expect(parseTimeSeriesData(pythonDoc())).toEqual(data);
    expect(parseTimeSeriesData(Buffer.from(pythonText))).toEqual(data);
    expect(parseTimeSeriesData(`\ufeff${pythonText}`)).toEqual(data);
  });
});

class FakeRun implements DescribesRun {
  constructor(private readonly run: RunDescription) {}
  describeRun(): RunDescription {
    return this.run;
  }
}

describe('buildTimeSeriesData', () => {
  const real = parseTimeSeriesData(pythonText).samples_by_host.node1!;
  const ok: TimeSeriesSample[] = real.map((s, i) => ({ ...s, hostname: 'a', timestamp: `2026-01-24T12:00:0${i}.250Z` }));
  const errorOnly: TimeSeriesSample = { timestamp: '2026-01-24T12:00:00.000Z', hostname: 'b', errors: { ssh: 'connection refused' } };
  const partial: TimeSeriesSample = { ...ok[0]!, hostname: 'c', errors: { vmstat: 'EACCES' } };
  delete partial.vmstat;

  const run: RunDescription = {
    intervalSeconds: 0.5,
    startTime: new Date(Date.UTC(2026, 0, 24, 12, 0, 0, 123)),
    endTime: new Date(Date.UTC(2026, 0, 24, 12, 0, 3, 7)),
    hostsRequested: ['a', 'b', 'c', 'd'],
    samplesByHost: { a: ok, b: [errorOnly, errorOnly], c: [partial, ok[1]!] },
    collectionMethod: 'mixed',
    intervalStats: { ticks: 8, samples: 7, skipped_ticks: 1, failed_samples: 2 },
  };
  const data = buildTimeSeriesData(new FakeRun(run));

  it('fills the DESIGN §3 fields truthfully', () => {
    expect(data.collection_interval_seconds).toBe(0.5);
    // The reference's whole-second form, with the exact times beside it.
    expect(data.start_time).toBe('2026-01-24T12:00:00Z');
    expect(data.end_time).toBe('2026-01-24T12:00:03Z');
    expect(data.start_time_ms).toBe(Date.UTC(2026, 0, 24, 12, 0, 0, 123));
    expect(data.end_time_ms).toBe(Date.UTC(2026, 0, 24, 12, 0, 3, 7));
    expect(data.num_samples).toBe(3 + 2 + 2);
    expect(data.collection_method).toBe('mixed');
    expect(data.hosts_requested).toEqual(['a', 'b', 'c', 'd']);
    expect(data.hosts_collected).toEqual(['a', 'c']);
    expect(data.format_version).toBe(FORMAT_VERSION);
    expect(data.interval_stats).toEqual(run.intervalStats);
  });

  it('lists every requested host, even one that returned nothing', () => {
    expect(data.samples_by_host.d).toEqual([]);
    expect(data.host_status).toEqual({
      a: { status: 'ok', samples: 3, good_samples: 3, error_samples: 0, source_error_samples: 0 },
      b: { status: 'failed', samples: 2, good_samples: 0, error_samples: 2, source_error_samples: 0, last_error: 'ssh: connection refused' },
      // A failed source in a sample with data: partial, but not an error sample (host-health.ts).
      c: { status: 'partial', samples: 2, good_samples: 2, error_samples: 0, source_error_samples: 1, last_error: 'vmstat: EACCES' },
      d: { status: 'failed', samples: 0, good_samples: 0, error_samples: 0, source_error_samples: 0 },
    });
  });

  it('prefers the collector host status where it has one', () => {
    const withStatus = buildTimeSeriesData(
      new FakeRun({ ...run, hostStatus: { b: { status: 'failed', samples: 2, error_samples: 2, reconnects: 4 } } }),
    );
    expect(withStatus.host_status?.b?.reconnects).toBe(4);
    expect(withStatus.host_status?.a).toEqual(deriveHostStatus(ok));
  });

  it('writes null times for a run that never started, and no stats when unknown', () => {
    const empty = buildTimeSeriesData(
      new FakeRun({ intervalSeconds: 10, startTime: null, endTime: null, hostsRequested: ['x'], samplesByHost: {}, collectionMethod: 'local' }),
    );
    expect(empty).toMatchObject({ start_time: null, end_time: null, num_samples: 0, hosts_collected: [], samples_by_host: { x: [] } });
    expect('interval_stats' in empty).toBe(false);
  });

  it('serialises with indent 2 and loads back equal', () => {
    const text = serializeTimeSeriesData(data);
    expect(text).toBe(JSON.stringify(data, null, 2));
    expect(text.split('\n')[1]).toBe('  "collection_interval_seconds": 0.5,');
    expect(parseTimeSeriesData(text)).toEqual(data);
  });

  it('does not alias the collector arrays', () => {
    expect(data.samples_by_host.a).not.toBe(ok);
    expect(data.hosts_requested).not.toBe(run.hostsRequested);
  });
});

describe('parseTimeSeriesData errors name the field', () => {
  const cases: Array<[string, (doc: Record<string, any>) => void, string]> = [
    ['bad timestamp', (d) => (d.samples_by_host.node1[2].timestamp = 42), 'samples_by_host.node1[2].timestamp: expected an ISO-8601 string, got 42'],
    ['garbage timestamp', (d) => (d.samples_by_host.node1[0].timestamp = 'yesterday'), 'samples_by_host.node1[0].timestamp: expected an ISO-8601 string, got "yesterday"'],
    ['missing hostname', (d) => delete d.samples_by_host.node1[1].hostname, 'samples_by_host.node1[1].hostname: expected a string, got nothing (missing)'],
    ['string counter', (d) => (d.samples_by_host.node1[0].diskstats[0].sectors_read = '12'), 'samples_by_host.node1[0].diskstats[0].sectors_read: expected a finite number, got "12"'],
    ['nameless disk', (d) => delete d.samples_by_host.node1[0].diskstats[0].device_name, 'samples_by_host.node1[0].diskstats[0].device_name: expected a string'],
    ['vmstat value', (d) => (d.samples_by_host.node2[0].vmstat.nr_free_pages = [1]), 'samples_by_host.node2[0].vmstat.nr_free_pages: expected a finite number, got an array'],
    ['meminfo not object', (d) => (d.samples_by_host.node1[0].meminfo = 'x'), 'samples_by_host.node1[0].meminfo: expected an object, got "x"'],
    ['netdev name', (d) => (d.samples_by_host.node1[0].netdev[1].interface_name = 7), 'samples_by_host.node1[0].netdev[1].interface_name: expected a string, got 7'],
    ['loadavg', (d) => (d.samples_by_host.node1[0].loadavg.load_1min = true), 'samples_by_host.node1[0].loadavg.load_1min: expected a finite number, got true'],
    ['errors', (d) => (d.samples_by_host.node2[1].errors.ssh = 1), 'samples_by_host.node2[1].errors.ssh: expected a string, got 1'],
    ['sample not object', (d) => (d.samples_by_host.node1[1] = 'x'), 'samples_by_host.node1[1]: expected an object, got "x"'],
    ['host not list', (d) => (d.samples_by_host['10.0.0.1'] = {}), 'samples_by_host["10.0.0.1"]: expected an array, got an object'],
    ['interval', (d) => (d.collection_interval_seconds = '10'), 'collection_interval_seconds: expected a finite number, got "10"'],
    ['negative interval', (d) => (d.collection_interval_seconds = -1), 'collection_interval_seconds: expected a number >= 0, got -1'],
    ['num_samples', (d) => (d.num_samples = 1.5), 'num_samples: expected a non-negative integer, got 1.5'],
    ['missing samples_by_host', (d) => delete d.samples_by_host, 'samples_by_host: expected an object, got nothing (missing)'],
    ['method', (d) => (d.collection_method = 'mpi'), 'collection_method: expected one of "local", "ssh", "mixed", got "mpi"'],
    ['hosts_collected', (d) => (d.hosts_collected = ['a', null]), 'hosts_collected[1]: expected a string, got null'],
    ['start_time', (d) => (d.start_time = '2026-02-30T00:00:00Z'), 'start_time: expected an ISO-8601 string, got "2026-02-30T00:00:00Z"'],
    ['host_status', (d) => (d.host_status = { node1: { status: 'great', samples: 1, error_samples: 0 } }), 'host_status.node1.status: expected one of ok, partial, failed, got "great"'],
    ['interval_stats', (d) => (d.interval_stats = { ticks: 1, samples: 1, skipped_ticks: -1, failed_samples: 0 }), 'interval_stats.skipped_ticks: expected a non-negative integer, got -1'],
    ['newer format', (d) => (d.format_version = FORMAT_VERSION + 1), `format_version: this mlps reads format versions 1 to ${FORMAT_VERSION}, the file has ${FORMAT_VERSION + 1}`],
    ['cpu', (d) => (d.samples_by_host.node1[0].cpu = { total: { user: 'x' } }), 'samples_by_host.node1[0].cpu.total.user: expected a finite number, got "x"'],
    ['pressure', (d) => (d.samples_by_host.node1[0].pressure = { io: { some: { avg10: null } } }), 'samples_by_host.node1[0].pressure.io.some.avg10: expected a finite number, got null'],
  ];

  it.each(cases)('%s', (_name, mutate, message) => {
    const doc = pythonDoc();
    mutate(doc);
    const err = errorOf(() => parseTimeSeriesData(doc));
    expect(isMlpsError(err)).toBe(true);
    expect(err.code).toBe('INVALID_FORMAT');
    expect(err.message).toContain(message);
    // The same through text, so the CLI's path (reading a file) reports the same.
    expect(errorOf(() => parseTimeSeriesData(JSON.stringify(doc))).message).toContain(message);
  });

  it('rejects a document that is not an object', () => {
    for (const input of [[], 42, null, '"text"']) {
      const err = errorOf(() => parseTimeSeriesData(input));
      expect(err.code).toBe('INVALID_FORMAT');
      expect(err.message).toMatch(/^\(document\): expected an object/);
    }
  });

  it('reports where JSON text is broken', () => {
    const broken = pythonText.replace('"num_samples": 6,', '"num_samples": 6,,');
    const err = errorOf(() => parseTimeSeriesData(broken));
    expect(err.code).toBe('INVALID_FORMAT');
    expect(err.message).toMatch(/not valid JSON at line 5 column \d+ \(position \d+\)/);
    const truncated = errorOf(() => parseTimeSeriesData(pythonText.slice(0, 1000)));
    expect(truncated.code).toBe('INVALID_FORMAT');
    expect(truncated.message).toMatch(/not valid JSON/);
    expect(errorOf(() => parseTimeSeriesData('')).code).toBe('INVALID_FORMAT');
  });
});

describe('parseTimestampMs', () => {
  it.each([
    ['2026-01-24T12:00:00.123Z', Date.UTC(2026, 0, 24, 12, 0, 0, 123)],
    ['2026-01-24T12:00:00Z', Date.UTC(2026, 0, 24, 12)],
    ['2026-01-24T12:00:00', Date.UTC(2026, 0, 24, 12)],
    ['2026-01-24T12:00:00.123456', Date.UTC(2026, 0, 24, 12, 0, 0, 123) + 0.456],
    ['2026-01-24T12:00:00+00:00', Date.UTC(2026, 0, 24, 12)],
    ['2026-01-24T14:00:00+02:00', Date.UTC(2026, 0, 24, 12)],
    ['2026-01-24 12:00:00', Date.UTC(2026, 0, 24, 12)],
  ])('%s', (text, expected) => {
    expect(parseTimestampMs(text)).toBeCloseTo(expected, 3);
  });

  it.each(['', 'now', '2026-13-01T00:00:00Z', '2026-02-29T00:00:00Z', '2026-01-24T25:00:00Z', '1706097600'])('rejects %j', (text) => {
    expect(parseTimestampMs(text)).toBeNull();
  });
});

describeWithTools(['python3'], 'a document mlps writes loads in Python', () => {
  it("loads with from_dict semantics (unknown keys ignored), counters intact", () => {
    const real = parseTimeSeriesData(pythonText).samples_by_host.node1!;
    const data = buildTimeSeriesData(
      new FakeRun({
        intervalSeconds: 10,
        startTime: new Date(Date.UTC(2026, 0, 24, 12)),
        endTime: new Date(Date.UTC(2026, 0, 24, 12, 1)),
        hostsRequested: ['n1'],
        samplesByHost: { n1: real.map((s) => ({ ...s, uptime_seconds: 12.5, cpu: { total: { user: 1, nice: 0, system: 0, idle: 9, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guest_nice: 0 }, per_cpu: [] } })) },
        collectionMethod: 'local',
      }),
    );
    // The reference's dataclasses; from_dict keeps the fields it knows and ignores the rest.
    const script = `
import json, sys
from dataclasses import dataclass, fields
from datetime import datetime
@dataclass
class TimeSeriesSample:
    timestamp: str
    hostname: str
    diskstats: list = None
    vmstat: dict = None
    meminfo: dict = None
    loadavg: dict = None
    netdev: list = None
    errors: dict = None
@dataclass
class TimeSeriesData:
    collection_interval_seconds: float
    start_time: str
    end_time: str
    num_samples: int
    samples_by_host: dict
    collection_method: str
    hosts_requested: list
    hosts_collected: list
def known(cls, d):
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}
d = json.load(sys.stdin)
data = TimeSeriesData(**known(TimeSeriesData, d))
data.samples_by_host = {h: [TimeSeriesSample(**known(TimeSeriesSample, s)) for s in ss] for h, ss in data.samples_by_host.items()}
s = data.samples_by_host['n1'][2]
datetime.fromisoformat(s.timestamp.replace('Z', '+00:00'))
print(json.dumps([data.num_samples, data.hosts_collected, s.diskstats[0]['sectors_read'], s.meminfo['MemTotal']]))`;
    const out = execFileSync('python3', ['-c', script], { input: serializeTimeSeriesData(data), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([3, ['n1'], real[2]!.diskstats![0]!.sectors_read, real[2]!.meminfo!.MemTotal]);
  });
});
