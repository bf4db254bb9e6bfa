import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import {
  EXPORT_FORMATS,
  MlpsError,
  isMlpsError,
  buildReport,
  buildTimeSeriesData,
  exportTimeSeries,
  invalidArgument,
  loadTimeSeriesRun,
  readJournalWithReport,
  renderReportHtml,
  renderReportJson,
  renderReportMarkdown,
  renderReportText,
  serializeTimeSeriesData,
  writeFileAtomic,
  type ExportFormat,
  type TimeSeriesData,
} from '@mlps/timeseries';
import { MultiHostTimeSeriesCollector, parseHostList } from '@mlps/multihost';
import { createRunCollector, formatRunDatetime, makeDirectorySync } from '@mlps/benchmark';
import { EXIT, type CliContext } from '../context';
import { GROUPS, addSshOptions, sshOptionsFrom, type CommonParsed } from '../options';
import { collectHosts, parseIntervalSeconds, parsePositiveInt } from '../option-parsers';
import { formatRunSummary } from '../summary';
import { addServeOptions, startLiveView, type ServeParsed } from '../live';
import { assertJournalFile, assertTimeSeriesFile, resolveJournalFile, resolveRunFile } from './timeseries-input';

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
}

interface ExportParsed {
  format: ExportFormat;
  output?: string;
}

interface RecoverParsed {
  output?: string;
  force?: boolean;
}

