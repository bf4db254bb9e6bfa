import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricPointsFromSources, sampleMetricPoints } from '../export/metric-points';
import { isMlpsError } from '../errors';
import { normalizeSampleFields, validateSample } from '../format';
import { collectTimeseriesSampleSync } from '../sampling';
import type { SampleSource, TimeSeriesSample } from '../types';
import { checkNumericFields, expectObject } from '../validation';
import { gaugeFamily, recordMetrics } from './metrics';
import { PROC_SOURCES } from './registry';
import { singleFileSource, type ProcSource } from './source';

const REAL_PROC = join(__dirname, '..', '__fixtures__', 'proc', 'real');

/** Ids that name a record rather than measure anything: never exported as points. */
const ID_FIELDS = new Set(['major', 'minor']);

describe('the /proc source registry is the only list of sources', () => {
  it('gives every source its own name, sample key and export position', () => {
    const names = PROC_SOURCES.map((s) => s.name);
    const fields = PROC_SOURCES.map((s) => s.field);
    const orders = PROC_SOURCES.map((s) => s.metrics.exportOrder);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(fields).size).toBe(fields.length);
    expect(new Set(orders).size).toBe(orders.length);
  });

  it.each([
    ['a saved real /proc tree', () => collectTimeseriesSampleSync({ procRoot: REAL_PROC, hostname: 'fixture' })],
    ["this machine's /proc", () => collectTimeseriesSampleSync()],
  ])('exports every source of a sample of %s, each field its module declares', (_what, take) => {
    const sample = take();
    const points = sampleMetricPoints(sample);
    for (const source of PROC_SOURCES) {
      const value = (sample as unknown as Record<string, unknown>)[source.field];
      // PSI is optional (kernels without it): a source the sample lacks has no points, and no other does.
      const own = points.filter((p) => p.source === source.name);
      if (value === undefined) {
        expect(own).toEqual([]);
        continue;
      }
      expect(own.length).toBeGreaterThan(0);
      const metrics = new Set(own.map((p) => p.metric));
      for (const field of source.fields) {
        if (ID_FIELDS.has(field)) continue;
        // diskstats' discard and flush fields exist only on kernels that print them.
        const present = JSON.stringify(value).includes(`"${field}"`);
        if (!present) continue;
        // pressure's fields are per `some`/`full` line: exported as `some_total`, `full_avg10`, …
        const exported = metrics.has(field) || [...metrics].some((m) => m.endsWith(`_${field}`));
        expect({ source: source.name, field, exported }).toEqual({ source: source.name, field, exported: true });
      }
    }
    // Nothing is exported that no registry source declares.
    const known = new Set<string>(PROC_SOURCES.map((s) => s.name));
    expect(points.filter((p) => !known.has(p.source))).toEqual([]);
  });

  it('exports a source added to a registry copy, without a line of the export changed', () => {
    // A new source is one module like this: its file, its record, its checks, its metric mapping.
    const fileNrSource: ProcSource = singleFileSource({
      name: 'file_nr' as SampleSource,
      field: 'file_nr' as keyof TimeSeriesSample & string,
      file: 'sys/fs/file-nr',
      fields: ['allocated', 'maximum'],
      parse: (text) => {
        const [allocated, , maximum] = text.trim().split(/\s+/).map(Number);
        return Number.isFinite(allocated) && Number.isFinite(maximum) ? { allocated, maximum } : null;
      },
      validate: (value, path) => {
        checkNumericFields(expectObject(value, path), ['allocated', 'maximum'], path);
        return value;
      },
      metrics: recordMetrics(130, [
        ['allocated', 'count', gaugeFamily('node_filefd_allocated', '', 'File descriptor statistics: allocated.'), 1],
        ['maximum', 'count', gaugeFamily('node_filefd_maximum', '', 'File descriptor statistics: maximum.'), 1],
      ]),
    });
    const errors: Record<string, string> = {};
    const record = fileNrSource.build([readFileSync('/proc/sys/fs/file-nr', 'utf8')], errors);
    expect(errors).toEqual({});
    const sample = { ...collectTimeseriesSampleSync({ procRoot: REAL_PROC, hostname: 'fixture' }), file_nr: record } as TimeSeriesSample;

    const withNew = metricPointsFromSources(sample, [...PROC_SOURCES, fileNrSource]);
    const fileNr = withNew.filter((p) => p.source === 'file_nr');
    expect(fileNr.map((p) => [p.metric, p.family.name])).toEqual([
      ['allocated', 'node_filefd_allocated'],
      ['maximum', 'node_filefd_maximum'],
    ]);
    expect(fileNr[1]?.value).toBeGreaterThan(0);
    // The registry's own points are untouched, in the same order, and come first (export order 130).
    expect(withNew.slice(0, withNew.length - 2)).toEqual(sampleMetricPoints(sample));
    expect(metricPointsFromSources(sample, PROC_SOURCES)).toEqual(sampleMetricPoints(sample));
  });

  it('keeps the export order when the registry copy is reordered', () => {
    const sample = collectTimeseriesSampleSync({ procRoot: REAL_PROC, hostname: 'fixture' });
    expect(metricPointsFromSources(sample, [...PROC_SOURCES].reverse())).toEqual(sampleMetricPoints(sample));
  });

  it("validates each source's record in a loaded sample with that source's own checks", () => {
    for (const source of PROC_SOURCES) {
      const bad = { timestamp: '2026-01-24T12:00:00Z', hostname: 'h', [source.field]: 'not a record' };
      let caught: unknown;
      try {
        validateSample(bad, 'sample');
      } catch (err) {
        caught = err;
      }
      expect(isMlpsError(caught) && caught.code).toBe('INVALID_FORMAT');
      expect((caught as Error).message).toMatch(new RegExp(`^sample\\.${source.field}: expected `));
    }
  });

  it('validates and normalises a real sample of every source to itself', () => {
    const sample = collectTimeseriesSampleSync({ procRoot: REAL_PROC, hostname: 'fixture' });
    expect(validateSample(JSON.parse(JSON.stringify(sample)), 'sample')).toEqual(sample);
    expect(normalizeSampleFields(JSON.parse(JSON.stringify(sample)))).toEqual(sample);
  });

  it('brings old diskstats names to the reference names through the source that owns them', () => {
    const disk = { device_name: 'sda', reads_completed: 1, time_io_ms: 7, weighted_time_io_ms: 9 };
    const loaded = validateSample({ timestamp: '2026-01-24T12:00:00Z', hostname: 'h', diskstats: [disk] }, 'sample');
    expect(loaded.diskstats).toEqual([{ device_name: 'sda', reads_completed: 1, time_doing_ios_ms: 7, weighted_time_doing_ios_ms: 9 }]);
    const streamed = normalizeSampleFields({ timestamp: 't', hostname: 'h', diskstats: [{ ...disk }] });
    expect(streamed.diskstats).toEqual(loaded.diskstats);
    expect(sampleMetricPoints(loaded).find((p) => p.metric === 'time_doing_ios_ms')?.baseValue).toBe(0.007);
  });
});
