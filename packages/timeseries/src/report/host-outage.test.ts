// Issue 11: a host's outage (error samples while it did not answer) is a gap in the report and shaded in
// the HTML report's data; /metrics says whether each host is up and counts its error samples.
import { collectTimeseriesSampleSync } from '../sampling';
import { buildReport } from './build-report';
import { buildReportChartData } from './chart-data';
import { renderPrometheusMetrics } from '../live/prometheus-text';
import { JournalTail } from '../live/journal-tail';
import { JournalWriter } from '../journal';
import { buildTimeSeriesData } from '../format';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TimeSeriesData, TimeSeriesSample } from '../types';

const T0 = Date.parse('2026-12-01T10:00:00Z');
/** The reference's timestamp form, as samples carry it. */
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Real samples of this machine's /proc, one per second from T0; `down` ticks are error samples. */
function run(ticks: number, down: (i: number) => boolean): TimeSeriesSample[] {
  const out: TimeSeriesSample[] = [];
  for (let i = 0; i < ticks; i++) {
    out.push(
      down(i)
        ? { timestamp: iso(T0 + i * 1000), timestamp_ms: T0 + i * 1000, hostname: 'node2', errors: { ssh: 'not connected: connect ECONNREFUSED' } }
        : collectTimeseriesSampleSync({ wallMs: T0 + i * 1000, hostname: 'node2' }),
    );
  }
  return out;
}

function dataOf(samples: TimeSeriesSample[]): TimeSeriesData {
  return buildTimeSeriesData({
    describeRun: () => ({
      intervalSeconds: 1,
      startTime: new Date(T0),
      endTime: new Date(T0 + samples.length * 1000),
      hostsRequested: ['node2'],
      samplesByHost: { node2: samples },
      collectionMethod: 'ssh',
    }),
  });
}

const metric = (text: string, name: string): number | null => {
  const m = new RegExp(`^${name}\\{host="node2"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
};

describe('host outages in the report and /metrics', () => {
  it('error samples between good ones are one gap from the last good sample to the next, shaded in the chart data', () => {
    const data = dataOf(run(10, (i) => i >= 3 && i <= 6));
    const host = buildReport(data).hosts[0]!;
    expect(host.gaps).toEqual([{ from: iso(T0 + 2000), to: iso(T0 + 7000), seconds: 5 }]);
    const chart = buildReportChartData(data);
    expect(chart.gaps).toEqual([{ host: 'node2', from: (T0 + 2000) / 1000, to: (T0 + 7000) / 1000 }]);
  });

  it('an outage at the end is a gap to the last error sample; a host that never answered is one gap over the run', () => {
    expect(buildReport(dataOf(run(6, (i) => i >= 4))).hosts[0]!.gaps).toEqual([
      { from: iso(T0 + 3000), to: iso(T0 + 5000), seconds: 2 },
    ]);
    expect(buildReport(dataOf(run(4, () => true))).hosts[0]!.gaps).toEqual([
      { from: iso(T0), to: iso(T0 + 3000), seconds: 3 },
    ]);
    expect(buildReport(dataOf(run(5, () => false))).hosts[0]!.gaps).toEqual([]);
  });

  it('/metrics: mlps_host_up follows the latest sample; error and good samples are counters', () => {
    const down = renderPrometheusMetrics(dataOf(run(6, (i) => i >= 4)));
    expect(metric(down, 'mlps_host_up')).toBe(0);
    expect(metric(down, 'mlps_host_error_samples_total')).toBe(2);
    expect(metric(down, 'mlps_host_good_samples_total')).toBe(4);
    expect(down).toMatch(/^# TYPE mlps_host_error_samples_total counter$/m);
    const back = renderPrometheusMetrics(dataOf(run(6, (i) => i === 2)));
    expect(metric(back, 'mlps_host_up')).toBe(1);
    expect(metric(back, 'mlps_host_error_samples_total')).toBe(1);
  });

  it('the live journal tail counts error samples over every line, not only those it keeps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlps-outage-tail-'));
    try {
      const path = join(dir, 'run_timeseries.jsonl');
      const w = JournalWriter.open(path, { collection_interval_seconds: 1, hosts_requested: ['node2'], collection_method: 'ssh', start_time: null });
      for (const s of run(12, (i) => i < 5)) w.append('node2', s);
      w.close();
      const tail = new JournalTail(path, { maxSamplesPerHost: 3 });
      tail.poll();
      const data = tail.data();
      expect(data.samples_by_host.node2).toHaveLength(3);
      expect(data.host_status?.node2).toMatchObject({ samples: 12, error_samples: 5, good_samples: 7 });
      const text = renderPrometheusMetrics(data);
      expect(metric(text, 'mlps_host_error_samples_total')).toBe(5);
      expect(metric(text, 'mlps_host_up')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
