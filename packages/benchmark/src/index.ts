// Public API of benchmark. Only what is exported here is public.
export { Benchmark, EXIT_CODES, countGoodAndErrorSamples } from './benchmark';
export type { BenchmarkOptions, BenchmarkEvents, BenchmarkStage, TimeseriesMetadata, ReferenceRunInfo, RescuedFilesMetadata } from './benchmark';
export { BENCHMARK_TYPES, formatRunDatetime, resultsParentDirectory, allocateRunDirectory, runFileNames } from './run-directory';
export type { BenchmarkType, ResultsLocation, AllocatedRunDirectory } from './run-directory';
export { DEFAULT_TIMESERIES_SETTINGS, createRunCollector, readCollectionProgress } from './collection';
export type { TimeseriesSettings, RunCollector, CollectionProgress, CreateCollectorOptions, CreatedCollector } from './collection';
export { CommandExecutor } from './executor';
export type { CommandRecord, CommandExecutorOptions, ExecuteOptions, ExecutorOutput } from './executor';
export { formatCommandLine, quoteArgument } from './command-line';
export { resolveProgram } from './program-lookup';
export type { ProgramHint } from './program-lookup';
export {
  collectClusterFacts,
  readLocalProcTexts,
  collectClusterSnapshot,
  collectLocalHostSnapshot,
  parseRemoteSnapshot,
  REMOTE_SNAPSHOT_SCRIPT,
} from './cluster-snapshot';
export type { ClusterFacts, ClusterSnapshot, HostSnapshot, DataDirMount, RemoteCommandRunner, ClusterSnapshotOptions } from './cluster-snapshot';
export { parseMounts, findMountFor, parseCpuinfo, parseOsRelease } from './host-info-parsers';
export type { MountRecord } from './host-info-parsers';
export { buildMpiPrefix, distributeSlots } from './mpi';
export type { MpiOptions } from './mpi';
export { buildDlioCommand, parseParams, mpiProgram, DLIO_PROGRAM } from './dlio';
export type { DlioLaunchOptions, DlioCommandOptions } from './dlio';
export * from './models';
export { TrainingBenchmark, computeTrainingDatasize } from './training';
export type { TrainingOptions, TrainingDatasize } from './training';
export { CheckpointingBenchmark, computeCheckpointDatasize } from './checkpointing';
export type { CheckpointingOptions } from './checkpointing';
export { VectorDbBenchmark } from './vectordb';
export type { VectorDbOptions } from './vectordb';
export { KvCacheBenchmark, computeKvCacheDatasize, formatKvCacheDatasize, KVCACHE_TOKENS_PER_USER } from './kvcache';
export type { KvCacheOptions } from './kvcache';
export { CommandBenchmark } from './command-benchmark';
export type { CommandBenchmarkOptions } from './command-benchmark';
export { CollectBenchmark } from './collect-benchmark';
export type { CollectBenchmarkOptions } from './collect-benchmark';
export { ENGINE_NAMES } from './workload-context';
export type { WorkloadContext, BuiltinEngine, EngineName } from './workload-context';
// The built-in engines are the `@mlps/benchmark/engines` entry (src/engines/index.ts).
export {
  referenceHostInfo,
  referenceClusterInformation,
  clusterConsistencyIssues,
  parseMeminfoReference,
  parseCpuinfoReference,
  summarizeCpuinfoReference,
  parseDiskstatsReference,
  parseNetDevReference,
  parseLoadavgReference,
  parseUptimeReference,
  parseOsReleaseReference,
} from './reference-cluster-info';
export type {
  HostProcTexts,
  ReferenceHostInfo,
  ReferenceClusterInformation,
  ReferenceMemoryInfo,
  ReferenceCpuInfo,
  ReferenceSystemInfo,
} from './reference-cluster-info';
export { pythonArgs, snakeCaseKey, nestDottedParameters, commandOutputFiles, referenceTimeFields } from './reference-metadata';
