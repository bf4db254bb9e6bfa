import type { DiskStatsRecord, TimeSeriesData, TimeSeriesSample } from '../types';
import { workloadShareLine } from './storage-summary';
import { buildReport, reportStat } from './build-report';
import { aggregateDevices, isPartition } from './host-series';
import { renderReportJson, renderReportMarkdown, renderReportText } from './render-summary';
import { buildReportChartData } from './chart-data';
import { escapeJsonForScript, renderReportHtml } from './render-html';

const T0 = Date.UTC(2026, 0, 24, 12, 0, 0);

function disk(name: string, sectorsRead: number, reads: number, ioMs: number, readMs: number): DiskStatsRecord {
  return {
    major: 8, minor: name === 'sda' ? 0 : 1, device_name: name,
    reads_completed: reads, reads_merged: 0, sectors_read: sectorsRead, time_reading_ms: readMs,
    writes_completed: 0, writes_merged: 0, sectors_written: 0, time_writing_ms: 0,
    ios_in_progress: 0, time_doing_ios_ms: ioMs, weighted_time_doing_ios_ms: ioMs,
  };
}

/**
 * Host "h" reads 10, 20, 30, 40 MB/s (1 s apart, sample 4 missing → a gap), with 100 reads/s of 2 ms
 * each and 50 % util; the partition sda1 mirrors sda and must not double the totals.
 */
function crafted(): TimeSeriesData {
  const mbps = [10, 20, 30, 40];
  const samples: TimeSeriesSample[] = [];
  let sectors = 0;
  let reads = 0;
  let io = 0;
  let readMs = 0;
  let t = 0;
  const times = [0, 1, 2, 3, 5];
  for (let i = 0; i < times.length; i++) {
    if (i > 0) {
      const dt = times[i]! - times[i - 1]!;
      sectors += (mbps[i - 1]! * 1e6 * dt) / 512;
      reads += 100 * dt;
      readMs += 200 * dt;
      io += 500 * dt;
    }
    t = times[i]!;
    samples.push({
      timestamp: new Date(T0 + t * 1000).toISOString(),
      hostname: 'real-h',
      uptime_seconds: 1000 + t,
      diskstats: [disk('sda', sectors, reads, io, readMs), disk('sda1', sectors, reads, io, readMs)],
      meminfo: { MemTotal: 8 * 1024 * 1024, MemAvailable: 6 * 1024 * 1024, Cached: 1024, Buffers: 0 },
      cpu: {
        total: { user: 50 * i, nice: 0, system: 25 * i, idle: 25 * i, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guest_nice: 0 },
        per_cpu: [],
      },
      pressure: { io: { some: { avg10: 0, avg60: 0, avg300: 0, total: 250_000 * t } } },
    });
  }
  return {
    collection_interval_seconds: 1,
    start_time: samples[0]!.timestamp,
    end_time: samples[samples.length - 1]!.timestamp,
    num_samples: samples.length,
    samples_by_host: { h: samples, dead: [] },
    collection_method: 'local',
    hosts_requested: ['h', 'dead'],
    hosts_collected: ['h'],
    host_status: { h: { status: 'ok', samples: 5, error_samples: 0 }, dead: { status: 'failed', samples: 0, error_samples: 3, last_error: 'connect ECONNREFUSED' } },
    interval_stats: { ticks: 6, samples: 5, skipped_ticks: 1, failed_samples: 0 },
  };
}

