/**
 * The public API of `@mlps/timeseries`: the runtime names its entry exports. A change here is a change of the
 * public API: make it on purpose (README, callers), then update the list.
 */
import * as entry from './index';

const NAMES = [
  'AtomicFileStream', 'CSV_HEADER', 'CollectionRun', 'DEFAULT_INTERVAL_SECONDS', 'DEFAULT_MAX_SAMPLES',
  'EXPORT_FORMATS', 'EngineCollector', 'FORMAT_VERSION', 'HostHealthTracker', 'JOURNAL_FORMAT',
  'JOURNAL_FORMAT_VERSION', 'JournalDecoder', 'JournalLayout', 'JournalRunSummary', 'JournalSampleRecord',
  'JournalTail', 'JournalWriter', 'MAX_INTERVAL_SECONDS', 'MIN_INTERVAL_SECONDS', 'ManualClock', 'MlpsError',
  'OVERFLOW_POLICIES', 'PROMETHEUS_CONTENT_TYPE', 'SAMPLE_SOURCE_FILES', 'SampleStore', 'StreamingStats',
  'TickScheduler', 'TimeSeriesCollector', 'TornLineTracker', 'buildAllHostSeries', 'buildErrorSample',
  'buildReport', 'buildReportChartData', 'buildReportFromSeries', 'buildSampleFromSourceTexts',
  'buildTimeSeriesData', 'chartDataFromSeries', 'collectTimeseriesSample', 'collectTimeseriesSampleSync',
  'collectionMethodOf', 'computeRates', 'deriveHostStatus', 'deriveRates', 'describeHostTransition',
  'describeValue', 'exportTimeSeries', 'fieldTimeMs', 'findRunFiles', 'formatMilliseconds',
  'formatReferenceTimestamp', 'formatTimestamp', 'hostHealthOf', 'hostStatusFromSamples', 'invalidArgument',
  'isGoodSample', 'isJournalFile', 'isMlpsError', 'lastSampleError', 'loadTimeSeriesRun',
  'normalizeSampleFields', 'parseJournalLine', 'parseProcDiskstats', 'parseProcLoadavg', 'parseProcMeminfo',
  'parseProcNetDev', 'parseProcPressure', 'parseProcStat', 'parseProcUptime', 'parseProcVmstat',
  'parseTimeSeriesData', 'parseTimestampMs', 'percentileSorted', 'readJournal', 'readJournalWithReport',
  'referenceErrorKey', 'renderPrometheusMetrics', 'renderReportHtml', 'renderReportHtmlFromChartData',
  'renderReportJson', 'renderReportMarkdown', 'renderReportText', 'reportMetaFromMetadata', 'reportStat',
  'sampleMetricPoints', 'sampleOutcome', 'sampleTimeFields', 'sampleTimeMs', 'serializeTimeSeriesData',
  'startLiveServer', 'streamDocumentSamples', 'streamJournalSamples', 'streamTimeSeriesSamples', 'summarize',
  'systemClock', 'toEpochMs', 'validateCollectionSettings', 'validateSample', 'writeFileAtomic',
  'writeFileAtomicSync', 'writeTimeSeriesDocument', 'writeTimeSeriesDocumentFromJournal',
];

it('@mlps/timeseries exports exactly the listed names', () => {
  expect(Object.keys(entry).sort()).toEqual([...NAMES].sort());
});
