/**
 * The public API of `@mlps/benchmark`, entry by entry: the runtime names each entry exports (package.json
 * `exports`: the root and `/engines`). A change here is a change of the public API: make it on purpose
 * (README, callers), then update the list.
 */
import * as engines from './engines/index';
import * as root from './index';

const ROOT = [
  'ACCELERATORS', 'BENCHMARK_TYPES', 'Benchmark', 'CheckpointingBenchmark', 'CollectBenchmark',
  'CommandBenchmark', 'CommandExecutor', 'DEFAULT_TIMESERIES_SETTINGS', 'DLIO_PROGRAM', 'ENGINE_NAMES',
  'EXIT_CODES', 'KVCACHE_BYTES_PER_TOKEN', 'KVCACHE_MODELS', 'KVCACHE_TOKENS_PER_USER', 'KvCacheBenchmark',
  'LLM_CHECKPOINT_GB', 'LLM_MODELS', 'MEMORY_MULTIPLIER', 'MPI_BINS', 'REMOTE_SNAPSHOT_SCRIPT',
  'STEPS_PER_EPOCH', 'TRAINING_MODELS', 'TRAINING_WORKLOADS', 'TrainingBenchmark', 'VectorDbBenchmark',
  'allocateRunDirectory', 'buildDlioCommand', 'buildMpiPrefix', 'clusterConsistencyIssues',
  'collectClusterFacts', 'collectClusterSnapshot', 'collectLocalHostSnapshot', 'commandOutputFiles',
  'computeCheckpointDatasize', 'computeKvCacheDatasize', 'computeTrainingDatasize',
  'countGoodAndErrorSamples', 'createRunCollector', 'distributeSlots', 'findMountFor', 'formatCommandLine',
  'formatKvCacheDatasize', 'formatRunDatetime', 'mpiProgram', 'nestDottedParameters', 'parseCpuinfo',
  'parseCpuinfoReference', 'parseDiskstatsReference', 'parseLoadavgReference', 'parseMeminfoReference',
  'parseMounts', 'parseNetDevReference', 'parseOsRelease', 'parseOsReleaseReference', 'parseParams',
  'parseRemoteSnapshot', 'parseUptimeReference', 'pythonArgs', 'quoteArgument', 'readCollectionProgress',
  'readLocalProcTexts', 'referenceClusterInformation', 'referenceHostInfo', 'referenceTimeFields',
  'resolveProgram', 'resultsParentDirectory', 'runFileNames', 'snakeCaseKey', 'summarizeCpuinfoReference',
];

const ENGINES = [
  'ACCELERATOR_TYPES', 'BUILTIN_TRAINING_PARAMS', 'BuiltinCheckpointingBenchmark', 'BuiltinTrainingBenchmark',
  'CADENCE_P99_TARGET_MS', 'CHECKPOINT_GB', 'CHECKPOINT_MODEL_NAMES', 'CHECKPOINT_MODEL_SPECS',
  'DATASET_MANIFEST_NAME', 'DEFAULT_IO_SIZE', 'ENGINE_ERROR_CODES', 'HOST_MEMORY_GB', 'SCALE_DESCRIPTION',
  'TRAINING_MODEL_NAMES', 'TRAINING_MODEL_SPECS', 'WorkloadError', 'checkpointDir', 'computeCheckpointSizes',
  'computeRankShards', 'computeTrainingDatasetSize', 'datasetFilePath', 'describeCheckpointingConfig',
  'describeTrainingConfig', 'formatBytes', 'formatCheckpointDatasize', 'formatCheckpointingSummary',
  'formatDatagenSummary', 'formatTrainingConfig', 'formatTrainingDatasize', 'formatTrainingRunSummary',
  'fsError', 'generateRecordSizes', 'generateTrainingDataset', 'getCheckpointModel', 'getTrainingModel',
  'isWorkloadError', 'loadDatasetManifest', 'makeDirectory', 'makeDirectorySync', 'parseAcceleratorType',
  'parseEngineName', 'parseScale', 'preflightCheckpointing', 'preflightTrainingDatagen',
  'preflightTrainingRun', 'resolveCheckpointingConfig', 'resolveTrainingConfig', 'runCheckpointingWorkload',
  'runTrainingWorkload', 'shardFiles',
];

it('@mlps/benchmark exports exactly the listed names', () => {
  expect(Object.keys(root).sort()).toEqual([...ROOT].sort());
});

it('@mlps/benchmark/engines exports exactly the listed names, none of them also in the root', () => {
  expect(Object.keys(engines).sort()).toEqual([...ENGINES].sort());
  expect(ENGINES.filter((name) => ROOT.includes(name))).toEqual([]);
});