describe('buildReport', () => {
  const report = buildReport(crafted(), { benchmark: 'training', parameters: { model: 'unet3d', dataset: { num_files: 400 } } });
  const h = report.hosts[0]!;

  it('summarises disk throughput over whole disks only (partitions not double counted)', () => {
    expect(h.disk.readMBps!.mean).toBeCloseTo(25, 9);
    expect(h.disk.readMBps!.p50).toBeCloseTo(25, 9);
    expect(h.disk.readMBps!.p95).toBeCloseTo(38.5, 9);
    expect(h.disk.readMBps!.max).toBeCloseTo(40, 9);
    expect(h.disk.readIops!.mean).toBeCloseTo(100, 9);
    expect(h.disk.readAwaitMs!.max).toBeCloseTo(2, 9);
    expect(h.disk.utilPercent!.mean).toBeCloseTo(50, 9);
    expect(h.disk.writeAwaitMs).toBeNull();
    expect(h.devices.map((d) => [d.device, d.inTotals])).toEqual([['sda', true], ['sda1', false]]);
  });

  it('reports CPU by mode, memory used, PSI, samples, gaps, skipped ticks and host status', () => {
    expect(h.cpu.user!.mean).toBeCloseTo(50, 9);
    expect(h.cpu.system!.mean).toBeCloseTo(25, 9);
    expect(h.cpu.busy!.mean).toBeCloseTo(75, 9);
    expect(h.memoryUsedGiB!.mean).toBeCloseTo(2, 9);
    expect(h.psi.io_some!.mean).toBeCloseTo(25, 9);
    expect(h.samples).toBe(5);
    expect(h.gaps).toEqual([{ from: new Date(T0 + 3000).toISOString(), to: new Date(T0 + 5000).toISOString(), seconds: 2 }]);
    expect(h.hostname).toBe('real-h');
    expect(h.status).toBe('ok');
    expect(report.skippedTicks).toBe(1);
    const dead = report.hosts[1]!;
    expect(dead).toMatchObject({ host: 'dead', status: 'failed', samples: 0, lastError: 'connect ECONNREFUSED' });
    expect(dead.disk.readMBps).toBeNull();
  });

  it('renders text, markdown and JSON with the figures', () => {
    const text = renderReportText(report);
    expect(text).toMatch(/h \(real-h\) \[ok\]: 5 samples, 1 gap/);
    expect(text).toMatch(/disk read MB\/s\s+25\.00\s+25\.00\s+38\.50\s+40\.00/);
    expect(text).toMatch(/1 skipped tick/);
    expect(text).toMatch(/dead \[failed\]: 0 samples/);
    const md = renderReportMarkdown(report);
    expect(md).toContain('| disk read MB/s | 25.00 | 25.00 | 38.50 | 40.00 |');
    expect(md).toContain('| sda1 ¹ |');
    const json = JSON.parse(renderReportJson(report)) as typeof report;
    expect(json.hosts[0]!.disk.readMBps!.p95).toBeCloseTo(38.5, 9);
    expect(json.meta.parameters).toEqual({ model: 'unet3d', dataset: { num_files: 400 } });
  });

  it('never throws on odd samples', () => {
    const data = crafted();
    data.samples_by_host.h!.push({ timestamp: 'not a time', hostname: 'x' }, { timestamp: new Date(T0 + 9000).toISOString(), hostname: 'x', diskstats: null as never, cpu: {} as never });
    expect(() => renderReportText(buildReport(data))).not.toThrow();
  });
});

describe('helpers', () => {
  it('reportStat interpolates percentiles and ignores non-finite values', () => {
    expect(reportStat([4, 1, null, 3, 2, NaN, undefined])).toEqual({ mean: 2.5, p50: 2.5, p95: expect.closeTo(3.85, 12), max: 4, count: 4 });
    expect(reportStat([])).toBeNull();
  });

  it('tells partitions and stacked devices from whole disks', () => {
    const all = new Set(['sda', 'sda1', 'nvme0n1', 'nvme0n1p2', 'sdp', 'sdp1', 'dm-0', 'loop0', 'md127']);
    expect(['sda1', 'nvme0n1p2', 'sdp1'].every((n) => isPartition(n, all))).toBe(true);
    expect(['sda', 'nvme0n1', 'sdp', 'dm-0', 'md127'].some((n) => isPartition(n, all))).toBe(false);
    expect([...aggregateDevices(all)].sort()).toEqual(['nvme0n1', 'sda', 'sdp']);
    expect([...aggregateDevices(['dm-0', 'dm-1', 'loop0'])].sort()).toEqual(['dm-0', 'dm-1']);
  });
});

