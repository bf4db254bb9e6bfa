import { InvalidArgumentError, Option, type Command } from 'commander';
import type { TimeSeriesData } from '@mlps/timeseries';
import { JournalTail, startLiveServer, type LiveServer } from '@mlps/timeseries/live';
import type { ReportMeta } from '@mlps/timeseries/report';
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

/** `--serve` options of the benchmark command being run, handed to {@link RunLiveView} (one command per process). */
let pendingRunServe: ServeParsed | null = null;

/**
 * Adds `--serve <port>` and `--serve-host <address>` (live view of the collection while it runs). With
 * `forRun`, the parsed values are kept for the benchmark's {@link RunLiveView}.
 */
export function addServeOptions(cmd: Command, forRun = false): Command {
  if (forRun) {
    cmd.hook('preAction', (_hooked, action) => {
      const o = action.opts() as ServeParsed;
      pendingRunServe = o.serve === undefined ? null : { serve: o.serve, serveHost: o.serveHost ?? '127.0.0.1' };
    });
  }
  cmd.addOption(
    new Option('--serve <port>', 'serve a live view while collecting: /metrics (Prometheus text) and / (report page); 0 picks a port').argParser(parseServePort),
  );
  cmd.addOption(new Option('--serve-host <address>', 'address the live view listens on (loopback unless you choose otherwise)').default('127.0.0.1'));
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

/**
 * The live view of a benchmark `run` (`--serve` on run commands): it follows the run's journal, which the
 * collector flushes every tick, so it needs nothing from the benchmark but the journal's path.
 */
export class RunLiveView {
  private readonly serve: ServeParsed | null;
  private server: Promise<LiveServer | null> | null = null;

  constructor(private readonly ctx: CliContext) {
    this.serve = pendingRunServe;
    pendingRunServe = null;
  }

  /** Starts serving (once) when the workload starts; `journalPath` may not exist yet. */
  start(journalPath: string, meta?: ReportMeta): void {
    if (this.serve === null || this.server !== null) return;
    const tail = new JournalTail(journalPath);
    this.server = startLiveView(this.ctx, this.serve, () => {
      tail.poll();
      return tail.data();
    }, meta);
  }

  /** Stops serving. */
  async close(): Promise<void> {
    const s = await this.server;
    await s?.close();
  }
}
