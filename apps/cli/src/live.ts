import { InvalidArgumentError, Option, type Command } from 'commander';
import { startLiveServer, type LiveServer, type ReportMeta, type TimeSeriesData } from '@mlps/timeseries';
import type { CliContext } from './context';

/** A TCP port 0–65535 (0: any free port, printed at start). */
export function parseServePort(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  return n;
}

/** Parsed `--serve` options. */
export interface ServeParsed {
  serve?: number;
  serveHost?: string;
}

/** Adds `--serve <port>` and `--serve-host <address>` (live view of the collection while it runs). */
export function addServeOptions(cmd: Command): Command {
  cmd.addOption(
    new Option('--serve <port>', 'serve a live view while collecting: /metrics (Prometheus text) and / (report page); 0 picks a port').argParser(parseServePort),
  );
  cmd.addOption(new Option('--serve-host <address>', 'address the live view listens on (default loopback only)').default('127.0.0.1'));
  return cmd;
}

/**
 * Starts the live view when `--serve` was given and says where it is (stderr). `source` returns the run's
 * current data. A server that cannot start is a warning, never the run's failure: the collection matters
 * more than watching it.
 */
export async function startLiveView(
  ctx: CliContext,
  p: ServeParsed,
  source: () => TimeSeriesData,
  meta?: ReportMeta,
): Promise<LiveServer | null> {
  if (p.serve === undefined) return null;
  try {
    const server = await startLiveServer({ port: p.serve, host: p.serveHost ?? '127.0.0.1', source, ...(meta ? { meta } : {}) });
    ctx.stderr.write(`mlpstorage: live view at ${server.url} (metrics: ${server.url}metrics)\n`);
    return server;
  } catch (err) {
    ctx.stderr.write(`mlpstorage: warning: live view not started: ${(err as Error).message}\n`);
    return null;
  }
}
