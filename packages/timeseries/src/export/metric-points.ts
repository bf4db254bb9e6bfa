/**
 * The flat view of one sample that the exports write: every counter and gauge as a point with its raw value
 * and unit (as recorded, for CSV) and its OpenMetrics family, labels and base-unit value (node_exporter names
 * where node_exporter has one, so existing Grafana dashboards and PromQL work unchanged).
 *
 * Each `/proc` source declares its own mapping (`ProcSource.metrics`, see `proc/metrics.ts`); this module
 * only iterates the registry, so a new source's points appear here without a line changed.
 */
import type { MetricLabels, MetricPoint, MetricSink, OpenMetricsFamily } from '../proc/metrics';
import { RECORD_SOURCES, type ProcSource } from '../proc/registry';
import type { TimeSeriesSample } from '../types';

export type { MetricPoint, OpenMetricsFamily } from '../proc/metrics';

/** Points that have no OpenMetrics counterpart (family name `''`): exported to CSV and JSON Lines only. */
const CSV_ONLY: OpenMetricsFamily = { name: '', type: 'unknown', unit: '', help: '' };

/** `sources` in export order (see `ProcSourceMetrics.exportOrder`; the sort is stable for ties). */
function inExportOrder(sources: readonly ProcSource[]): readonly ProcSource[] {
  return Object.freeze([...sources].sort((a, b) => a.metrics.exportOrder - b.metrics.exportOrder));
}

const REGISTRY_IN_EXPORT_ORDER = inExportOrder(RECORD_SOURCES);

/** Collects the points of one sample; `source` is the name of the source being emitted. */
class PointCollector implements MetricSink {
  readonly points: MetricPoint[] = [];
  source = '';

  point(device: string, metric: string, value: unknown, unit: string, family: OpenMetricsFamily, labels: MetricLabels, scale: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    this.points.push({ source: this.source, device, metric, value, unit, family, labels, baseValue: value * scale });
  }

  csvOnly(device: string, metric: string, value: unknown, unit: string): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    this.points.push({ source: this.source, device, metric, value, unit, family: CSV_ONLY, labels: [], baseValue: value });
  }
}

/**
 * The points of `sample` from the given sources, each source's mapping applied to the value under its
 * sample key, in export order. {@link sampleMetricPoints} is this over the registry; tests pass a registry
 * copy with an extra source to show that nothing else lists sources.
 */
export function metricPointsFromSources(sample: TimeSeriesSample, sources: readonly ProcSource[]): MetricPoint[] {
  return collect(sample, sources === RECORD_SOURCES ? REGISTRY_IN_EXPORT_ORDER : inExportOrder(sources));
}

function collect(sample: TimeSeriesSample, ordered: readonly ProcSource[]): MetricPoint[] {
  const collector = new PointCollector();
  const record = sample as unknown as Record<string, unknown>;
  for (const source of ordered) {
    const value = record[source.field];
    if (value === undefined || value === null) continue;
    collector.source = source.name;
    source.metrics.emit(value, collector);
  }
  return collector.points;
}

/**
 * Every counter and gauge of `sample` as {@link MetricPoint}s, in a stable order. Missing sources yield
 * nothing; non-numeric values are skipped (never throws).
 */
export function sampleMetricPoints(sample: TimeSeriesSample): MetricPoint[] {
  return collect(sample, REGISTRY_IN_EXPORT_ORDER);
}
