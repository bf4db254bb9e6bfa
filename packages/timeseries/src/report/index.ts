// `@mlps/timeseries/report`: run reports (text, Markdown, JSON, HTML) from documents and journals, and
// run-directory loading.
export { buildReport, buildReportFromSeries, buildAllHostSeries, reportStat } from './build-report';
export type { NetfsInterval } from './interval-rates';
export { reportTimeSeriesFile } from './report-stream';
export type { StreamedRunReport, ReportFileOptions } from './report-stream';
export type { ReportRunFields, ReportFromSeriesOptions } from './build-report';
export { HostSeriesBuilder } from './host-series';
export type { RunReport, HostReport, ReportMeta, ReportStat, DiskSummary, DeviceSummary, InterfaceSummary, NetfsSummary } from './build-report';
export type { HostSeries, ReportGap } from './host-series';
export { renderReportText, renderReportMarkdown, renderReportJson } from './render-summary';
export { renderReportHtml, renderReportHtmlFromChartData } from './render-html';
export { buildReportChartData, chartDataFromSeries } from './chart-data';
export type { ReportChartData, ChartSpec, ChartSeries, ChartDataOptions } from './chart-data';
export { findRunFiles, loadTimeSeriesRun, reportTimeSeriesRun, reportMetaFromMetadata } from './run-files';
export type { RunFiles, LoadedRun, ReportedRun } from './run-files';
export {
  StorageSummaryBuilder,
  buildStorageSummary,
  storageUnderTestOf,
  storageSummaryLines,
  isBlockless,
  storageEntryLine,
  deviceFiguresLine,
  workloadIoLine,
  workloadShareLine,
} from './storage-summary';
export type { HostStorageSummary, WorkloadIoFigures } from './storage-summary';
