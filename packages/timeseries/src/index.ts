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
} from './format';
export type { RunDescription, DescribesRun } from './format';
