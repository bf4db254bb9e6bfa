import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { parseTimeSeriesData, type TimeSeriesData } from '@mlps/timeseries';
import type { CliContext } from './context';
import { registerTimeseriesCommands } from './commands/timeseries';

const root = mkdtempSync(join(tmpdir(), 'mlps-ts-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

interface Run {
  ctx: CliContext;
  out: Capture;
  err: Capture;
  done: Promise<void>;
}

/** Runs `mlpstorage timeseries <args>` in-process with captured streams. */
function start(args: string[]): Run {
  const out = new Capture();
  const err = new Capture();
  const ctx: CliContext = { stdout: out, stderr: err, env: { ...process.env, NO_COLOR: '1' }, exitCode: -1 };
  const program = new Command('mlpstorage')
    .exitOverride()
    .enablePositionalOptions()
    .configureOutput({ writeOut: (t) => out.write(t), writeErr: (t) => err.write(t) });
  registerTimeseriesCommands(program, ctx);
  const done = program.parseAsync(['timeseries', ...args], { from: 'user' }).then(() => undefined);
  return { ctx, out, err, done };
}

async function run(args: string[]): Promise<Run> {
  const r = start(args);
  await r.done;
  return r;
}

/** The files of a run directory, or of the one collection under `<results-dir>/collect/<datetime>/`. */
function runFiles(resultsOrRunDir: string): { document: string; journal: string; metadata: string } {
  let dir = resultsOrRunDir;
  if (existsSync(join(resultsOrRunDir, 'collect'))) {
    const runs = readdirSync(join(resultsOrRunDir, 'collect'));
    if (runs.length !== 1) throw new Error(`expected one run directory in ${resultsOrRunDir}/collect, found ${runs.join(', ')}`);
    dir = join(resultsOrRunDir, 'collect', runs[0] as string);
  }
  const names = readdirSync(dir);
  const pick = (suffix: string): string => {
    const n = names.find((x) => x.endsWith(suffix));
    if (n === undefined) throw new Error(`no *${suffix} in ${dir}: ${names.join(', ')}`);
    return join(dir, n);
  };
  return { document: pick('_timeseries.json'), journal: pick('_timeseries.jsonl'), metadata: pick('_metadata.json') };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mlpstorage timeseries collect', () => {
  it("exits with the command's exit code and writes complete files", async () => {
    const dir = join(root, 'exit3');
    const r = await run(['collect', '--timeseries-interval', '0.2', '--output-dir', dir, '--', 'sh', '-c', 'sleep 0.5; exit 3']);
    expect(r.ctx.exitCode).toBe(3);
    const files = runFiles(dir);
    const data = parseTimeSeriesData(readFileSync(files.document, 'utf8'));
    const host = data.hosts_requested[0]!;
    expect(data.samples_by_host[host]!.length).toBeGreaterThanOrEqual(2);
    expect(data.num_samples).toBe(data.samples_by_host[host]!.length);
    // The journal holds every sample of the document: a row each (journal v2), after the header and the
    // host's layout.
    const lines = readFileSync(files.journal, 'utf8').trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('[')).length).toBe(data.num_samples);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'header', format_version: 2 });
    const meta = JSON.parse(readFileSync(files.metadata, 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ benchmark_type: 'collect', exit_code: 3, workload_exit_code: 3, collect_command: ['sh', '-c', 'sleep 0.5; exit 3'] });
    expect(meta.timeseries_data).toMatchObject({ journal_file: files.journal.split('/').pop(), num_samples: data.num_samples, num_good_samples: data.num_samples, num_error_samples: 0 });
    expect(r.err.text).toMatch(/exit code 3/);
    expect(r.err.text).toMatch(/time series: \d+ samples/);
  });

  it('exits 127 for a command that does not exist, still with its files', async () => {
    const dir = join(root, 'missing');
    const r = await run(['collect', '--timeseries-interval', '0.2', '--output-dir', dir, '--', 'mlps-no-such-command-xyz']);
    expect(r.ctx.exitCode).toBe(127);
    expect(r.err.text).toMatch(/command not found/);
    expect(existsSync(runFiles(dir).document)).toBe(true);
  });

  it('--duration 2s at 0.5 s writes about 5 samples', async () => {
    const dir = join(root, 'duration');
    const t0 = Date.now();
    const r = await run(['collect', '--duration', '2s', '--timeseries-interval', '0.5', '--output-dir', dir, '--name', 'dur']);
    const elapsed = (Date.now() - t0) / 1000;
    expect(r.ctx.exitCode).toBe(0);
    expect(elapsed).toBeGreaterThanOrEqual(1.9);
    expect(elapsed).toBeLessThan(10);
    const files = runFiles(dir);
    expect(files.document).toMatch(/dur_\d{8}_\d{6}_timeseries\.json$/);
    const data = parseTimeSeriesData(readFileSync(files.document, 'utf8'));
    // Samples at 0, 0.5, 1, 1.5 and (if the stop lands after it) 2 s, then the closing sample at stop. A tick
    // that a loaded machine started too late is skipped and counted (interval_stats): the schedule still
    // covered the 2 s.
    expect(data.num_samples + (data.interval_stats?.skipped_ticks ?? Number.NaN)).toBeGreaterThanOrEqual(5);
    expect(data.num_samples).toBeGreaterThanOrEqual(3);
    expect(data.num_samples).toBeLessThanOrEqual(7);
    expect(data.collection_interval_seconds).toBe(0.5);
  });

  it('--serve answers /metrics with the current rates while the command runs', async () => {
    const dir = join(root, 'serve');
    const r = start(['collect', '--timeseries-interval', '0.25', '--serve', '0', '--output-dir', dir, '--', 'sh', '-c', 'sleep 3']);
    const t0 = Date.now();
    let url: string | null = null;
    while (url === null && Date.now() - t0 < 10_000) {
      url = /live view at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(r.err.text)?.[1] ?? null;
      await sleep(25);
    }
    expect(url).not.toBeNull();
    await sleep(800);
    const first = await (await fetch(`${url}metrics`)).text();
    const count = (t: string): number => Number(/^mlps_samples\{host="[^"]+"\} (\d+)$/m.exec(t)?.[1]);
    expect(count(first)).toBeGreaterThanOrEqual(2);
    expect(first).toMatch(/^mlps_cpu_ratio\{host="[^"]+",mode="user"\} [0-9.e-]+$/m);
    expect(first).toMatch(/^mlps_memory_used_bytes\{host="[^"]+"\} \d+/m);
    await sleep(700);
    const second = await (await fetch(`${url}metrics`)).text();
    expect(count(second)).toBeGreaterThan(count(first));
    const page = await (await fetch(url!)).text();
    expect(page).toContain('id="mlps-data"');
    await r.done;
    expect(r.ctx.exitCode).toBe(0);
    // The live view ends with the collection.
    await expect(fetch(`${url}metrics`)).rejects.toThrow();
  });

  it('rejects --duration with a command, and a bad duration', async () => {
    await expect(run(['collect', '--duration', '1s', '--output-dir', join(root, 'x'), '--', 'true'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(run(['collect', '--duration', 'soon', '--output-dir', join(root, 'x')])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('mlpstorage timeseries report / export / recover', () => {
  let dir: string;
  let data: TimeSeriesData;
  beforeAll(async () => {
    const results = join(root, 'run');
    await run(['collect', '--timeseries-interval', '0.2', '--output-dir', results, '--', 'sh', '-c', 'dd if=/dev/zero of=' + join(root, 'dd.bin') + ' bs=1M count=16 conv=fsync 2>/dev/null; sleep 0.5']);
    // The run directory, as report/export/recover take it.
    dir = dirname(runFiles(results).document);
    data = parseTimeSeriesData(readFileSync(runFiles(results).document, 'utf8'));
  });

  it('report <run-dir> prints the per-host summary; json and markdown; --html writes the page', async () => {
    const host = data.hosts_requested[0]!;
    const text = await run(['report', dir]);
    expect(text.ctx.exitCode).toBe(0);
    expect(text.out.text).toContain(`${host}`);
    expect(text.out.text).toMatch(/disk write MB\/s\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+/);
    expect(text.out.text).toMatch(/Benchmark: collect/);
    const json = JSON.parse((await run(['report', dir, '--format', 'json'])).out.text) as { hosts: Array<{ host: string; samples: number }> };
    expect(json.hosts[0]).toMatchObject({ host, samples: data.num_samples });
    expect((await run(['report', runFiles(dir).document, '--format', 'markdown'])).out.text).toMatch(/^# mlps time series/);
    const html = join(root, 'report.html');
    const h = await run(['report', dir, '--html', html]);
    expect(h.err.text).toContain(html);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('var uPlot=');
    expect(page).toContain('["benchmark","collect"]');
  });

  it('report falls back to the journal when the document is missing', async () => {
    const only = join(root, 'journal-only');
    const files = runFiles(dir);
    await run(['recover', files.journal, '--output', join(root, 'unused.json')]);
    rmSync(only, { recursive: true, force: true });
    mkdirSync(only);
    copyFileSync(files.journal, join(only, 'x_20260101_000000_timeseries.jsonl'));
    const r = await run(['report', only]);
    expect(r.err.text).toMatch(/read the journal/);
    expect(r.out.text).toMatch(/\d+ samples/);
  });

  it('export --format csv -o file and jsonl on stdout', async () => {
    const csv = join(root, 'out.csv');
    const e = await run(['export', runFiles(dir).document, '--format', 'csv', '-o', csv]);
    expect(e.err.text).toMatch(new RegExp(`exported ${data.num_samples} samples`));
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe('timestamp,host,source,device,metric,value,unit');
    const j = await run(['export', runFiles(dir).journal, '--format', 'jsonl']);
    expect(j.out.text.trimEnd().split('\n').length).toBe(data.num_samples);
    await expect(run(['export', runFiles(dir).document, '--format', 'xml'])).rejects.toThrow();
  });

  it('recover rebuilds the document from a journal with a torn last line and says so', async () => {
    const journal = join(root, 'killed_20260101_000000_timeseries.jsonl');
    copyFileSync(runFiles(dir).journal, journal);
    appendFileSync(journal, '{"host":"torn","sample":{"timest');
    const r = await run(['recover', journal]);
    expect(r.ctx.exitCode).toBe(0);
    const host = data.hosts_requested[0]!;
    expect(r.out.text).toContain(`${host}: ${data.num_samples} samples`);
    expect(r.out.text).toMatch(/last line torn: yes/);
    const rebuilt = parseTimeSeriesData(readFileSync(journal.replace(/\.jsonl$/, '.json'), 'utf8'));
    expect(rebuilt.samples_by_host[host]).toEqual(data.samples_by_host[host]);
    // A second recover does not overwrite without --force.
    await expect(run(['recover', journal])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await run(['recover', journal, '--force'])).ctx.exitCode).toBe(0);
  });
});
