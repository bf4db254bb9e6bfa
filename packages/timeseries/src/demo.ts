/**
 * What `npm start` runs until the CLI exists: a short local collection that prints, once per sample, the
 * disk and network throughput and CPU use of this machine, then the collector's own figures.
 *
 * Options: `--seconds N` (default 10), `--interval S` (default 1).
 */
import { readdirSync } from 'node:fs';
import { TimeSeriesCollector } from './collector';
import { isMlpsError } from './errors';
import { formatMilliseconds } from './stats';
import { deriveRates, type SampleRates } from './rates';
import { collectTimeseriesSampleSync } from './sampling';
import type { TimeSeriesSample } from './types';

const MB = 1e6;

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`mlps demo: ${name} needs a positive number, got ${JSON.stringify(args[at + 1] ?? '')}`);
    process.exit(2);
  }
  return value;
}

/**
 * Whole physical disks (from /sys/block, without loop, ram, zram and stacked dm/md devices), so that a
 * partition's or a device-mapper volume's I/O is not counted twice. Null: count every device.
 */
function physicalDisks(): Set<string> | null {
  try {
    const names = readdirSync('/sys/block').filter((n) => !/^(loop|ram|zram|dm-|md)/.test(n));
    return names.length > 0 ? new Set(names) : null;
  } catch {
    return null;
  }
}

function fmt(n: number, width = 8): string {
  return n.toFixed(2).padStart(width);
}

function summaryLine(rates: SampleRates, disks: Set<string> | null, elapsed: number): string {
  let read = 0;
  let write = 0;
  for (const d of Object.values(rates.disks)) {
    if (disks && !disks.has(d.device)) continue;
    read += d.readBytesPerSec;
    write += d.writeBytesPerSec;
  }
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(rates.net)) {
    if (n.interface === 'lo') continue;
    rx += n.rxBytesPerSec;
    tx += n.txBytesPerSec;
  }
  const cpu = rates.cpu;
  const cpuText = cpu ? `${fmt(cpu.busy, 6)} % busy ${fmt(cpu.iowait, 6)} % iowait` : '     n/a';
  return (
    `${elapsed.toFixed(1).padStart(5)} s  disk read ${fmt(read / MB)} write ${fmt(write / MB)} MB/s` +
    `  net rx ${fmt(rx / MB)} tx ${fmt(tx / MB)} MB/s  cpu ${cpuText}`
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seconds = option(args, '--seconds', 10);
  const intervalSeconds = option(args, '--interval', 1);
  const disks = physicalDisks();
  let previous: TimeSeriesSample | null = null;
  let first: number | null = null;

  const collector = new TimeSeriesCollector({
    intervalSeconds,
    sampler: ({ wallMs }) => {
      const sample = collectTimeseriesSampleSync({ wallMs });
      first ??= wallMs;
      if (previous) {
        const rates = deriveRates(previous, sample);
        if (rates) console.log(summaryLine(rates, disks, (wallMs - first) / 1000));
      }
      if (sample.errors) console.log(`        errors: ${JSON.stringify(sample.errors)}`);
      previous = sample;
      return sample;
    },
  });
  console.log(
    `mlps demo: sampling ${collector.hostName} every ${intervalSeconds} s for ${seconds} s ` +
      `(disks: ${disks ? [...disks].join(', ') : 'all'}; network without lo)`,
  );
  collector.start();
  // A little past the last due tick, so it is included.
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + Math.min(200, (intervalSeconds * 1000) / 4)));
  const samples = await collector.stop();
  const s = collector.stats;
  const err = s.intervalErrorMs;
  console.log(
    `mlps demo: ${samples.length} samples, ${s.skippedTicks} skipped, ${s.failedSamples} failed; ` +
      (err ? `start error p50 ${formatMilliseconds(err.p50)}, p99 ${formatMilliseconds(err.p99)}, max ${formatMilliseconds(err.max)}` : ''),
  );
}

main().catch((error: unknown) => {
  console.error(`mlps demo: ${isMlpsError(error) ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
