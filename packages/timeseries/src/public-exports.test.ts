/**
 * The public API of `@mlps/timeseries`, entry by entry: the runtime names each entry exports (package.json
 * `exports`: the root, `/report`, `/export`, `/live`, `/engine`). A change here is a change of the public
 * API: make it on purpose (README, callers), then update the list.
 */
import * as index from './index';
import * as report from './report/index';
import * as exportEntry from './export/index';
import * as live from './live/index';
import * as engine from './engine/index';

const ENTRIES: Array<[string, Record<string, unknown>, string[]]> = [
  [
    '@mlps/timeseries',
    index,
    [
      'AtomicFileStream', 'DEFAULT_INTERVAL_SECONDS', 'DEFAULT_MAX_SAMPLES', 'FORMAT_VERSION',
      'HostHealthTracker', 'JOURNAL_FORMAT', 'JOURNAL_FORMAT_VERSION', 'JournalDecoder', 'JournalLayout',
      'JournalRunSummary', 'JournalSampleRecord', 'MAX_INTERVAL_SECONDS', 'MIN_INTERVAL_SECONDS',
      'ManualClock', 'MlpsError', 'OVERFLOW_POLICIES', 'SAMPLE_SOURCE_FILES', 'TimeSeriesCollector',
      'TornLineTracker', 'buildErrorSample', 'buildSampleFromSourceTexts', 'buildTimeSeriesData',
      'cifsShareRates', 'collectTimeseriesSample', 'collectTimeseriesSampleSync', 'collectionMethodOf', 'computeRates',
      'deriveHostStatus', 'deriveNetfsRates', 'deriveRates', 'describeHostTransition', 'describeValue', 'fieldTimeMs',
      'formatMilliseconds', 'formatReferenceTimestamp', 'formatTimestamp', 'hostHealthOf',
      'hostStatusFromSamples', 'invalidArgument', 'isGoodSample', 'isMlpsError', 'lastSampleError', 'lustreRates',
      'nfsMountRates', 'normalizeSampleFields', 'parseCifsStats', 'parseJournalLine', 'parseLustreLliteStats', 'parseNfsMountstats', 'parseProcDiskstats', 'parseProcLoadavg',
      'parseProcMeminfo', 'parseProcNetDev', 'parseProcPressure', 'parseProcStat', 'parseProcUptime',
      'parseProcVmstat', 'parseTimeSeriesData', 'parseTimestampMs', 'readJournal', 'readJournalWithReport',
      'referenceErrorKey', 'sampleOutcome', 'sampleTimeFields', 'sampleTimeMs', 'serializeTimeSeriesData',
      'systemClock', 'toEpochMs', 'validateCollectionSettings', 'validateSample', 'writeFileAtomic',
      'writeFileAtomicSync', 'writeTimeSeriesDocument', 'writeTimeSeriesDocumentFromJournal',
      'DeviceFiguresAccumulator', 'blockDeviceChain', 'blockDeviceKind', 'deviceGlobMatcher', 'gatherStorageFacts', 'isNetworkFilesystem', 'mountBlockDevice', 'mountForPath', 'parseMountinfo', 'parseStorageGatherOutput', 'realPathOf', 'resolveStorageTarget', 'resolveStorageUnderTest', 'storageDeviceSelector', 'storageDevices', 'storageGatherCommand', 'unavailableStorageFacts', 'unescapeMountField',
    ],
  ],
  [
    '@mlps/timeseries/report',
    report,
    [
      'buildAllHostSeries', 'buildReport', 'buildReportChartData', 'buildReportFromSeries',
      'StorageSummaryBuilder', 'buildStorageSummary', 'isBlockless', 'storageUnderTestOf', 'storageSummaryLines', 'storageEntryLine',
      'deviceFiguresLine', 'workloadIoLine', 'workloadShareLine',
      'chartDataFromSeries', 'findRunFiles', 'loadTimeSeriesRun', 'renderReportHtml',
      'renderReportHtmlFromChartData', 'renderReportJson', 'renderReportMarkdown', 'renderReportText',
      'reportMetaFromMetadata', 'reportStat', 'reportTimeSeriesFile', 'reportTimeSeriesRun', 'HostSeriesBuilder',
    ],
  ],
  [
    '@mlps/timeseries/export',
    exportEntry,
    [
      'CSV_HEADER', 'EXPORT_FORMATS', 'exportTimeSeries', 'isJournalFile', 'sampleMetricPoints',
      'streamDocumentSamples', 'streamJournalSamples', 'streamTimeSeriesSamples',
    ],
  ],
  [
    '@mlps/timeseries/live',
    live,
    [
      'JournalTail', 'PROMETHEUS_CONTENT_TYPE', 'renderPrometheusMetrics', 'startLiveServer',
    ],
  ],
  [
    '@mlps/timeseries/engine',
    engine,
    [
      'CollectionRun', 'DEFAULT_JOURNAL_MAX_PENDING_BYTES', 'EngineCollector', 'JournalWriter', 'LocalSampler', 'PROC_SAMPLE_FIELDS', 'PROC_SOURCES', 'RECORD_SOURCES',
      'PackedSample', 'PROCESS_IO_FIELDS', 'SampleStore', 'StreamingStats', 'TickScheduler', 'WorkloadIoTracker', 'isPackedSample',
      'parseProcPidIo', 'percentileSorted', 'summarize',
    ],
  ],
];

describe('public exports', () => {
  it.each(ENTRIES)('%s exports exactly the listed names', (_entry, module, names) => {
    expect(Object.keys(module).sort()).toEqual([...names].sort());
  });

  it('no name is exported by two entries (each capability has one home)', () => {
    const seen = new Map<string, string>();
    for (const [entry, , names] of ENTRIES) {
      for (const name of names) {
        expect([name, seen.get(name)]).toEqual([name, undefined]);
        seen.set(name, entry);
      }
    }
  });

  it('keeps the engine internals out of the root entry', () => {
    const internals = ['CollectionRun', 'EngineCollector', 'SampleStore', 'TickScheduler', 'JournalWriter', 'StreamingStats'];
    for (const internal of internals) expect(index).not.toHaveProperty(internal);
  });
});
