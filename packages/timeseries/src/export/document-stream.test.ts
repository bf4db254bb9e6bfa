import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DocumentScanner, streamDocumentSamples, streamJournalSamples, streamTimeSeriesSamples } from './document-stream';
import type { StreamedSample, StreamSummary } from './document-stream';
import { isMlpsError } from '../errors';

const dir = mkdtempSync(join(tmpdir(), 'mlps-docstream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function drain(gen: AsyncGenerator<StreamedSample, StreamSummary>): Promise<{ items: StreamedSample[]; summary: StreamSummary }> {
  const items: StreamedSample[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done === true) return { items, summary: r.value };
    items.push(r.value);
  }
}

function doc(samplesByHost: Record<string, unknown[]>): Record<string, unknown> {
  return {
    collection_interval_seconds: 10,
    start_time: '2026-01-01T00:00:00.000Z',
    samples_by_host: samplesByHost,
    hosts_requested: Object.keys(samplesByHost),
    note: 'a "quoted" } ] string with \\ and \u00e9 and }{',
    format_version: 1,
  };
}

const s = (t: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, t)).toISOString(),
  hostname: 'h',
  loadavg: { load_1min: t / 10, load_5min: 0, load_15min: 0, running_processes: 1, total_processes: 2 },
  errors: { meminfo: 'bad "}" ]' },
  ...extra,
});

describe('DocumentScanner', () => {
  it('yields every sample with its host and keeps the top-level fields, whatever the chunk boundaries', () => {
    const d = doc({ 'a"b': [s(0), s(1), s(2)], 'host-2': [s(3)], empty: [] });
    for (const indent of [0, 2]) {
      const text = JSON.stringify(d, null, indent);
      for (const size of [1, 2, 3, 7, 64, text.length]) {
        const sc = new DocumentScanner();
        const got: StreamedSample[] = [];
        for (let i = 0; i < text.length; i += size) {
          sc.feed(text.slice(i, i + size));
          got.push(...sc.ready.splice(0));
        }
        sc.finish();
        expect(got.map((g) => g.host)).toEqual(['a"b', 'a"b', 'a"b', 'host-2']);
        expect(got.map((g) => g.sample)).toEqual([s(0), s(1), s(2), s(3)]);
        expect(sc.fields).toEqual({
          collection_interval_seconds: 10,
          start_time: '2026-01-01T00:00:00.000Z',
          hosts_requested: ['a"b', 'host-2', 'empty'],
          note: d.note,
          format_version: 1,
        });
      }
    }
  });

  it('agrees with JSON.parse on arbitrary documents (property)', () => {
    const sampleArb = fc.record({ timestamp: fc.string(), hostname: fc.string(), x: fc.jsonValue() });
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.array(sampleArb, { maxLength: 4 }), { maxKeys: 4 }), fc.integer({ min: 1, max: 50 }), (byHost, size) => {
        const text = JSON.stringify({ a: 1, samples_by_host: byHost, z: [1, { y: 'x' }] });
        const sc = new DocumentScanner();
        const got: StreamedSample[] = [];
        for (let i = 0; i < text.length; i += size) {
          sc.feed(text.slice(i, i + size));
          got.push(...sc.ready.splice(0));
        }
        sc.finish();
        const parsed = JSON.parse(text) as { samples_by_host: Record<string, unknown[]> };
        const expected = Object.entries(parsed.samples_by_host).flatMap(([host, list]) => list.map((sample) => ({ host, sample })));
        expect(got).toEqual(expected);
        expect(sc.fields).toEqual({ a: 1, z: [1, { y: 'x' }] });
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a truncated document with a hint to recover from the journal', () => {
    const text = JSON.stringify(doc({ h: [s(0), s(1)] }));
    const sc = new DocumentScanner();
    sc.feed(text.slice(0, Math.floor(text.length * 0.6)));
    let err: unknown;
    try {
      sc.finish();
    } catch (e) {
      err = e;
    }
    expect(isMlpsError(err) && err.code === 'INVALID_FORMAT' && /recover/.test(err.message)).toBe(true);
    expect(sc.ready.length).toBe(1);
  });

  it('rejects a top-level array and counts a non-sample entry as bad', () => {
    expect(() => new DocumentScanner().feed('[1,2]')).toThrow(/top level/);
    const sc = new DocumentScanner();
    sc.feed(JSON.stringify({ samples_by_host: { h: [{ no: 'timestamp' }, s(0)] } }));
    sc.finish();
    expect(sc.ready.length).toBe(1);
    expect(sc.badEntries).toBe(1);
  });
});

describe('streaming files', () => {
  it('reads a document and a journal with a torn last line', async () => {
    const docPath = join(dir, 'x_timeseries.json');
    writeFileSync(docPath, JSON.stringify(doc({ h1: [s(0), s(1)], h2: [s(2)] }), null, 2));
    const a = await drain(streamTimeSeriesSamples(docPath));
    expect(a.items.map((i) => i.host)).toEqual(['h1', 'h1', 'h2']);
    expect(a.summary).toMatchObject({ kind: 'document', samples: 3, badEntries: 0 });

    const jPath = join(dir, 'x_timeseries.jsonl');
    const header = { type: 'header', format: 'mlps-timeseries-journal', format_version: 1, collection_interval_seconds: 10 };
    const lines = [JSON.stringify(header), JSON.stringify({ host: 'h1', sample: s(0) }), JSON.stringify({ host: 'h2', sample: s(1) })];
    writeFileSync(jPath, lines.join('\n') + '\n' + JSON.stringify({ host: 'h1', sample: s(2) }).slice(0, 30));
    const b = await drain(streamTimeSeriesSamples(jPath));
    expect(b.items.map((i) => [i.host, i.sample.timestamp])).toEqual([
      ['h1', s(0).timestamp],
      ['h2', s(1).timestamp],
    ]);
    expect(b.summary).toMatchObject({ kind: 'journal', samples: 2, badEntries: 1 });
    expect(b.summary.fields.collection_interval_seconds).toBe(10);
  });

  it('fails with IO_ERROR naming a missing file', async () => {
    await expect(drain(streamDocumentSamples(join(dir, 'nope.json')))).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(drain(streamJournalSamples(join(dir, 'nope.jsonl')))).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});
