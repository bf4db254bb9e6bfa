import { Option, type Command } from 'commander';
import {
  TimeSeriesCollector,
  buildTimeSeriesData,
  collectTimeseriesSampleSync,
  deriveRates,
  type TimeSeriesSample,
} from '@mlps/timeseries';
import type { CliContext } from '../context';
import { parseIntervalSeconds, parsePositiveNumber } from '../option-parsers';
import { formatRunSummary, wholeDisks } from '../summary';

interface DemoParsed {
  duration: number;
  interval: number;
}

function mb(bytesPerSec: number): string {
  return (bytesPerSec / 1e6).toFixed(2).padStart(10);
}

/**
 * `mlpstorage demo`: a short local collection (10 s at 1 s by default) printing, each interval, disk and
 * network throughput and CPU use of this machine. What `npm start` runs. Writes no files.
 */
export function registerDemoCommand(program: Command, ctx: CliContext): void {
  const cmd = program.command('demo').description('a 10-second local collection printing disk, network and CPU each second (no files)');
  cmd.addOption(new Option('--duration <seconds>', 'how long to collect').argParser(parsePositiveNumber).default(10));
  cmd.addOption(new Option('--interval <seconds>', 'seconds between samples').argParser(parseIntervalSeconds).default(1));
  cmd.action(async (p: DemoParsed) => {
    ctx.exitCode = await runDemo(ctx, p);
  });
}

async function runDemo(ctx: CliContext, p: DemoParsed): Promise<number> {
  const out = ctx.stdout;
  let prev: TimeSeriesSample | null = null;
  out.write(`collecting this host every ${p.interval} s for ${p.duration} s\n`);
  out.write(`${'time'.padEnd(12)} ${'read MB/s'.padStart(10)} ${'write MB/s'.padStart(10)} ${'rx MB/s'.padStart(10)} ${'tx MB/s'.padStart(10)} ${'CPU %'.padStart(6)}\n`);
  const collector = new TimeSeriesCollector({
    intervalSeconds: p.interval,
    maxSamples: Math.max(1, Math.ceil(p.duration / p.interval) + 2),
    logger: { warn: (m) => ctx.stderr.write(`mlpstorage: warning: ${m}\n`) },
    sampler: ({ wallMs }) => {
      const sample = collectTimeseriesSampleSync({ wallMs });
      const rates = prev ? deriveRates(prev, sample) : null;
      prev = sample;
      if (rates) {
        const disks = wholeDisks(Object.keys(rates.disks));
        const read = disks.reduce((a, d) => a + (rates.disks[d]?.readBytesPerSec ?? 0), 0);
        const write = disks.reduce((a, d) => a + (rates.disks[d]?.writeBytesPerSec ?? 0), 0);
        const nets = Object.entries(rates.net).filter(([name]) => name !== 'lo');
        const rx = nets.reduce((a, [, n]) => a + n.rxBytesPerSec, 0);
        const tx = nets.reduce((a, [, n]) => a + n.txBytesPerSec, 0);
        const cpu = rates.cpu ? rates.cpu.busy.toFixed(1) : 'n/a';
        out.write(`${sample.timestamp.slice(11, 23)} ${mb(read)} ${mb(write)} ${mb(rx)} ${mb(tx)} ${cpu.padStart(6)}\n`);
      }
      return sample;
    },
  });
  collector.start();
  let stopSignal: NodeJS.Signals | null = null;
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, p.duration * 1000);
    onSignal = (signal) => {
      stopSignal = signal;
      clearTimeout(timer);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await collector.stop();
  const data = buildTimeSeriesData(collector);
  const lines = formatRunSummary({
    exitCode: 0,
    files: { runDir: '(none: the demo writes no files)', document: null, journal: null, metadata: '(none)' },
    data,
    runtimeSeconds: p.duration,
    warnings: 0,
  });
  out.write(`${lines.slice(lines.findIndex((l) => l.startsWith('time series')) ).join('\n')}\n`);
  if (stopSignal === 'SIGINT') return 130;
  if (stopSignal === 'SIGTERM') return 143;
  return 0;
}
