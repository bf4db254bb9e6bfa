// Public API of @mlps/timeseries. Only what is exported here is public.
export { MlpsError, isMlpsError, invalidArgument } from './errors';
export type { MlpsErrorCode } from './errors';
export type {
  DiskStatsRecord,
  NetDevRecord,
  LoadAvgRecord,
  CpuTimes,
  PerCpuTimes,
  CpuStatRecord,
  PressureLine,
  PressureRecord,
  PressureStats,
  SampleSource,
  TimeSeriesSample,
  CollectionMethod,
  HostHealth,
  HostStatusRecord,
  IntervalStatsRecord,
  TimeSeriesData,
  Clock,
} from './types';
export { systemClock, ManualClock } from './clock';
export {
  FORMAT_VERSION,
  buildTimeSeriesData,
  serializeTimeSeriesData,
  parseTimeSeriesData,
  parseTimestampMs,
  isGoodSample,
  deriveHostStatus,
  validateSample,
  normalizeSampleFields,
} from './format';
export { formatReferenceTimestamp, toEpochMs, sampleTimeMs, fieldTimeMs } from './timestamps';
export type { TimestampedRecord } from './timestamps';
export type { RunDescription, DescribesRun } from './format';
export {
  HostHealthTracker,
  hostHealthOf,
  hostStatusFromSamples,
  sampleOutcome,
  lastSampleError,
  describeHostTransition,
} from './host-health';
export type {
  HostLinkState,
  HostTransition,
  HostTransitionKind,
  HostHealthCounts,
  HostHealthSnapshot,
  SampleOutcome,
} from './host-health';
export { parseProcDiskstats } from './proc/diskstats';
export { parseProcVmstat } from './proc/vmstat';
export { parseProcMeminfo } from './proc/meminfo';
export { parseProcLoadavg } from './proc/loadavg';
export { parseProcNetDev } from './proc/netdev';
export { parseProcStat } from './proc/stat';
export { parseProcPressure } from './proc/pressure';
export { parseProcUptime } from './proc/uptime';
export {
  SAMPLE_SOURCE_FILES,
  buildSampleFromSourceTexts,
  collectTimeseriesSampleSync,
  collectTimeseriesSample,
  formatTimestamp,
  sampleTimeFields,
} from './sampling';
export type { SampleSourceFile, SourceTexts, CollectSampleOptions } from './sampling';
export { writeFileAtomic, writeFileAtomicSync, AtomicFileStream } from './atomic';
export { writeTimeSeriesDocument, writeTimeSeriesDocumentFromJournal } from './document-writer';
export type { StreamedTimeSeriesData, DocumentSampleItem, DocumentWriteResult, JournalDocumentReport } from './document-writer';
export {
  JOURNAL_FORMAT,
  JOURNAL_FORMAT_VERSION,
  JournalWriter,
  JournalDecoder,
  JournalSampleRecord,
  JournalRunSummary,
  TornLineTracker,
  parseJournalLine,
  readJournal,
  readJournalWithReport,
} from './journal';
export type { JournalHeader, JournalReadReport, JournalRecord } from './journal';
export { JournalLayout } from './journal-layout';
export { TickScheduler } from './schedule';
export type { TickInfo, TickSchedulerOptions, TickSchedulerStats } from './schedule';
export { SampleStore, OVERFLOW_POLICIES } from './store';
export type { OverflowPolicy, SampleStoreOptions, CapReachedInfo } from './store';
export { summarize, percentileSorted, StreamingStats, formatMilliseconds } from './stats';
export type { Summary } from './stats';
export { TimeSeriesCollector } from './collector';
export { CollectionRun, EngineCollector, collectionMethodOf } from './collection-run';
export type {
  CollectionRunOptions,
  CollectionRunStats,
  CollectionLogger,
  CollectionProgress,
  RunCollector,
  HostSource,
  SampleRequest,
} from './collection-run';
export type {
  TimeSeriesCollectorOptions,
  CollectorStats,
  CollectorLogger,
  SampleProvider,
  SampleContext,
} from './collector';
export { deriveRates, computeRates } from './rates';
export type { SampleRates, DiskRates, NetRates, CpuPercent, MemoryUsage } from './rates';
// Report and export (issue 6).
export { buildReport, buildReportFromSeries, buildAllHostSeries, reportStat } from './report/build-report';
export type { RunReport, HostReport, ReportMeta, ReportStat, DiskSummary, DeviceSummary, InterfaceSummary } from './report/build-report';
export type { HostSeries, ReportGap } from './report/host-series';
export { renderReportText, renderReportMarkdown, renderReportJson } from './report/render-summary';
export { renderReportHtml, renderReportHtmlFromChartData } from './report/render-html';
export { buildReportChartData, chartDataFromSeries } from './report/chart-data';
export type { ReportChartData, ChartSpec, ChartSeries, ChartDataOptions } from './report/chart-data';
export { exportTimeSeries, EXPORT_FORMATS, CSV_HEADER } from './export/export-timeseries';
export type { ExportFormat, ExportTimeSeriesOptions, ExportResult } from './export/export-timeseries';
export { streamTimeSeriesSamples, streamDocumentSamples, streamJournalSamples, isJournalFile } from './export/document-stream';
export type { StreamedSample, StreamSummary } from './export/document-stream';
export { sampleMetricPoints } from './export/metric-points';
export type { MetricPoint, OpenMetricsFamily } from './export/metric-points';
export { startLiveServer } from './live/live-server';
export type { LiveServer, LiveServerOptions } from './live/live-server';
export { renderPrometheusMetrics, PROMETHEUS_CONTENT_TYPE } from './live/prometheus-text';
export { findRunFiles, loadTimeSeriesRun, reportMetaFromMetadata } from './report/run-files';
export type { RunFiles, LoadedRun } from './report/run-files';
export { JournalTail } from './live/journal-tail';
export type { JournalTailOptions } from './live/journal-tail';
export {
  validateCollectionSettings,
  describeValue,
  DEFAULT_INTERVAL_SECONDS,
  DEFAULT_MAX_SAMPLES,
  MIN_INTERVAL_SECONDS,
  MAX_INTERVAL_SECONDS,
} from './settings';
export type { CollectionSettings } from './settings';
export { buildErrorSample, referenceErrorKey } from './error-sample';
export type { ReferenceErrorKey, ErrorSampleOptions } from './error-sample';
