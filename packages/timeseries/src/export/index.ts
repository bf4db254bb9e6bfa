// `@mlps/timeseries/export`: exports (CSV, JSONL, OpenMetrics) and streamed reading of documents and journals.
export { exportTimeSeries, EXPORT_FORMATS, CSV_HEADER } from './export-timeseries';
export type { ExportFormat, ExportTimeSeriesOptions, ExportResult } from './export-timeseries';
export { streamTimeSeriesSamples, streamDocumentSamples, streamJournalSamples, isJournalFile } from './document-stream';
export type { StreamedSample, StreamSummary } from './document-stream';
export { sampleMetricPoints } from './metric-points';
export type { MetricPoint, OpenMetricsFamily } from './metric-points';
