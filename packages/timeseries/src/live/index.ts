// `@mlps/timeseries/live`: the live view (HTTP, Prometheus text) and the journal tail it reads.
export { startLiveServer } from './live-server';
export type { LiveServer, LiveServerOptions } from './live-server';
export { renderPrometheusMetrics, PROMETHEUS_CONTENT_TYPE } from './prometheus-text';
export { JournalTail } from './journal-tail';
export type { JournalTailOptions } from './journal-tail';
