/**
 * Follows a run's journal while it is being written, for the live view: each {@link JournalTail.poll}
 * reads only the bytes appended since the last one and keeps the latest samples per host (bounded), so a
 * live view needs nothing from the collector but the file it flushes every tick.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { CollectionMethod, TimeSeriesData, TimeSeriesSample } from '../types';
import { HostHealthTracker } from '../host-health';
import { JournalDecoder } from '../journal';

/** Options of {@link JournalTail}. */
export interface JournalTailOptions {
  /** Most recent samples kept per host (older ones are dropped). Default 3600. */
  maxSamplesPerHost?: number;
}

const CHUNK = 1 << 20;

/** Incremental reader of a journal being appended to (see the module comment). */
export class JournalTail {
  private offset = 0;
  private partial = '';
  private readonly byHost = new Map<string, TimeSeriesSample[]>();
  private readonly health = new Map<string, HostHealthTracker>();
  private readonly max: number;
  private header: Record<string, unknown> | null = null;
  // The one journal reader: v1 and v2 lines, layouts kept across polls.
  private readonly decoder = new JournalDecoder('live journal');
  /** Lines that did not parse (not counting a last line still being written). */
  badLines = 0;

  constructor(
    readonly path: string,
    options: JournalTailOptions = {},
  ) {
    this.max = Math.max(2, options.maxSamplesPerHost ?? 3600);
  }

  /** Reads what was appended since the last call. A missing file (collection not started yet) is no error. */
  poll(): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return;
    }
    try {
      const buf = Buffer.alloc(CHUNK);
      for (;;) {
        const n = readSync(fd, buf, 0, CHUNK, this.offset);
        if (n <= 0) break;
        this.offset += n;
        const text = this.partial + buf.subarray(0, n).toString('utf8');
        const lines = text.split('\n');
        // The last piece has no newline yet: the writer is mid-line (or it is a multi-byte split).
        this.partial = lines.pop() ?? '';
        for (const line of lines) this.take(line);
      }
    } finally {
      closeSync(fd);
    }
  }

  private take(line: string): void {
    const record = this.decoder.parseLine(line);
    if (record.kind === 'invalid') this.badLines++;
    if (record.kind === 'header' && this.header === null) this.header = record.fields;
    if (record.kind !== 'sample') return;
    let list = this.byHost.get(record.host);
    if (list === undefined) {
      list = [];
      this.byHost.set(record.host, list);
    }
    const sample = record.toSample();
    list.push(sample);
    // Health over every line read, not only the samples kept (the live view's up gauge and error counter).
    let tracker = this.health.get(record.host);
    if (tracker === undefined) {
      tracker = new HostHealthTracker(record.host);
      this.health.set(record.host, tracker);
    }
    tracker.record(sample);
    if (list.length > this.max) list.splice(0, list.length - this.max);
  }

  /** The samples read so far as a run document (the live view's source). */
  data(): TimeSeriesData {
    const h = this.header ?? {};
    const requested = Array.isArray(h.hosts_requested) ? h.hosts_requested.filter((x): x is string => typeof x === 'string') : [];
    const hosts = [...requested];
    for (const k of this.byHost.keys()) if (!hosts.includes(k)) hosts.push(k);
    const samplesByHost: Record<string, TimeSeriesSample[]> = {};
    let first: string | null = null;
    let last: string | null = null;
    let total = 0;
    for (const host of hosts) {
      const list = this.byHost.get(host) ?? [];
      samplesByHost[host] = list;
      total += list.length;
      const a = list[0]?.timestamp;
      const b = list[list.length - 1]?.timestamp;
      if (a !== undefined && (first === null || a < first)) first = a;
      if (b !== undefined && (last === null || b > last)) last = b;
    }
    const interval = typeof h.collection_interval_seconds === 'number' ? h.collection_interval_seconds : 0;
    const method = h.collection_method === 'ssh' || h.collection_method === 'mixed' ? (h.collection_method as CollectionMethod) : 'local';
    return {
      collection_interval_seconds: interval,
      start_time: typeof h.start_time === 'string' ? h.start_time : first,
      end_time: last,
      num_samples: total,
      samples_by_host: samplesByHost,
      collection_method: method,
      hosts_requested: hosts,
      hosts_collected: hosts.filter((x) => (this.health.get(x)?.counts.goodSamples ?? 0) > 0),
      host_status: Object.fromEntries(hosts.map((x) => [x, (this.health.get(x) ?? new HostHealthTracker(x)).toStatusRecord()])),
    };
  }
}