describe('HTML report', () => {
  it('is one self-contained page: uPlot inlined, no external URL, data embedded safely', () => {
    const data = crafted();
    // A hostile host name must neither close the data script nor inject markup.
    data.samples_by_host['</script><img src=x onerror=alert(1)>'] = data.samples_by_host.h!;
    data.hosts_requested.push('</script><img src=x onerror=alert(1)>');
    const html = renderReportHtml(data, { benchmark: 'training' });
    expect(html).toContain('var uPlot=');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/https?:\/\/(?!github\.com\/leeoniya)/);
    expect(html.match(/<\/script>/g)!.length).toBe(3);
    const m = /<script type="application\/json" id="mlps-data">([\s\S]*?)<\/script>/.exec(html)!;
    const embedded = JSON.parse(m[1]!) as ReturnType<typeof buildReportChartData>;
    expect(embedded).toEqual(JSON.parse(JSON.stringify(buildReportChartData(data, { benchmark: 'training' }))));
    expect(embedded.hosts.map((x) => x.name)).toContain('</script><img src=x onerror=alert(1)>');
    expect(escapeJsonForScript('"</script>"')).toBe('"\\u003c/script>"');
  });

  it('has a chart per family with one series per host and device, gaps and metadata', () => {
    const c = buildReportChartData(crafted(), { benchmark: 'training', parameters: { model: 'unet3d' } });
    expect(c.charts.map((x) => x.id)).toEqual(['disk-throughput', 'disk-iops', 'disk-await', 'disk-util', 'cpu', 'memory', 'psi']);
    const tput = c.charts[0]!;
    // Whole disk only (the partition is not charted), reads only (no writes happened).
    expect(tput.series.map((s) => s.label)).toEqual(['h sda read', 'h sda write']);
    expect(tput.series[0]!.values.filter((v) => v !== null)).toEqual([10, 20, 30, 40].map((v) => expect.closeTo(v, 9)));
    expect(c.x.length).toBe(5);
    expect(c.gaps).toEqual([{ host: 'h', from: (T0 + 3000) / 1000, to: (T0 + 5000) / 1000 }]);
    expect(c.meta).toContainEqual(['benchmark', 'training']);
    expect(c.parameters).toEqual([['model', 'unet3d']]);
    expect(c.hosts.find((x) => x.name === 'dead')).toMatchObject({ status: 'failed', samples: 0 });
  });

  it("shows the metadata's runtime in seconds (it printed 'runtime: 20.128510936')", () => {
    const c = buildReportChartData(crafted(), { benchmark: 'training', metadata: { runtime: 20.128510936, model: 'unet3d' } });
    expect(c.meta).toContainEqual(['runtime', '20.1 s']);
    expect(c.meta).toContainEqual(['model', 'unet3d']);
  });
});

describe('the workload\'s share of the device traffic', () => {
  const figures = { seconds: 10, readBytes: 50e6, writeBytes: 400e6, readMBps: 5, writeMBps: 40 } as unknown as import('../storage/figures').DeviceRunFigures;
  const workload = { seconds: 10, readBytes: 10e6, writeBytes: 300e6, readMBps: 1, writeMBps: 30, rchar: 40e6, wchar: 300e6, rcharMBps: 4, wcharMBps: 30 };

  it('says what part of the device writes and reads the workload caused, and what the page cache served', () => {
    expect(workloadShareLine(workload, [{ device: 'loop0', figures }, { device: 'vda', figures: null }])).toBe(
      'the workload caused 75.00 % of the device writes and 20.00 % of the device reads; 75.00 % of what it read came from the page cache (or pipes, devices), not storage',
    );
    expect(workloadShareLine(workload, [{ device: 'vda', figures: null }])).toBeNull();
    expect(workloadShareLine({ ...workload, rchar: null }, [{ device: 'loop0', figures: { ...figures, readBytes: 0 } }])).toBe(
      'the workload caused 75.00 % of the device writes and n/a (none) of the device reads',
    );
  });
});
