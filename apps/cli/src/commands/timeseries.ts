import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import {
  MlpsError,
  isMlpsError,
  invalidArgument,
  writeFileAtomic,
  writeTimeSeriesDocumentFromJournal,
} from '@mlps/timeseries';
import { EXPORT_FORMATS, exportTimeSeries, type ExportFormat } from '@mlps/timeseries/export';
import {
  chartDataFromSeries,
  renderReportHtmlFromChartData,
  renderReportJson,
  renderReportMarkdown,
  renderReportText,
  reportTimeSeriesRun,
} from '@mlps/timeseries/report';
import { CollectBenchmark } from '@mlps/benchmark';
import { EXIT, type CliContext } from '../context';
import { GROUPS, addSshOptions, addStandardOptions, addTimeseriesOptions, commonBenchmarkOptions, type CommonParsed } from '../options';
import { runBenchmarkWithProgress } from '../run-benchmark';
import { assertJournalFile, assertTimeSeriesFile, chosenRunNote, resolveJournalFile, resolveRunFile } from './timeseries-input';

const REPORT_FORMATS = ['text', 'json', 'markdown'] as const;

/**
 * The context when the program registers these commands without one: the process streams, and an exit
 * code that reaches the process even if the caller's own (unseen) context says 0 — `exit` listeners run
 * after `process.exitCode` is set and before the process ends. Pass the CLI's context instead.
 */
function processContext(): CliContext {
  let code = 0;
  let hooked = false;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    get exitCode(): number {
      return code;
    },
    set exitCode(value: number) {
      code = value;
      if (value !== 0 && !hooked) {
        hooked = true;
        process.once('exit', () => {
          process.exitCode = code;
        });
      }
    },
  };
}

/** `60`, `60s`, `500ms`, `2m`, `1h`, `1.5s` → seconds. */
export function parseDuration(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  const n = m === null ? NaN : Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as const)[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (!Number.isFinite(n) || n <= 0) throw invalidArgument(`--duration: '${value}' is not a duration; use e.g. 60s, 500ms, 5m, 1h`);
  return n;
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolveWrite) => {
    if (stream.write(text)) resolveWrite();
    else stream.once('drain', () => resolveWrite());
  });
}

interface ReportParsed {
  format: (typeof REPORT_FORMATS)[number];
  html?: string;
  devices?: string;
}

interface ExportParsed {
  format: ExportFormat;
  output?: string;
}

interface RecoverParsed {
  output?: string;
  force?: boolean;
}

interface CollectParsed extends CommonParsed {
  outputDir?: string;
  duration?: number;
  name: string;
}

/**
 * `mlpstorage timeseries report|export|recover|collect`: read, convert and rebuild a run's time series,
 * and collect around any command. `ctx` carries the streams and receives the exit code.
 */
