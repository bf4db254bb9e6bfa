/**
 * The public API of `@mlps/benchmark`: the runtime names its entry exports. A change here is a change of the
 * public API: make it on purpose (README, callers), then update the list.
 */
import * as entry from './index';

const NAMES = [
  'ACCELERATORS', 'ACCELERATOR_TYPES', 'BENCHMARK_TYPES', 'BUILTIN_TRAINING_PARAMS', 'Benchmark',
  'BuiltinCheckpointingBenchmark', 'BuiltinTrainingBenchmark', 'CADENCE_P99_TARGET_MS', 'CHECKPOINT_GB',
  'CHECKPOINT_MODEL_NAMES', 'CHECKPOINT_MODEL_SPECS', 'CheckpointingBenchmark', 'CollectBenchmark',
  'CommandBenchmark', 'CommandExecutor', 'DATASET_MANIFEST_NAME', 'DEFAULT_IO_SIZE',
  'DEFAULT_TIMESERIES_SETTINGS', 'DLIO_PROGRAM', 'ENGINE_ERROR_CODES', 'ENGINE_NAMES', 'EXIT_CODES',
  'HOST_MEMORY_GB', 'KVCACHE_BYTES_PER_TOKEN', 'KVCACHE_MODELS', 'KVCACHE_TOKENS_PER_USER', 'KvCacheBenchmark',
  'LLM_CHECKPOINT_GB', 'LLM_MODELS', 'MEMORY_MULTIPLIER', 'MPI_BINS', 'REMOTE_SNAPSHOT_SCRIPT',
  'SCALE_DESCRIPTION', 'STEPS_PER_EPOCH', 'TRAINING_MODELS', 'TRAINING_MODEL_NAMES', 'TRAINING_MODEL_SPECS',
  'TRAINING_WORKLOADS', 'TrainingBenchmark', 'VectorDbBenchmark', 'WorkloadError', 'allocateRunDirectory',
  'buildDlioCommand', 'buildMpiPrefix', 'checkpointDir', 'clusterConsistencyIssues', 'collectClusterFacts',
  'collectClusterSnapshot', 'collectLocalHostSnapshot', 'commandOutputFiles', 'computeCheckpointDatasize',
  'computeCheckpointSizes', 'computeKvCacheDatasize', 'computeRankShards', 'computeTrainingDatasetSize',
  'computeTrainingDatasize', 'countGoodAndErrorSamples', 'createRunCollector', 'datasetFilePath',
  'describeCheckpointingConfig', 'describeTrainingConfig', 'distributeSlots', 'findMountFor', 'formatBytes',
  'formatCheckpointDatasize', 'formatCheckpointingSummary', 'formatCommandLine', 'formatDatagenSummary',
  'formatKvCacheDatasize', 'formatRunDatetime', 'formatTrainingConfig', 'formatTrainingDatasize',
  'formatTrainingRunSummary', 'fsError', 'generateRecordSizes', 'generateTrainingDataset',
  'getCheckpointModel', 'getTrainingModel', 'isWorkloadError', 'loadDatasetManifest', 'makeDirectory',
  'makeDirectorySync', 'mpiProgram', 'nestDottedParameters', 'parseAcceleratorType', 'parseCpuinfo',
  'parseCpuinfoReference', 'parseDiskstatsReference', 'parseEngineName', 'parseLoadavgReference',
  'parseMeminfoReference', 'parseMounts', 'parseNetDevReference', 'parseOsRelease', 'parseOsReleaseReference',
  'parseParams', 'parseRemoteSnapshot', 'parseScale', 'parseUptimeReference', 'preflightCheckpointing',
  'preflightTrainingDatagen', 'preflightTrainingRun', 'pythonArgs', 'quoteArgument', 'readCollectionProgress',
  'readLocalProcTexts', 'referenceClusterInformation', 'referenceHostInfo', 'referenceTimeFields',
  'resolveCheckpointingConfig', 'resolveProgram', 'resolveTrainingConfig', 'resultsParentDirectory',
  'runCheckpointingWorkload', 'runFileNames', 'runTrainingWorkload', 'shardFiles', 'snakeCaseKey',
  'summarizeCpuinfoReference',
];

it('@mlps/benchmark exports exactly the listed names', () => {
  expect(Object.keys(entry).sort()).toEqual([...NAMES].sort());
});
