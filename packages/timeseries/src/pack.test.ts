/**
 * What a tool author gets from `npm install @mlps/timeseries`: the packed tarball installs offline into an
 * empty project (zero runtime dependencies), `require` and `import` both work for the root and every subpath
 * entry (`/report`, `/export`, `/live`, `/engine`), and the bundled types typecheck a consumer in CommonJS and
 * ESM under node16/nodenext resolution.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const packageDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(packageDir, '../..');
const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
const nodeTypes = path.join(repoRoot, 'node_modules/@types');
const ENTRY_NAMES = ['index', 'report', 'export', 'live', 'engine'];
const DIST_FILES = ENTRY_NAMES.flatMap((e) => [`dist/${e}.js`, `dist/${e}.cjs`, `dist/${e}.d.ts`, `dist/${e}.d.cts`]);
const EXPECTED_EXPORTS = [
  'parseProcDiskstats', 'parseProcNetDev', 'parseProcStat', 'collectTimeseriesSample', 'TimeSeriesCollector',
  'buildTimeSeriesData', 'serializeTimeSeriesData', 'parseTimeSeriesData', 'writeFileAtomic',
  'readJournal', 'deriveRates', 'computeRates', 'MlpsError', 'isMlpsError', 'FORMAT_VERSION',
];
/** One function per subpath entry (package.json `exports`), and what the root must not hold any more. */
const SUBPATH_EXPORTS: Record<string, string[]> = {
  '@mlps/timeseries/report': ['buildReport', 'renderReportText', 'renderReportHtml', 'loadTimeSeriesRun'],
  '@mlps/timeseries/export': ['exportTimeSeries', 'streamTimeSeriesSamples'],
  '@mlps/timeseries/live': ['startLiveServer', 'JournalTail'],
  '@mlps/timeseries/engine': ['CollectionRun', 'TickScheduler', 'SampleStore', 'JournalWriter'],
};

let work: string;
let consumer: string;
let packedFiles: string[];
let packedManifest: Record<string, unknown>;

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

beforeAll(() => {
  const missing = DIST_FILES.filter((file) => !fs.existsSync(path.join(packageDir, file)));
  if (missing.length > 0) {
    throw new Error(
      `@mlps/timeseries is not built (missing ${missing.join(', ')}). Build it first: \`cd packages/timeseries && npx tsup\` ` +
        '(`npm test` at the root builds before testing).',
    );
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlps-pack-'));
  const cache = path.join(work, 'npm-cache');
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work, '--cache', cache], packageDir)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  const tarball = path.join(work, path.basename(packed[0]!.filename));
  packedFiles = packed[0]!.files.map((f) => f.path);

  consumer = path.join(work, 'consumer');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', cache, tarball], consumer);
  packedManifest = JSON.parse(fs.readFileSync(path.join(consumer, 'node_modules/@mlps/timeseries/package.json'), 'utf8'));
}, 120_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

