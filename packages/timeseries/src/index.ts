// Public API of @mlps/timeseries. Only what is exported here and by the subpath entries is public:
// `@mlps/timeseries/report` (reports), `/export` (exports, streamed reading), `/live` (live view, journal
// tail) and `/engine` (the collection engine and its parts, to build a collector on).
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
  WorkloadIoRecord,
  NfsByteStats,
  NfsTransportStats,
  NfsOpStats,
  NfsMountRecord,
  CifsShareRecord,
  LustreCounter,
  LustreLliteRecord,
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
export type { RunDescription, DescribesRun, KeptSamples } from './format';
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
export { parseNfsMountstats } from './proc/nfs-mountstats';
export { parseCifsStats } from './proc/cifs';
export { parseLustreLliteStats } from './proc/lustre-llite';
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
export type { StreamedTimeSeriesData, DocumentSampleItem, DocumentWriteResult, DocumentWriteOptions, JournalDocumentReport } from './document-writer';
export {
  JOURNAL_FORMAT,
  JOURNAL_FORMAT_VERSION,
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
export type { TickInfo } from './schedule';
export { OVERFLOW_POLICIES } from './store';
export type { OverflowPolicy, CapReachedInfo } from './store';
export { formatMilliseconds } from './stats';
export type { Summary } from './stats';
export { TimeSeriesCollector } from './collector';
export { collectionMethodOf } from './collection-run';
export type { CollectionProgress, JournalStatus, RunCollector } from './collection-run';
export type {
  TimeSeriesCollectorOptions,
  CollectorStats,
  CollectorLogger,
  SampleProvider,
  SampleContext,
} from './collector';
export { deriveRates, computeRates } from './rates';
export type { SampleRates, DiskRates, NetRates, CpuPercent, MemoryUsage, WorkloadIoRates } from './rates';
export { deriveNetfsRates, nfsMountRates, cifsShareRates, lustreRates } from './rates-netfs';
export type { NetfsRates, NfsMountRates, NfsOpRates, CifsShareRates, LustreRates } from './rates-netfs';
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
export {
  parseMountinfo,
  unescapeMountField,
  isNetworkFilesystem,
  blockDeviceKind,
  mountForPath,
  mountBlockDevice,
  blockDeviceChain,
  resolveStorageTarget,
  resolveStorageUnderTest,
  unavailableStorageFacts,
  gatherStorageFacts,
  realPathOf,
  storageGatherCommand,
  parseStorageGatherOutput,
  DeviceFiguresAccumulator,
  deviceGlobMatcher,
  storageDevices,
  storageDeviceSelector,
} from './storage';
export type {
  MountInfoEntry,
  StorageRole,
  BlockDeviceKind,
  BlockDeviceFacts,
  StorageFacts,
  StorageChainLink,
  StorageUnderTest,
  StorageUnderTestMap,
  StorageTarget,
  GatherStorageOptions,
  DeviceRunFigures,
} from './storage';
