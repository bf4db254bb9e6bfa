/**
 * The latest state of a running collection in the Prometheus text exposition format (0.0.4), for
 * `/metrics`: current rates as `mlps_*` gauges (from `deriveRates` over each host's last two samples) and
 * the latest raw counters under their node_exporter names, so Prometheus can also compute its own rates.
 */
import { deriveRates } from '../rates';
import { hostStatusFromSamples, isGoodSample } from '../host-health';
import type { TimeSeriesData, TimeSeriesSample } from '../types';
import { sampleMetricPoints } from '../export/metric-points';
import { escapeLabelValue, formatOpenMetricsNumber } from '../export/openmetrics-spill';
import { sampleTimeMs } from '../timestamps';

/** Content type of {@link renderPrometheusMetrics}. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  help: string;
  type: 'gauge' | 'counter' | 'untyped';
  lines: string[];
}

class Families {
  private readonly map = new Map<string, Family>();
  add(name: string, type: Family['type'], help: string, labels: ReadonlyArray<readonly [string, string]>, value: number | null | undefined): void {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    let f = this.map.get(name);
    if (f === undefined) {
      f = { help, type, lines: [] };
      this.map.set(name, f);
    }
    const l = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
    f.lines.push(`${name}${l === '' ? '' : `{${l}}`} ${formatOpenMetricsNumber(value)}`);
  }
  render(): string {
    const out: string[] = [];
    for (const [name, f] of this.map) {
      out.push(`# HELP ${name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${f.type}`, ...f.lines);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
}

/** The last two samples of a host (the rates window), or only the last. */
function lastTwo(samples: readonly TimeSeriesSample[]): [TimeSeriesSample | undefined, TimeSeriesSample | undefined] {
  return [samples[samples.length - 2], samples[samples.length - 1]];
}

/**
 * Renders `/metrics` for the current state of a run: per host `mlps_samples`, `mlps_host_up` (latest sample
 * has data), `mlps_host_error_samples_total` and `mlps_host_good_samples_total`, the last sample's time, the
 * current rates (disk bytes/s, IOPS, await, utilisation; network bytes/s; CPU by mode; memory used) and the
 * last sample's counters under node_exporter names (no timestamps: Prometheus stamps its scrape).
 */
export function renderPrometheusMetrics(data: TimeSeriesData): string {
  const fam = new Families();
  const raw = new Families();
  for (const [host, samples] of Object.entries(data.samples_by_host)) {
    const h = ['host', host] as const;
    fam.add('mlps_samples', 'gauge', 'Samples collected from the host in this run (kept in memory).', [h], samples.length);
    const [prev, cur] = lastTwo(samples);
    // Host health (the rule of host-health.ts): up while its latest sample has data; error samples are
    // counted over the whole run when the source knows them (host_status), else over the samples kept.
    const status = data.host_status?.[host] ?? hostStatusFromSamples(samples);
    fam.add('mlps_host_up', 'gauge', '1 when the host\'s latest sample has data, 0 while it does not answer (or before its first sample).', [h], cur !== undefined && isGoodSample(cur) ? 1 : 0);
    fam.add('mlps_host_error_samples_total', 'counter', 'Error samples of the host in this run: ticks it did not answer (unreachable, lost, timed out).', [h], status.error_samples);
    fam.add('mlps_host_good_samples_total', 'counter', 'Samples with data from the host in this run.', [h], status.good_samples ?? status.samples - status.error_samples);
    if (cur === undefined) continue;
    const ms = sampleTimeMs(cur) ?? NaN;
    fam.add('mlps_last_sample_timestamp_seconds', 'gauge', 'Time of the host\'s latest sample.', [h], Number.isFinite(ms) ? ms / 1000 : null);
    const rates = prev === undefined ? null : deriveRates(prev, cur);
    if (rates !== null) {
      fam.add('mlps_rate_interval_seconds', 'gauge', 'Interval the current rates are computed over.', [h], rates.intervalSeconds);
      for (const d of Object.values(rates.disks)) {
        const l = [h, ['device', d.device]] as const;
        fam.add('mlps_disk_read_bytes_per_second', 'gauge', 'Disk read throughput over the last interval.', l, d.readBytesPerSec);
        fam.add('mlps_disk_written_bytes_per_second', 'gauge', 'Disk write throughput over the last interval.', l, d.writeBytesPerSec);
        fam.add('mlps_disk_reads_per_second', 'gauge', 'Reads completed per second over the last interval.', l, d.readIops);
        fam.add('mlps_disk_writes_per_second', 'gauge', 'Writes completed per second over the last interval.', l, d.writeIops);
        fam.add('mlps_disk_read_await_seconds', 'gauge', 'Mean time per read completed in the last interval (r_await).', l, d.rAwaitMs === null ? null : d.rAwaitMs / 1000);
        fam.add('mlps_disk_write_await_seconds', 'gauge', 'Mean time per write completed in the last interval (w_await).', l, d.wAwaitMs === null ? null : d.wAwaitMs / 1000);
        fam.add('mlps_disk_utilization_ratio', 'gauge', 'Share of the last interval the device had I/O in flight (%util / 100).', l, d.utilPercent / 100);
        fam.add('mlps_disk_queue_size', 'gauge', 'Mean requests in flight over the last interval (aqu-sz).', l, d.aquSz);
      }
      for (const n of Object.values(rates.net)) {
        const l = [h, ['device', n.interface]] as const;
        fam.add('mlps_network_receive_bytes_per_second', 'gauge', 'Bytes received per second over the last interval.', l, n.rxBytesPerSec);
        fam.add('mlps_network_transmit_bytes_per_second', 'gauge', 'Bytes transmitted per second over the last interval.', l, n.txBytesPerSec);
      }
      if (rates.cpu !== null) {
        for (const [mode, pct] of Object.entries(rates.cpu)) {
          fam.add('mlps_cpu_ratio', 'gauge', 'Share of CPU time per mode over the last interval (all CPUs).', [h, ['mode', mode]], pct / 100);
        }
      }
      if (rates.memory !== null) fam.add('mlps_memory_used_bytes', 'gauge', 'Memory in use (MemTotal - MemAvailable).', [h], rates.memory.usedBytes);
    }
    for (const p of sampleMetricPoints(cur)) {
      if (p.family.name === '') continue;
      const name = p.family.type === 'counter' ? `${p.family.name}_total` : p.family.name;
      raw.add(name, p.family.type === 'unknown' ? 'untyped' : p.family.type, p.family.help, [h, ...p.labels], p.baseValue);
    }
  }
  return fam.render() + raw.render();
}
