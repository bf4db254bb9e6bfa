/**
 * Groups OpenMetrics lines by metric family and series while streaming. OpenMetrics wants every family's
 * samples contiguous and every series' points contiguous and in time order, but a run is read sample by
 * sample (all families and series interleaved). Lines are buffered per series and, past a byte budget,
 * appended to one temporary file per series, so memory stays bounded by the budget plus the series index.
 */
import { appendFileSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { MetricPoint, OpenMetricsFamily } from './metric-points';
import type { TextSink } from './text-sink';

interface Series {
  id: number;
  lines: string[];
  lastTimestamp: number;
  spilled: boolean;
}

interface FamilyEntry {
  family: OpenMetricsFamily;
  series: Map<string, Series>;
}

/** Escapes an OpenMetrics label value (backslash, double quote, newline). */
export function escapeLabelValue(value: string): string {
  if (!/[\\"\n]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text (backslash and newline). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Formats a number the way OpenMetrics parsers read it (`+Inf`/`NaN` never occur: points are finite). */
export function formatOpenMetricsNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toFixed(0) : String(value);
}

/** Buffers OpenMetrics lines per series and writes them out grouped by family (see the module comment). */
export class OpenMetricsSpill {
  private readonly families = new Map<string, FamilyEntry>();
  private bufferedChars = 0;
  private nextId = 0;
  /** Points dropped because their timestamp did not increase within their series (duplicate samples). */
  droppedPoints = 0;
  /** Points kept (sample lines that {@link writeTo} writes). */
  points = 0;

  /**
   * @param dir an existing empty directory for the per-series files (the caller removes it).
   * @param budgetChars characters buffered in memory before everything is appended to disk.
   */
  constructor(
    private readonly dir: string,
    private readonly budgetChars = 2 << 20,
  ) {}

  /** Adds one point of `host` at `timestampMs`. Points without an OpenMetrics family are ignored. */
  add(host: string, point: MetricPoint, timestampMs: number): void {
    const family = point.family;
    if (family.name === '') return;
    let entry = this.families.get(family.name);
    if (entry === undefined) {
      entry = { family, series: new Map() };
      this.families.set(family.name, entry);
    }
    let labels = `host="${escapeLabelValue(host)}"`;
    for (const [k, v] of point.labels) labels += `,${k}="${escapeLabelValue(v)}"`;
    let series = entry.series.get(labels);
    if (series === undefined) {
      series = { id: this.nextId++, lines: [], lastTimestamp: -Infinity, spilled: false };
      entry.series.set(labels, series);
    }
    if (timestampMs <= series.lastTimestamp) {
      this.droppedPoints++;
      return;
    }
    series.lastTimestamp = timestampMs;
    const name = family.type === 'counter' ? `${family.name}_total` : family.name;
    const line = `${name}{${labels}} ${formatOpenMetricsNumber(point.baseValue)} ${formatOpenMetricsNumber(timestampMs / 1000)}\n`;
    series.lines.push(line);
    this.points++;
    this.bufferedChars += line.length;
    if (this.bufferedChars > this.budgetChars) this.spill();
  }

  /** Number of distinct series seen so far. */
  get seriesCount(): number {
    return this.nextId;
  }

  private spill(): void {
    for (const entry of this.families.values()) {
      for (const series of entry.series.values()) {
        if (series.lines.length === 0) continue;
        appendFileSync(join(this.dir, String(series.id)), series.lines.join(''));
        series.lines = [];
        series.spilled = true;
      }
    }
    this.bufferedChars = 0;
  }

  /** Writes every family (metadata once, then each series' points) and the closing `# EOF`. */
  async writeTo(sink: TextSink): Promise<void> {
    for (const { family, series } of this.families.values()) {
      await sink.write(`# TYPE ${family.name} ${family.type}\n`);
      if (family.unit !== '') await sink.write(`# UNIT ${family.name} ${family.unit}\n`);
      if (family.help !== '') await sink.write(`# HELP ${family.name} ${escapeHelp(family.help)}\n`);
      for (const s of series.values()) {
        if (s.spilled) {
          for await (const chunk of createReadStream(join(this.dir, String(s.id)), { encoding: 'utf8', highWaterMark: 1 << 20 })) {
            await sink.write(chunk as string);
          }
        }
        if (s.lines.length > 0) await sink.write(s.lines.join(''));
        s.lines = [];
      }
    }
    await sink.write('# EOF\n');
  }
}