it('packs the build, README and manifest only, with no runtime dependency', () => {
  for (const file of [...DIST_FILES, 'README.md', 'package.json']) expect(packedFiles).toContain(file);
  expect(packedFiles.filter((f) => f.startsWith('src/') || f.endsWith('.test.ts'))).toEqual([]);
  expect(packedManifest.dependencies ?? {}).toEqual({});
  expect(fs.readdirSync(path.join(consumer, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['@mlps']);
});

it('works through require (CommonJS)', () => {
  const script = `
    const ts = require('@mlps/timeseries');
    const fs = require('fs');
    const out = {};
    for (const name of ${JSON.stringify(EXPECTED_EXPORTS)}) out[name] = typeof ts[name];
    out.disks = ts.parseProcDiskstats(fs.readFileSync('/proc/diskstats', 'utf8')).length;
    out.resolved = require.resolve('@mlps/timeseries');
    console.log(JSON.stringify(out));`;
  const out = JSON.parse(run(process.execPath, ['-e', script], consumer));
  for (const name of EXPECTED_EXPORTS) expect([name, out[name]]).toEqual([name, name === 'FORMAT_VERSION' ? 'number' : 'function']);
  expect(out.disks).toBeGreaterThan(0);
  expect(out.resolved).toMatch(/node_modules[\\/]@mlps[\\/]timeseries[\\/]dist[\\/]index\.cjs$/);
});

it('works through import (ESM), and errors are recognised across the two copies', () => {
  fs.writeFileSync(
    path.join(consumer, 'check.mjs'),
    `import { parseProcDiskstats, TimeSeriesCollector, parseTimeSeriesData, isMlpsError } from '@mlps/timeseries';
     import { createRequire } from 'node:module';
     import { readFileSync } from 'node:fs';
     const cjs = createRequire(import.meta.url)('@mlps/timeseries');
     let crossCopy = false;
     try { cjs.parseTimeSeriesData('{'); } catch (err) { crossCopy = isMlpsError(err) && err.code === 'INVALID_FORMAT'; }
     const collector = new TimeSeriesCollector({ intervalSeconds: 1 });
     console.log(JSON.stringify({
       disks: parseProcDiskstats(readFileSync('/proc/diskstats', 'utf8')).length,
       collector: collector.isRunning === false,
       parse: typeof parseTimeSeriesData,
       crossCopy,
       url: import.meta.resolve('@mlps/timeseries'),
     }));`,
  );
  const out = JSON.parse(run(process.execPath, ['check.mjs'], consumer));
  expect(out).toMatchObject({ collector: true, parse: 'function', crossCopy: true });
  expect(out.disks).toBeGreaterThan(0);
  expect(out.url).toMatch(/dist\/index\.js$/);
});

it('every subpath entry works through require and import, sharing one copy of the code', () => {
  const cjs = `
    const root = require('@mlps/timeseries');
    const out = { root: Object.keys(root), entries: {} };
    for (const [entry, names] of Object.entries(${JSON.stringify(SUBPATH_EXPORTS)})) {
      const mod = require(entry);
      out.entries[entry] = { names: names.map((n) => typeof mod[n]), resolved: require.resolve(entry) };
    }
    console.log(JSON.stringify(out));`;
  const esm = `
    const out = {};
    for (const [entry, names] of Object.entries(${JSON.stringify(SUBPATH_EXPORTS)})) {
      const mod = await import(entry);
      out[entry] = { names: names.map((n) => typeof mod[n]), url: import.meta.resolve(entry) };
    }
    // The engine's JournalWriter and the root's journal reader are the same build: a journal written by one
    // is read by the other.
    const { JournalWriter } = await import('@mlps/timeseries/engine');
    const { readJournal, collectTimeseriesSampleSync } = await import('@mlps/timeseries');
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const path = join(mkdtempSync('journal-'), 'run.jsonl');
    const w = JournalWriter.open(path, { collection_interval_seconds: 1, hosts_requested: ['h'], collection_method: 'local', start_time: null });
    w.append('h', { ...collectTimeseriesSampleSync(), hostname: 'h' });
    w.close();
    out.journalSamples = (await readJournal(path)).samples_by_host.h?.length;
    console.log(JSON.stringify(out));`;
  const required = JSON.parse(run(process.execPath, ['-e', cjs], consumer));
  fs.writeFileSync(path.join(consumer, 'subpaths.mjs'), esm);
  const imported = JSON.parse(run(process.execPath, ['subpaths.mjs'], consumer));
  for (const [entry, names] of Object.entries(SUBPATH_EXPORTS)) {
    const file = entry.slice('@mlps/timeseries/'.length);
    expect([entry, required.entries[entry].names]).toEqual([entry, names.map(() => 'function')]);
    expect([entry, imported[entry].names]).toEqual([entry, names.map(() => 'function')]);
    expect(required.entries[entry].resolved).toMatch(new RegExp(`node_modules[\\\\/]@mlps[\\\\/]timeseries[\\\\/]dist[\\\\/]${file}\\.cjs$`));
    expect(imported[entry].url).toMatch(new RegExp(`dist/${file}\\.js$`));
    for (const name of names) expect([name, required.root.includes(name)]).toEqual([name, false]);
  }
  expect(imported.journalSamples).toBe(1);
});

it.each(['node16', 'nodenext'])('typechecks a TypeScript consumer in CommonJS and ESM (module %s)', (mode) => {
  const body = `
    const sample: TimeSeriesSample = { timestamp: '2026-01-24T12:00:00.000Z', hostname: 'h' };
    const rates: SampleRates | null = deriveRates(sample, sample);
    const disks: DiskStatsRecord[] = parseProcDiskstats('');
    const collector = new TimeSeriesCollector({ intervalSeconds: 1, maxSamples: 10, overflow: 'decimate' });
    const data: TimeSeriesData = buildTimeSeriesData(collector);
    const text: string = serializeTimeSeriesData(parseTimeSeriesData(data));
    // @ts-expect-error the types are real, not \`any\`: intervalSeconds is a number
    new TimeSeriesCollector({ intervalSeconds: 'ten' });
    const report: RunReport = buildReport(data);
    const summary: string = renderReportText(report);
    const formats: readonly ExportFormat[] = EXPORT_FORMATS;
    const live: typeof startLiveServer = startLiveServer;
    const store = new SampleStore({ maxSamples: 10 });
    export const used = [rates, disks, text, summary, formats, live, store];`;
  const imports =
    'TimeSeriesCollector, buildTimeSeriesData, deriveRates, parseProcDiskstats, parseTimeSeriesData, serializeTimeSeriesData, ' +
    'type DiskStatsRecord, type SampleRates, type TimeSeriesData, type TimeSeriesSample';
  const dir = path.join(consumer, `tsc-${mode}`);
  fs.mkdirSync(dir, { recursive: true });
  const subpathImports =
    "import { buildReport, renderReportText, type RunReport } from '@mlps/timeseries/report';\n" +
    "import { EXPORT_FORMATS, type ExportFormat } from '@mlps/timeseries/export';\n" +
    "import { startLiveServer } from '@mlps/timeseries/live';\n" +
    "import { SampleStore } from '@mlps/timeseries/engine';\n";
  fs.writeFileSync(path.join(dir, 'esm.mts'), `import { ${imports} } from '@mlps/timeseries';\n${subpathImports}${body}`);
  fs.writeFileSync(path.join(dir, 'cjs.cts'), `import { ${imports} } from '@mlps/timeseries';\n${subpathImports}${body}`);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: mode, moduleResolution: mode, target: 'ES2022', strict: true, noEmit: true,
        typeRoots: [nodeTypes], types: ['node'], traceResolution: false,
      },
      files: ['esm.mts', 'cjs.cts'],
    }),
  );
  const trace = run(process.execPath, [tsc, '-p', dir, '--traceResolution'], dir);
  // The ESM file must get the ESM typings and the CJS file the CJS ones (no "masquerading" types).
  expect(trace).toMatch(/Module name '@mlps\/timeseries' was successfully resolved to '[^']*dist\/index\.d\.ts'/);
  expect(trace).toMatch(/Module name '@mlps\/timeseries' was successfully resolved to '[^']*dist\/index\.d\.cts'/);
  for (const entry of ['report', 'export', 'live', 'engine']) {
    expect(trace).toMatch(new RegExp(`Module name '@mlps/timeseries/${entry}' was successfully resolved to '[^']*dist/${entry}\\.d\\.ts'`));
    expect(trace).toMatch(new RegExp(`Module name '@mlps/timeseries/${entry}' was successfully resolved to '[^']*dist/${entry}\\.d\\.cts'`));
  }
}, 90_000);

it('the README example runs as written against the installed package', () => {
  const readme = fs.readFileSync(path.join(consumer, 'node_modules/@mlps/timeseries/README.md'), 'utf8');
  const example = /## Example[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toBeDefined();
  fs.writeFileSync(path.join(consumer, 'example.mjs'), example!);
  const out = run(process.execPath, ['example.mjs'], consumer);
  const summary = /^(\d+) samples from (\S+); (\d+) ticks skipped$/m.exec(out);
  expect(summary).not.toBeNull();
  const samples = Number(summary![1]);
  expect(samples).toBeGreaterThanOrEqual(4);
  expect(out).toContain(`journal holds ${samples} samples`);
  // One rate line per sample but the first.
  expect(out.match(/ cpu \d+\.\d% busy, /g)).toHaveLength(samples - 1);
}, 60_000);
