// `@mlps/timeseries/engine`: the collection engine and its parts, for building a collector on (the
// multi-host collector does): a CollectionRun over HostSources, and the scheduler, store, journal writer
// and statistics it is made of.
export { CollectionRun, EngineCollector } from '../collection-run';
export type { CollectionRunOptions, CollectionRunStats, CollectionLogger, HostSource, SampleRequest } from '../collection-run';
export { TickScheduler } from '../schedule';
export type { TickSchedulerOptions, TickSchedulerStats } from '../schedule';
export { SampleStore } from '../store';
export type { SampleStoreOptions } from '../store';
export { DEFAULT_JOURNAL_MAX_PENDING_BYTES, JournalWriter } from '../journal';
export type { JournalWriterOptions } from '../journal';
export { summarize, percentileSorted, StreamingStats } from '../stats';
export { LocalSampler } from '../local-sampler';
export type { LocalSamplerOptions, LocalSamplerStats } from '../local-sampler';
export { PackedSample, isPackedSample } from '../packed-sample';
export type { SampleShape } from '../packed-sample';
export { PROC_SOURCES, PROC_SAMPLE_FIELDS, RECORD_SOURCES } from '../proc/registry';
export type { ProcSource, ProcSourceFileSpec } from '../proc/registry';
export { WorkloadIoTracker, parseProcPidIo, PROCESS_IO_FIELDS } from '../proc/workload-io';
