import { Option, type Command } from 'commander';
import { EXIT, type CliContext } from '../context';
import { addStandardOptions, outputLevel, type CommonParsed } from '../options';
import { applyConfigFile } from '../python-args';
import { generateReports } from '../reportgen';

interface ReportgenParsed extends CommonParsed {
  outputDir?: string;
}

function figure(v: unknown, unit = ''): string {
  return typeof v === 'number' ? `${v}${unit}` : '-';
}

/** `mlpstorage reports reportgen`: results.json and results.csv of a results tree, as mlpstorage. */
export function registerReportsCommands(program: Command, ctx: CliContext): void {
  const reports = program.command('reports').description('generate reports from benchmark results');
  const reportgen = reports
    .command('reportgen')
    .description('write results.json and results.csv for every run under --results-dir (with time-series figures per run)')
    .addOption(new Option('--output-dir <dir>', 'directory where the report is saved (default: --results-dir)'));
  addStandardOptions(reportgen, 'none');
  reportgen.action(async (_parsed: ReportgenParsed, command: Command) => {
    if (_parsed.configFile) {
      for (const w of applyConfigFile(command, _parsed.configFile)) ctx.stderr.write(`mlpstorage: warning: ${w}\n`);
    }
    const p = command.opts() as ReportgenParsed;
    const result = await generateReports({ resultsDir: p.resultsDir, ...(p.outputDir ? { outputDir: p.outputDir } : {}) });
    for (const s of result.skipped) ctx.stderr.write(`mlpstorage: warning: skipping ${s.dir}: ${s.reason}\n`);
    if (!outputLevel(p).quiet) {
      for (const r of result.rows) {
        const ts = (r.timeseries ?? {}) as Record<string, unknown>;
        ctx.stdout.write(
          `${String(r.run_id)}: ${figure(ts.num_samples)} samples, ${figure(ts.hosts)} host(s), ` +
            `disk read/write ${figure(ts.disk_read_MBps_mean)}/${figure(ts.disk_write_MBps_mean)} MB/s, ` +
            `net rx/tx ${figure(ts.net_rx_MBps_mean)}/${figure(ts.net_tx_MBps_mean)} MB/s, cpu busy ${figure(ts.cpu_busy_percent_mean, '%')}\n`,
        );
      }
    }
    ctx.stdout.write(`mlpstorage: ${result.rows.length} run(s): ${result.jsonFile}, ${result.csvFile}\n`);
    ctx.exitCode = EXIT.OK;
  });
}