interface CollectParsed extends CommonParsed, ServeParsed {
  outputDir: string;
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
    .addHelpText('after', '\nExamples:\n  mlpstorage timeseries report results/training/unet3d/run/20260101_120000 --html report.html\n  mlpstorage timeseries report run_timeseries.json --format markdown\n')
    .action(async (target: string, p: ReportParsed) => {
      const run = await loadTimeSeriesRun(target);
      if (run.fromJournal) {
        await assertTimeSeriesFile(run.source);
        ctx.stderr.write(`mlpstorage: no document for this run; read the journal ${run.source}${run.tornLastLine === true ? ' (last line torn, dropped)' : ''}\n`);
      }
      const report = buildReport(run.data, run.meta);
      const text = p.format === 'json' ? renderReportJson(report) : p.format === 'markdown' ? renderReportMarkdown(report) : renderReportText(report);
      await write(ctx.stdout, text);
      if (p.html !== undefined) {
        const out = resolve(p.html);
        await writeFileAtomic(out, renderReportHtml(run.data, run.meta)).catch((err: unknown) => {
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
      const file = resolveRunFile(target);
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
      const rec = await readJournalWithReport(journal);
      await writeFileAtomic(out, serializeTimeSeriesData(rec.data)).catch((err: unknown) => {
        throw new MlpsError('IO_ERROR', `cannot write ${out}: ${(err as Error).message}`, { cause: err });
      });
      const lines = [`recovered ${rec.data.num_samples} samples from ${journal}`];
      for (const [host, n] of Object.entries(rec.samplesByHost)) lines.push(`  ${host}: ${n} samples`);
      lines.push(`last line torn: ${rec.tornLastLine ? 'yes (dropped)' : 'no'}`);
      if (rec.badLines > 0) lines.push(`unreadable lines skipped: ${rec.badLines}`);
      lines.push(`document written: ${out}`);
      await write(ctx.stdout, `${lines.join('\n')}\n`);
      ctx.exitCode = EXIT.OK;
    });

  const collect = ts
    .command('collect')
    .description('collect host time series around any command, for a duration, or until Ctrl-C')
    .argument('[command...]', 'the command to run and its arguments (after --); exits with its exit code')
    .passThroughOptions()
    .addOption(new Option('-s, --hosts <hosts...>', 'hosts to sample: host, host:slots, user@host, [v6addr]; default this machine').argParser(collectHosts))
    .addOption(new Option('--timeseries-interval <seconds>', 'seconds between samples (float)').argParser(parseIntervalSeconds).default(10).helpGroup(GROUPS.timeseries))
    .addOption(new Option('--max-timeseries-samples <n>', 'samples kept per host in memory and in the document (the journal keeps all)').argParser(parsePositiveInt).default(3600).helpGroup(GROUPS.timeseries))
    .addOption(new Option('--timeseries-overflow <policy>', 'at the cap: decimate or keep-first').choices(['decimate', 'keep-first']).default('decimate').helpGroup(GROUPS.timeseries))
    .addOption(new Option('--output-dir <dir>', 'where the journal, document and metadata go').default('.'))
    .addOption(new Option('--name <name>', 'file name prefix: <name>_<YYYYMMDD_HHMMSS>_timeseries.json').default('collect'))
    .addOption(new Option('--duration <duration>', 'collect for this long (60s, 5m, 1h) instead of around a command').argParser(parseDuration))
    .addOption(new Option('-q, --quiet', 'no progress output'));
  addSshOptions(collect);
  addServeOptions(collect);
  for (const o of collect.options) if (o.long === '--serve' || o.long === '--serve-host') o.helpGroup(GROUPS.timeseries);
  collect.addHelpText(
    'after',
    '\nExamples:\n  mlpstorage timeseries collect --timeseries-interval 1 --output-dir out -- fio --name=w --rw=write --size=1g --filename=/mnt/f\n' +
      '  mlpstorage timeseries collect --hosts node1 node2 --duration 10m --serve 9100\n',
  );
  collect.action(async (argv: string[], p: CollectParsed) => {
    ctx.exitCode = await runCollect(ctx, argv, p);
  });
}

async function runCollect(ctx: CliContext, argv: string[], p: CollectParsed): Promise<number> {
  if (argv.length > 0 && p.duration !== undefined) throw invalidArgument('give either --duration or a command after --, not both');
  const hosts = p.hosts !== undefined && p.hosts.length > 0 ? parseHostList(p.hosts) : [];
  const outDir = resolve(p.outputDir);
  try {
    makeDirectorySync(outDir);
  } catch (err) {
    throw new MlpsError('IO_ERROR', `cannot create --output-dir ${outDir}: ${(err as Error).message}`, { cause: err });
  }
  if (!/^[A-Za-z0-9._-]+$/.test(p.name)) throw invalidArgument(`--name '${p.name}' must be letters, digits, '.', '_' or '-'`);
  const warnings: string[] = [];
  const opened = await startCollectorAtFreeName(p.name, outDir, (journalPath) =>
    createRunCollector({
      hosts,
      settings: {
        intervalSeconds: p.timeseriesInterval ?? 10,
        skip: false,
        maxSamples: p.maxTimeseriesSamples ?? 3600,
        overflow: p.timeseriesOverflow ?? 'decimate',
      },
      journalPath,
      ssh: sshOptionsFrom(p),
      warn: (m: string) => {
        warnings.push(m);
        ctx.stderr.write(`mlpstorage: warning: ${m}\n`);
      },
    }).collector,
  );
  const { collector, stem, datetime, files } = opened;
  const say = (line: string): void => {
    if (!p.quiet) ctx.stderr.write(`mlpstorage: ${line}\n`);
  };
  const startedAt = new Date();
  const t0 = performance.now();
  say(`collecting every ${p.timeseriesInterval ?? 10} s into ${files.journal}`);
  const live = p.serve !== undefined ? await startLiveView(ctx, p, () => buildTimeSeriesData(collector), { title: `mlps time series: ${p.name} (live)`, benchmark: p.name }) : null;

  let exitCode: number = EXIT.OK;
  let signalled: NodeJS.Signals | null = null;
  let onSignal: ((s: NodeJS.Signals) => void) | null = null;
  try {
    exitCode = await new Promise<number>((resolveRun) => {
      let child: ReturnType<typeof spawn> | null = null;
      let timer: NodeJS.Timeout | null = null;
      onSignal = (signal: NodeJS.Signals): void => {
        signalled = signal;
        if (child !== null && child.exitCode === null) {
          // The child usually got the terminal's Ctrl-C too; forwarding covers `kill -INT <mlpstorage>`.
          child.kill(signal);
        } else {
          if (timer !== null) clearTimeout(timer);
          resolveRun(EXIT.OK);
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      if (argv.length > 0) {
        say(`running: ${argv.join(' ')}`);
        child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' });
        child.once('error', (err: NodeJS.ErrnoException) => {
          ctx.stderr.write(`mlpstorage: error: cannot run ${argv[0]}: ${err.code === 'ENOENT' ? 'command not found' : err.message}\n`);
          resolveRun(err.code === 'ENOENT' ? 127 : 126);
        });
        child.once('exit', (code, signal) => {
          resolveRun(code ?? (signal !== null ? 128 + signalNumber(signal) : 1));
        });
      } else if (p.duration !== undefined) {
        say(`for ${p.duration} s (Ctrl-C stops early)`);
        timer = setTimeout(() => resolveRun(EXIT.OK), p.duration * 1000);
      } else {
        say('until Ctrl-C');
      }
    });
  } finally {
    if (onSignal !== null) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await collector.stop();
    await live?.close();
  }
  const endedAt = new Date();
  const data: TimeSeriesData = buildTimeSeriesData(collector);
  await writeFileAtomic(files.document, serializeTimeSeriesData(data));
  const metadata = {
    benchmark_type: 'collect',
    name: p.name,
    command: argv.length > 0 ? argv : null,
    duration_seconds: p.duration ?? null,
    exit_code: exitCode,
    ...(signalled !== null ? { signal: signalled } : {}),
    run_datetime: datetime,
    start_time: startedAt.toISOString(),
    end_time: endedAt.toISOString(),
    runtime: (performance.now() - t0) / 1000,
    hosts: hosts.map((h) => h.spec),
    timeseries_data: {
      file: `${stem}_timeseries.json`,
      journal: `${stem}_timeseries.jsonl`,
      num_samples: data.num_samples,
      interval_seconds: data.collection_interval_seconds,
      hosts_collected: data.hosts_collected,
      ...(data.host_status !== undefined ? { host_status: data.host_status } : {}),
      skipped_ticks: data.interval_stats?.skipped_ticks ?? 0,
    },
    warnings,
  };
  await writeFileAtomic(files.metadata, `${JSON.stringify(metadata, null, 2)}\n`);
  const summary = formatRunSummary({
    exitCode,
    files: { runDir: outDir, document: files.document, journal: files.journal, metadata: files.metadata },
    data,
    runtimeSeconds: (performance.now() - t0) / 1000,
    warnings: warnings.length,
  });
  ctx.stderr.write(`${summary.join('\n')}\n`);
  return exitCode;
}

type RunCollectorInstance = ReturnType<typeof createRunCollector>['collector'];

/**
 * Starts a collector whose journal gets a fresh `<name>_<YYYYMMDD_HHMMSS>` stem in `dir`. Two collections
 * started in the same second (or a leftover file) never share names: the journal is created exclusively,
 * and a name that is taken moves to the next second, as run directories do.
 */
async function startCollectorAtFreeName(
  name: string,
  dir: string,
  create: (journalPath: string) => RunCollectorInstance,
  maxAttempts = 3600,
): Promise<{ collector: RunCollectorInstance; stem: string; datetime: string; files: { document: string; journal: string; metadata: string } }> {
  const baseMs = Math.floor(Date.now() / 1000) * 1000;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const datetime = formatRunDatetime(new Date(baseMs + attempt * 1000));
    const stem = `${name}_${datetime}`;
    const files = {
      document: join(dir, `${stem}_timeseries.json`),
      journal: join(dir, `${stem}_timeseries.jsonl`),
      metadata: join(dir, `${stem}_metadata.json`),
    };
    if (existsSync(files.journal) || existsSync(files.document) || existsSync(files.metadata)) continue;
    const collector = create(files.journal);
    const remote = collector instanceof MultiHostTimeSeriesCollector;
    // As in benchmark runs: connecting first means a handshake is not recorded as a missed first sample.
    if (remote) await collector.connect();
    try {
      await collector.start();
    } catch (err) {
      // Lost the race for this name to a collection started at the same moment. A multi-host collector
      // already holds its connections, so only a local one moves on to the next second.
      if (!remote && isMlpsError(err) && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'EEXIST') continue;
      throw err;
    }
    return { collector, stem, datetime, files };
  }
  throw new MlpsError('IO_ERROR', `no free file name ${name}_<datetime>_timeseries.jsonl in ${dir} after ${maxAttempts} attempts`);
}

function signalNumber(signal: NodeJS.Signals): number {
  const n = osConstants.signals[signal];
  return typeof n === 'number' ? n : 0;
}
