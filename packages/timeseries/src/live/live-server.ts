/**
 * The live view of a running collection: a small HTTP server (loopback by default) serving `/metrics`
 * (Prometheus text of the latest rates and counters), `/` (the HTML report, redrawing itself) and
 * `/data.json` (what the page polls).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MlpsError, invalidArgument } from '../errors';
import type { TimeSeriesData } from '../types';
import type { ReportMeta } from '../report/build-report';
import { buildReportChartData } from '../report/chart-data';
import { renderReportHtmlFromChartData } from '../report/render-html';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheusMetrics } from './prometheus-text';

/** Options of {@link startLiveServer}. */
export interface LiveServerOptions {
  /** TCP port; 0 picks a free one (see {@link LiveServer.port}). */
  port: number;
  /** Address to listen on. Default `127.0.0.1`: the live view is not exposed unless asked. */
  host?: string;
  /** The run's current state (e.g. `() => buildTimeSeriesData(collector)`); called per request, at most every `cacheMs`. */
  source: () => TimeSeriesData;
  /** Header of the page. */
  meta?: ReportMeta;
  /** Seconds between page refreshes. Default: the collection interval, 1–10 s. */
  refreshSeconds?: number;
  /** A snapshot is reused for this long (ms) so scrapes and page polls do not decode the run each time. Default 500. */
  cacheMs?: number;
}

/** A running live server. */
export interface LiveServer {
  /** `http://host:port/`. */
  url: string;
  port: number;
  host: string;
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Starts the live server. Resolves once it listens.
 * @throws MlpsError `INVALID_ARGUMENT` for a bad port, `IO_ERROR` when it cannot listen (port in use…).
 */
export async function startLiveServer(options: LiveServerOptions): Promise<LiveServer> {
  const { port, source } = options;
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidArgument(`live server port must be an integer from 0 to 65535, got ${String(port)}`);
  if (typeof source !== 'function') throw invalidArgument('live server needs a source() returning the run\'s TimeSeriesData');
  const cacheMs = options.cacheMs ?? 500;
  let cached: { at: number; data: TimeSeriesData } | null = null;
  const snapshot = (): TimeSeriesData => {
    const now = Date.now();
    if (cached === null || now - cached.at >= cacheMs) cached = { at: now, data: source() };
    return cached.data;
  };
  const chartData = (data: TimeSeriesData): ReturnType<typeof buildReportChartData> =>
    buildReportChartData(data, options.meta, {
      live: true,
      refreshSeconds: options.refreshSeconds ?? Math.max(1, Math.min(10, data.collection_interval_seconds)),
    });

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'text/plain; charset=utf-8', 'only GET\n');
        return;
      }
      if (path === '/metrics') {
        send(res, 200, PROMETHEUS_CONTENT_TYPE, renderPrometheusMetrics(snapshot()));
      } else if (path === '/data.json') {
        send(res, 200, 'application/json; charset=utf-8', JSON.stringify(chartData(snapshot())));
      } else if (path === '/' || path === '/index.html') {
        send(res, 200, 'text/html; charset=utf-8', renderReportHtmlFromChartData(chartData(snapshot())));
      } else {
        send(res, 404, 'text/plain; charset=utf-8', 'not found: try /, /metrics or /data.json\n');
      }
    } catch (err) {
      // A failing snapshot must not take the run down with it: answer 500 and keep serving.
      send(res, 500, 'text/plain; charset=utf-8', `error: ${(err as Error).message}\n`);
    }
  };

  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new MlpsError(
          'IO_ERROR',
          err.code === 'EADDRINUSE' ? `cannot serve on ${host}:${port}: the port is in use; pick another with --serve <port>` : `cannot serve on ${host}:${port}: ${err.message}`,
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // The live view must never keep a finished run's process alive.
  server.unref();
  const addr = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}/`,
    port: addr.port,
    host: addr.address,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