export function registerTimeseriesCommands(program: Command, ctx: CliContext = processContext()): void {
  const ts = program
    .command('timeseries')
    .description('report, export and recover a run\'s host time series, or collect around any command')
    // `collect -- <command>` passes the command's own options through untouched.
    .enablePositionalOptions();

  ts.command('report')
    .description('summary per host (mean, p50, p95, max of disk, network, CPU, memory, PSI) and an optional offline HTML report')
    .argument('<target>', 'a *_timeseries.json, a *_timeseries.jsonl journal, or a run directory')
    .addOption(new Option('--format <format>', 'summary format on stdout').choices([...REPORT_FORMATS]).default('text'))
    .option('--html <file>', 'also write a self-contained HTML report with charts (opens offline)')
    .option('--devices <glob>', 'devices the report leads with instead of the recorded storage under test (comma-separated globs: nvme*n1,dm-*)')
    .addHelpText('after', '\nExamples:\n  mlpstorage timeseries report results/training/unet3d/run/20260101_120000 --html report.html\n  mlpstorage timeseries report run_timeseries.json --format markdown\n')
    .action(async (target: string, p: ReportParsed) => {
      // Streamed: one sample per host at a time, only the derived series kept (a document too large
      // for one string is reported all the same).
      const run = await reportTimeSeriesRun(target, { devicesGlob: p.devices });
      const chosen = chosenRunNote(run.files, run.source);
      if (chosen !== null) ctx.stderr.write(chosen);
      if (run.fromJournal) {
        await assertTimeSeriesFile(run.source);
        ctx.stderr.write(`mlpstorage: no document for this run; read the journal ${run.source}${run.tornLastLine === true ? ' (last line torn, dropped)' : ''}\n`);
      }
      const report = run.report;
      const text = p.format === 'json' ? renderReportJson(report) : p.format === 'markdown' ? renderReportMarkdown(report) : renderReportText(report);
      await write(ctx.stdout, text);
      if (p.html !== undefined) {
        const out = resolve(p.html);
        await writeFileAtomic(out, renderReportHtmlFromChartData(chartDataFromSeries(report, run.series))).catch((err: unknown) => {
          throw new MlpsError('IO_ERROR', `cannot write ${out}: ${(err as Error).message}`, { cause: err });
        });
        ctx.stderr.write(`mlpstorage: HTML report written to ${out}\n`);
      }
      ctx.exitCode = EXIT.OK;
    });

  ts.command('export')
    .description('stream a run\'s time series as long-form CSV, OpenMetrics text (promtool/Prometheus) or JSON Lines')
    .argument('<file>', 'a *_timeseries.json document, a *_timeseries.jsonl journal, or a run directory')
    .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .option('-o, --output <file>', 'output file (written atomically); default stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  mlpstorage timeseries export run_timeseries.json --format csv -o run.csv\n' +
        '  mlpstorage timeseries export run_timeseries.json --format openmetrics -o run.om\n' +
        '  promtool tsdb create-blocks-from openmetrics run.om ./prometheus-data\n',
    )
    .action(async (target: string, p: ExportParsed) => {
      const file = resolveRunFile(target, (line) => ctx.stderr.write(line));
      await assertTimeSeriesFile(file);
      const output = p.output !== undefined ? resolve(p.output) : (ctx.stdout as unknown as Writable);
      let result;
      try {
        result = await exportTimeSeries({ input: file, format: p.format, output });
      } catch (err) {
        // `export … | head`: the reader stopped reading; that is its choice, not a failure of the export.
        if (typeof output !== 'string' && isMlpsError(err) && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') {
          ctx.exitCode = EXIT.OK;
          return;
        }
        throw err;
      }
      if (typeof output === 'string') {
        const hosts = Object.entries(result.samplesByHost).map(([h, n]) => `${h} ${n}`).join(', ');
        ctx.stderr.write(`mlpstorage: exported ${result.samples} samples (${hosts || 'no hosts'}) as ${p.format} to ${output}\n`);
      }
      if (result.badEntries > 0) ctx.stderr.write(`mlpstorage: warning: skipped ${result.badEntries} unreadable entries of ${file}\n`);
      ctx.exitCode = EXIT.OK;
    });

  ts.command('recover')
    .description('rebuild the time-series document of a killed run from its journal')
    .argument('<journal>', 'the run\'s *_timeseries.jsonl, or its run directory')
    .option('-o, --output <file>', 'document to write (default: the journal\'s name with .json)')
    .option('--force', 'overwrite an existing document')
    .action(async (target: string, p: RecoverParsed) => {
      const journal = resolveJournalFile(target);
      await assertJournalFile(journal);
      const out = resolve(p.output ?? (journal.endsWith('.jsonl') ? journal.slice(0, -1) : `${journal}.json`));
      if (!p.force) {
        if (existsSync(out)) throw invalidArgument(`${out} exists; pass --force to overwrite it or --output <file> to write elsewhere`);
      }
      // Two passes over the journal, the document streamed host by host: memory stays bounded however
      // many hosts x samples the journal holds.
      const rec = await writeTimeSeriesDocumentFromJournal(journal, out);
      const lines = [`recovered ${rec.fields.num_samples} samples from ${journal}`];
      for (const [host, n] of Object.entries(rec.samplesPerHost)) lines.push(`  ${host}: ${n} samples`);
      lines.push(`last line torn: ${rec.tornLastLine ? 'yes (dropped)' : 'no'}`);
      if (rec.badLines > 0) lines.push(`unreadable lines skipped: ${rec.badLines}`);
      lines.push(`document written: ${out}`);
      await write(ctx.stdout, `${lines.join('\n')}\n`);
      ctx.exitCode = EXIT.OK;
    });

  const collect = ts
    .command('collect')
    .description('collect host time series around any command, for a duration, or until Ctrl-C (a run like exec: results directory, progress, metadata)')
    .argument('[command...]', 'the command to run and its arguments (after --; run without a shell); exits with its exit code')
    .passThroughOptions();
  addStandardOptions(collect);
  addTimeseriesOptions(collect);
  collect
    .addOption(new Option('--output-dir <dir>', 'alias of --results-dir (earlier name of this option)').helpGroup(GROUPS.standard))
    .addOption(new Option('--name <name>', 'file name prefix: <name>_<YYYYMMDD_HHMMSS>_timeseries.json').default('collect'))
    .addOption(new Option('--duration <duration>', 'collect for this long (60s, 5m, 1h) instead of around a command').argParser(parseDuration));
  addSshOptions(collect);
  collect.addHelpText(
    'after',
    '\nFiles go to <results-dir>/collect/<YYYYMMDD_HHMMSS>/ as <name>_<datetime>_timeseries.json(l) and _metadata.json.\n' +
      '\nExamples:\n  mlpstorage timeseries collect --timeseries-interval 1 --results-dir out -- fio --name=w --rw=write --size=1g --filename=/mnt/f\n' +
      '  mlpstorage timeseries collect --hosts node1 node2 --duration 10m --serve 9100\n',
  );
  collect.action(async (argv: string[], p: CollectParsed, command: Command) => {
    ctx.exitCode = await runCollect(ctx, argv, p, command);
  });
}

/**
 * `timeseries collect` as a run: a {@link CollectBenchmark} through the same progress display, signals,
 * summary and exit codes as `exec`. `--output-dir` is an alias of `--results-dir`.
 */
async function runCollect(ctx: CliContext, argv: string[], p: CollectParsed, command: Command): Promise<number> {
  const resultsFromUser = command.getOptionValueSource('resultsDir') === 'cli';
  if (p.outputDir !== undefined && resultsFromUser && resolve(p.outputDir) !== resolve(p.resultsDir)) {
    throw invalidArgument(`--output-dir is an alias of --results-dir; give one of them, not two different directories`);
  }
  const resultsDir = p.outputDir ?? p.resultsDir;
  return runBenchmarkWithProgress(ctx, p.quiet ?? false, (events) => {
    return new CollectBenchmark({
      ...commonBenchmarkOptions('run', { ...p, resultsDir }),
      argv,
      name: p.name,
      ...(p.duration !== undefined ? { durationSeconds: p.duration } : {}),
      events,
    });
  }, { devicesGlob: p.devices });
}
