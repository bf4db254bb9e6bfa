/**
 * The vocabulary a `/proc` source uses to declare its metric mapping for export (DESIGN §4 "Data path"):
 * how one of its records becomes points, each with the raw value and unit as recorded (CSV, JSON Lines)
 * and its OpenMetrics family, labels and base-unit value (node_exporter names where node_exporter has one,
 * so existing Grafana dashboards and PromQL work unchanged). Each source module declares its own mapping
 * (`ProcSource.metrics`); `export/metric-points.ts` only iterates the registry.
 */

/** An OpenMetrics metric family. `name` excludes the `_total` suffix of counters. */
export interface OpenMetricsFamily {
  name: string;
  type: 'counter' | 'gauge' | 'unknown';
  /** Base unit (`bytes`, `seconds`) or `''`; when set, `name` ends with `_<unit>` as OpenMetrics requires. */
  unit: string;
  help: string;
}

/** One value of one sample. */
export interface MetricPoint {
  /** The sample source (`diskstats`, `netdev`, `cpu`, `meminfo`, `vmstat`, `loadavg`, `pressure`, `uptime`). */
  source: string;
  /** Device, interface, CPU (`cpu0`, or `cpu` for the aggregate) or PSI resource; `''` when none. */
  device: string;
  /** Field name as recorded in the sample (`sectors_read`, `MemAvailable`, `some_total`). */
  metric: string;
  /** Value as recorded. */
  value: number;
  /** Unit of {@link value} (`sectors`, `ms`, `kB`, `ticks`, `us`, `bytes`, `count`, …). */
  unit: string;
  family: OpenMetricsFamily;
  /** Labels besides `host`, in order. */
  labels: ReadonlyArray<readonly [string, string]>;
  /** {@link value} in the family's base unit. */
  baseValue: number;
}

/** Labels of a point besides `host`, in order. */
export type MetricLabels = ReadonlyArray<readonly [string, string]>;

/**
 * Where a source's {@link ProcSourceMetrics.emit} puts its points. The sink stamps each point with the
 * source's name and skips values that are not finite numbers, so a mapping never checks them itself.
 */
export interface MetricSink {
  /** A point with an OpenMetrics family; its base value is `value × scale`. */
  point(device: string, metric: string, value: unknown, unit: string, family: OpenMetricsFamily, labels: MetricLabels, scale: number): void;
  /** A point without an OpenMetrics counterpart: written to CSV and JSON Lines only. */
  csvOnly(device: string, metric: string, value: unknown, unit: string): void;
}

/** A source's metric mapping: how one of its records (the value under its sample key) becomes points. */
export interface ProcSourceMetrics {
  /**
   * Where this source's points come in a sample's export, lowest first. The export order predates the
   * registry (disks, network, CPU, memory, VM, load, pressure, uptime) and is kept so that CSV rows and
   * OpenMetrics family order stay byte-identical; a new source takes the next number.
   */
  readonly exportOrder: number;
  /**
   * Emits the points of `record`, in a stable order. `record` is whatever a sample holds under the source's
   * key (possibly malformed, from a file): anything unexpected yields nothing. Never throws.
   */
  emit(record: unknown, sink: MetricSink): void;
}

/** A field's mapping: name in the record, unit as recorded, OpenMetrics family, factor to the base unit. */
export type MetricFieldSpec = readonly [field: string, unit: string, family: OpenMetricsFamily, scale: number];

/** An OpenMetrics counter family. */
export const counterFamily = (name: string, unit: string, help: string): OpenMetricsFamily => ({ name, type: 'counter', unit, help });
/** An OpenMetrics gauge family. */
export const gaugeFamily = (name: string, unit: string, help: string): OpenMetricsFamily => ({ name, type: 'gauge', unit, help });

/** `Active(anon)` → `Active_anon`, as node_exporter names meminfo and vmstat keys. */
export function sanitizeMetricName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
}

/** True for a non-null object that is not an array. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The mapping of a source whose record is one object of fixed fields (`loadavg`): each listed field
 * present as a number is one point without labels.
 */
export function recordMetrics(exportOrder: number, fields: readonly MetricFieldSpec[]): ProcSourceMetrics {
  return Object.freeze({
    exportOrder,
    emit(record: unknown, sink: MetricSink): void {
      if (!isPlainRecord(record)) return;
      for (const [field, unit, family, scale] of fields) sink.point('', field, record[field], unit, family, [], scale);
    },
  });
}

/**
 * The mapping of a source whose record is a list of named entries (`diskstats` by `device_name`, `netdev`
 * by `interface_name`): each listed field of each entry is one point, labelled `device="<name>"`.
 */
export function recordListMetrics(exportOrder: number, nameField: string, fields: readonly MetricFieldSpec[]): ProcSourceMetrics {
  return Object.freeze({
    exportOrder,
    emit(record: unknown, sink: MetricSink): void {
      if (!Array.isArray(record)) return;
      for (const entry of record as unknown[]) {
        const name = isPlainRecord(entry) ? entry[nameField] : undefined;
        if (typeof name !== 'string') continue;
        const labels = [['device', name]] as const;
        const values = entry as Record<string, unknown>;
        for (const [field, unit, family, scale] of fields) sink.point(name, field, values[field], unit, family, labels, scale);
      }
    },
  });
}

/**
 * `make` remembered by key: each key's value is made once (families whose name derives from a key found
 * at run time: a meminfo key, a cifs counter), so every point of that key shares one object.
 */
export function memoByKey<V>(make: (key: string) => V): (key: string) => V {
  const made = new Map<string, V>();
  return (key: string): V => {
    if (made.has(key)) return made.get(key) as V;
    const value = make(key);
    made.set(key, value);
    return value;
  };
}

/** How one key of a keyed source (`meminfo`, `vmstat`) maps: unit as recorded, family, factor to the base unit. */
export interface KeyedMetric {
  readonly unit: string;
  readonly family: OpenMetricsFamily;
  readonly scale: number;
}

/**
 * The mapping of a source whose record is key → number with keys known only at run time (`meminfo`,
 * `vmstat`): each key whose sanitised name is not empty is one point of its own family. `metricOf` is
 * called once per key (the result is kept), so every point of a key shares one family object.
 */
export function keyedMetrics(exportOrder: number, metricOf: (key: string, name: string) => KeyedMetric): ProcSourceMetrics {
  const metricOfKey = memoByKey((key): KeyedMetric | null => {
    const name = sanitizeMetricName(key);
    return name === '' ? null : metricOf(key, name);
  });
  return Object.freeze({
    exportOrder,
    emit(record: unknown, sink: MetricSink): void {
      if (!isPlainRecord(record)) return;
      for (const key in record) {
        if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
        const metric = metricOfKey(key);
        if (metric !== null) sink.point('', key, record[key], metric.unit, metric.family, [], metric.scale);
      }
    },
  });
}
