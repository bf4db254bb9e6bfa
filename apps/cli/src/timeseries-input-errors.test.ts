// `timeseries report|export|recover` on files that are not a run's time series, and on a run directory,
// through the built binary: one line on stderr, exit 2, nothing written; a run directory is accepted.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData } from '@mlps/timeseries';
import { runCliProcess } from './test-cli';

jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'mlps-ts-input-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function expectOneLineError(r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

describe('timeseries commands reject what is not a time series', () => {
  const dir = join(root, 'bad');
  mkdirSync(dir);
  const garbageJournal = join(dir, 'garbage_timeseries.jsonl');
  const wrongShape = join(dir, 'wrong_timeseries.json');
  const garbageDoc = join(dir, 'garbage.json');
  writeFileSync(garbageJournal, 'not json\nstill not json\n');
  writeFileSync(wrongShape, '{"a": 1}\n');
  writeFileSync(garbageDoc, '{not json');

  test('a journal of garbage lines: report, export and recover exit 2 with one line, recover writes nothing', async () => {
    const report = await runCliProcess(['timeseries', 'report', garbageJournal]);
    expectOneLineError(report, /garbage_timeseries\.jsonl is not a time-series journal: no header line and no sample line \(2 unreadable lines\)/);
    const exported = await runCliProcess(['timeseries', 'export', garbageJournal, '--format', 'csv']);
    expectOneLineError(exported, /not a time-series journal/);
    const recovered = await runCliProcess(['timeseries', 'recover', garbageJournal]);
    expectOneLineError(recovered, /not a time-series journal/);
    expect(existsSync(join(dir, 'garbage_timeseries.json'))).toBe(false);
  });

  test('a JSON object that is not a document: export exits 2 (it used to export an empty CSV with exit 0)', async () => {
    const out = join(dir, 'wrong.csv');
    const r = await runCliProcess(['timeseries', 'export', wrongShape, '--format', 'csv', '-o', out]);
    expectOneLineError(r, /wrong_timeseries\.json is not a time-series document/);
    expect(existsSync(out)).toBe(false);
    expectOneLineError(await runCliProcess(['timeseries', 'report', wrongShape]), /collection_interval_seconds/);
  });

  test('garbage JSON is exit 2 (a bad argument), not 1', async () => {
    expectOneLineError(await runCliProcess(['timeseries', 'report', garbageDoc]), /not valid JSON/);
    expectOneLineError(await runCliProcess(['timeseries', 'export', garbageDoc, '--format', 'jsonl']), /document/);
  });

  test('recover of a document or a missing file says so, and writes nothing', async () => {
    expectOneLineError(await runCliProcess(['timeseries', 'recover', wrongShape]), /is not a journal \(\*_timeseries\.jsonl\)/);
    expect(readdirSync(dir).filter((n) => n.endsWith('.json.json'))).toEqual([]);
    expectOneLineError(await runCliProcess(['timeseries', 'recover', join(dir, 'missing_timeseries.jsonl')]), /no such file or directory/);
    expectOneLineError(await runCliProcess(['timeseries', 'export', join(dir, 'missing.json'), '--format', 'csv']), /no such file or directory/);
  });
});

describe('timeseries export and recover take a run directory', () => {
  test('export <run-dir> streams the document; recover <run-dir> rebuilds it from the journal', async () => {
    const results = join(root, 'collect');
    const c = await runCliProcess(['timeseries', 'collect', '--duration', '1s', '--timeseries-interval', '0.25', '--output-dir', results, '-q']);
    expect(c.code).toBe(0);
    // The run directory <results-dir>/collect/<datetime>/.
    const outDir = join(results, 'collect', readdirSync(join(results, 'collect'))[0] as string);
    const csv = await runCliProcess(['timeseries', 'export', outDir, '--format', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('timestamp,host,source,device,metric,value,unit');
    expect(csv.stdout).toMatch(/,meminfo,,MemTotal,\d+,kB\n/);

    const docName = readdirSync(outDir).find((n) => n.endsWith('_timeseries.json'));
    expect(docName).toBeDefined();
    const original = parseTimeSeriesData(readFileSync(join(outDir, docName as string), 'utf8'));
    const target = join(root, 'recovered.json');
    const rec = await runCliProcess(['timeseries', 'recover', outDir, '-o', target]);
    expect(rec.code).toBe(0);
    const recovered = parseTimeSeriesData(readFileSync(target, 'utf8'));
    expect(recovered.num_samples).toBe(original.num_samples);
    expect(rec.stdout).toContain(`recovered ${original.num_samples} samples`);
  });

  test('a directory without a journal is one line, exit 2', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expectOneLineError(await runCliProcess(['timeseries', 'recover', empty]), /no \*_timeseries\.json or \*_timeseries\.jsonl in/);
    expectOneLineError(await runCliProcess(['timeseries', 'export', empty, '--format', 'csv']), /no \*_timeseries\.json or \*_timeseries\.jsonl in/);
  });
});
