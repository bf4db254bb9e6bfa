import { mkdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  MlpsError,
  buildTimeSeriesData,
  isMlpsError,
  writeTimeSeriesDocument,
  writeFileAtomic,
  gatherStorageFacts,
  parseStorageGatherOutput,
  resolveStorageUnderTest,
  storageGatherCommand,
  unavailableStorageFacts,
  type DocumentWriteResult,
  type JournalStatus,
  type StorageTarget,
  type StorageUnderTestMap,
  type TimeSeriesData,
  type TimeSeriesSample,
} from '@mlps/timeseries';
import { isLocalHost, parseHostList, runRemoteCommand, type HostSpec, type SshOptions } from '@mlps/multihost';
import { collectClusterFacts, type ClusterFacts, type RemoteCommandRunner } from './cluster-snapshot';
import { parseParams } from './dlio';
import { commandOutputFiles, nestDottedParameters, pythonArgs, referenceTimeFields } from './reference-metadata';
import {
  DEFAULT_TIMESERIES_SETTINGS,
  createRunCollector,
  readCollectionProgress,
  type CollectionProgress,
  type CreateCollectorOptions,
  type CreatedCollector,
  type RunCollector,
  type TimeseriesSettings,
} from './collection';
import { CommandExecutor } from './executor';
import { releaseSpace, reserveSpace } from './space-reserve';
import {
  allocateRunDirectory,
  formatRunDatetime,
  resultsParentDirectory,
  runFileNames,
  type BenchmarkType,
} from './run-directory';

/** The run's configuration as the reference's metadata names it (see {@link Benchmark.referenceRunInfo}). */
export interface ReferenceRunInfo {
  /** `num_processes`: processes the workload runs (MPI ranks, simulated accelerators), or null. */
  numProcesses: number | null;
  /** `accelerator`: the simulated accelerator type, or null. */
  accelerator: string | null;
  /** `override_parameters`: the dotted workload overrides of the run (mlps's own and the user's `--params`). */
  overrideParameters: Record<string, string>;
}

/** Write errors that mean "no room" (or a failing disk), not a wrong path or permission: the run goes on without the file. */
const NO_ROOM_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EFBIG']);

/** The name this machine is filed under when no `--hosts` entry names it (`mlpstorage`'s default host). */
const LOCAL_HOST_NAME = '127.0.0.1';

/** Exit codes of a benchmark run (and of the CLI). */
export const EXIT_CODES = {
  OK: 0,
  /** The workload failed (non-zero exit, or it could not be run). */
  WORKLOAD_FAILED: 1,
  /** Bad arguments or configuration: nothing was run. */
  BAD_ARGUMENTS: 2,
  /** Interrupted by SIGINT (128 + 2). */
  SIGINT: 130,
  /** Interrupted by SIGTERM (128 + 15). */
  SIGTERM: 143,
} as const;

/** The stages of {@link Benchmark.run}, reported through {@link BenchmarkEvents.stage}. */
export type BenchmarkStage =
  | 'validate'
  | 'run-directory'
  | 'cluster-start'
  | 'collection-start'
  | 'workload'
  | 'collection-stop'
  | 'write-timeseries'
  | 'cluster-end'
  | 'write-metadata'
  | 'done';

/** Observers of a run (the CLI's progress display). All optional; none may throw. */
export interface BenchmarkEvents {
  stage?(stage: BenchmarkStage, detail?: string): void;
  warning?(message: string): void;
  /** A progress line from the workload. */
  info?(message: string): void;
  /** Called once per forwarded signal. */
  interrupted?(signal: NodeJS.Signals): void;
  /**
   * Each sample of the end-of-run time-series document as it is written (host by host, oldest first), for
   * figures that need every sample (the CLI's per-host means): the benchmark keeps none of them, so this
   * is the one pass over the samples. Must not keep or change the sample; a throw is ignored.
   */
  timeseriesSample?(host: string, sample: TimeSeriesSample): void;
}

/** Options shared by every benchmark. */
export interface BenchmarkOptions {
  /** The benchmark command: `run`, `datagen`, `datasize`, `configview`. Collection only for `run`. */
  command: string;
  /** Model, for the results layout of training and checkpointing. */
  model?: string;
  /** `--results-dir`. */
  resultsDir: string;
  /** `--hosts`, as written (`host`, `host:slots`, `user@host`, `[v6]:slots`). Default: this machine. */
  hosts?: string[];
  /** `--what-if`: print the commands, run and write nothing. */
  whatIf?: boolean;
  debug?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  timeseries?: Partial<TimeseriesSettings>;
  ssh?: SshOptions;
  /** Directories whose mounts the cluster snapshots record (data dir, checkpoint folder…). */
  dataDirs?: string[];
  /**
   * Directories whose storage is recorded as storage under test with role `watch` (`--watch-path`), beside
   * the benchmark's own (data dir, checkpoint folder, results dir).
   */
  watchPaths?: string[];
  /** Every parsed argument, recorded as given in the metadata. */
  args?: Record<string, unknown>;
  events?: BenchmarkEvents;
  /** Runs snapshot commands on remote hosts; without it remote snapshots are `unavailable`. */
  remoteRunner?: RemoteCommandRunner;
  /** Copy workload output to the console. Default: not when quiet. */
  echoWorkloadOutput?: boolean;
  /** Install SIGINT/SIGTERM handlers during `run()`. Default true. */
  handleSignals?: boolean;
  /** The run's start time (tests). Default: now. */
  now?: Date;
  /**
   * Where the document and the metadata go when the run directory cannot take them even on a second try
   * (its disk is full): `<rescueDir>/mlps-rescued-<benchmark_type>-<datetime>/`, same file names, named in
   * one warning and in the metadata (`rescued_files`). Best on another file system. Default `os.tmpdir()`.
   */
  rescueDir?: string;
}

/** `rescued_files` of the metadata: the run's files written outside the run directory, and why. */
export interface RescuedFilesMetadata {
  /** The directory they are in (`<rescueDir>/mlps-rescued-<benchmark_type>-<datetime>`). */
  directory: string;
  /** Their names (the run's reference names). */
  files: string[];
  /** Why the run directory did not take them (the last failure there). */
  reason: string;
}

/** `timeseries_data` of the metadata: where the document is and what it holds. */
export interface TimeseriesMetadata {
  file: string;
  /** The journal's file name; null when it could not be created (collection ran without it). */
  journal_file: string | null;
  /**
   * True when the journal holds every sample taken; false when it stopped on a full disk (it holds the
   * first `journal_num_samples`; the document has the rest, up to the cap). Absent when not known.
   */
  journal_complete?: boolean;
  /** Samples the journal holds. */
  journal_num_samples?: number;
  /** Every sample in the document, error samples included (the reference's meaning). */
  num_samples: number;
  /** Samples with data, over every sample taken (the journal's count when the document is capped). */
  num_good_samples: number;
  /** Error samples (a host did not answer), over every sample taken. */
  num_error_samples: number;
  interval_seconds: number;
  hosts_requested: string[];
  hosts_collected: string[];
  collection_method: string;
  host_status: TimeSeriesData['host_status'];
  skipped_ticks: number;
  max_samples: number;
  overflow: string;
}

/**
 * The base of every benchmark (DESIGN §4). `run()` goes validate → cluster snapshot → start collection
 * → `_run()` → (always) stop collection → write the time-series document → end snapshot → metadata, so a
 * failing or interrupted workload still leaves complete, atomically written files. Subclasses implement
 * `_run()` (and usually `validate()`); the executor runs their commands.
 */
export abstract class Benchmark {
  /** `training`, `checkpointing`, `vector_database` or `kv_cache`. */
  abstract readonly BENCHMARK_TYPE: BenchmarkType;
  /** Runs the commands of `_run()`; prints them instead in what-if mode. */
  readonly executor: CommandExecutor;
  /** Seconds `_run()` took (0 until it ran). */
  runtime = 0;
  /** The hosts of the run, parsed. */
  readonly hosts: HostSpec[];
  /** Collection settings with defaults applied. */
  readonly timeseriesSettings: TimeseriesSettings;
  protected readonly options: BenchmarkOptions;
  /** Aborted when the run is interrupted, for workloads that run in-process. */
  protected readonly abortController = new AbortController();
  private datetime: string;
  private runDir: string | null = null;
  private collector: RunCollector | null = null;
  private collectorKind: 'single-host' | 'multi-host' | null = null;
  private collectionStartMs: number | null = null;
  /** True once collection stopped: the document is to be written from the collector's stores. */
  private collectionStopped = false;
  /** What the end-of-run write produced (the document's fields and counts, not its samples). */
  private timeseriesWrite: DocumentWriteResult | null = null;
  private metadataDone = false;
  private storage: StorageUnderTestMap | null = null;
  private clusterStart: ClusterFacts | null = null;
  private clusterEnd: ClusterFacts | null = null;
  private interruptedBy: NodeJS.Signals | null = null;
  private exitCode: number | null = null;
  private workloadExitCode: number | null = null;
  private workloadError: string | null = null;
  private startedAt: Date | null = null;
  private endedAt: Date | null = null;
  private readonly warnings: string[] = [];
  /** The run directory's space reserve (see space-reserve.ts), until the workload ends. */
  private spaceReserve: string | null = null;
  /** The files written to the rescue directory (the run directory refused them), null when none. */
  private rescued: RescuedFilesMetadata | null = null;
  /** Where the metadata was written (the run directory, or the rescue directory), null before. */
  private metadataPath: string | null = null;
  /** True when collection runs without a journal (it could not be created). */
  private journalMissing = false;

  constructor(options: BenchmarkOptions) {
    this.options = options;
    this.hosts = parseHostList(options.hosts && options.hosts.length > 0 ? options.hosts : ['127.0.0.1']);
    this.timeseriesSettings = { ...DEFAULT_TIMESERIES_SETTINGS, ...stripUndefined(options.timeseries ?? {}) };
    this.datetime = formatRunDatetime(options.now ?? new Date());
    this.executor = new CommandExecutor({
      whatIf: options.whatIf ?? false,
      echo: options.echoWorkloadOutput ?? !options.quiet,
      warn: (message) => this.warn(message),
      // The workload's processes: their own I/O is sampled with this host (`workload_io`).
      onSpawn: (pid) => this.collector?.trackProcess(pid),
    });
  }

  /** The workload. Returns its exit code (0 = success). Runs its commands through {@link executor}. */
  protected abstract _run(): Promise<number>;

  /**
   * Checks the configuration before anything is created or run; throws `MlpsError` (`INVALID_ARGUMENT`,
   * `PROGRAM_NOT_FOUND`), which the CLI turns into one line and exit code 2. Default: nothing to check.
   */
  protected validate(): void {}

  /** Whether this run writes a results directory at all (false for `datasize`, `configview`, what-if). */
  protected writesResults(): boolean {
    return !this.options.whatIf && (this.options.command === 'run' || this.options.command === 'datagen');
  }

  /** `YYYYMMDD_HHMMSS` (local time) of the run; moves on if the directory name was taken. */
  get runDatetime(): string {
    return this.datetime;
  }

  /** The run directory (`<results-dir>/training/<model>/<command>/<datetime>` …). */
  get runResultOutput(): string {
    return this.runDir ?? join(this.resultsParent, this.datetime);
  }

  /** `{benchmark_type}_{datetime}_timeseries.json`. */
  get timeseriesFilename(): string {
    return runFileNames(this.fileNamePrefix, this.datetime).timeseries;
  }

  /** Full path of the time-series document. */
  get timeseriesFilePath(): string {
    return join(this.runResultOutput, this.timeseriesFilename);
  }

  /** `{benchmark_type}_{datetime}_timeseries.jsonl`: the journal, streamed from the first sample. */
  get journalFilename(): string {
    return runFileNames(this.fileNamePrefix, this.datetime).journal;
  }

  /** Full path of the journal. */
  get journalFilePath(): string {
    return join(this.runResultOutput, this.journalFilename);
  }

  /** `{benchmark_type}_{datetime}_metadata.json`. */
  get metadataFilename(): string {
    return runFileNames(this.fileNamePrefix, this.datetime).metadata;
  }

  /** Full path of the metadata file. */
  get metadataFilePath(): string {
    return join(this.runResultOutput, this.metadataFilename);
  }

  /** `{benchmark_type}_cluster_info.json`, as `mlpstorage` names it (no datetime: one per run directory). */
  get clusterInfoFilename(): string {
    return `${this.fileNamePrefix}_cluster_info.json`;
  }

  /** Full path of the cluster information file. */
  get clusterInfoFilePath(): string {
    return join(this.runResultOutput, this.clusterInfoFilename);
  }

  /**
   * The end-of-run time-series document as written: its path, size, fields (everything but
   * `samples_by_host`: `num_samples`, `hosts_collected`, `host_status`, `interval_stats`…) and samples per
   * host. `path` is where it is: the run directory, or the {@link rescueDirectory} when the run directory's
   * disk refused it. Null before the write, when not collected, or when it could not be written anywhere
   * (see {@link journalStatus} for what the journal holds then). A few KB however long the run: the
   * samples themselves are only in the file.
   */
  get timeseriesDocument(): DocumentWriteResult | null {
    return this.timeseriesWrite;
  }

  /**
   * The written document as objects, rebuilt from the collector's stores on each call (every kept sample
   * decoded: ~30 KB of objects a sample), for small runs and tests; the run itself never builds it. Null
   * unless the document was written. For the figures, use {@link timeseriesDocument}; for the samples of
   * a big run, read the file streamed (`@mlps/timeseries/export`).
   */
  get timeseries(): TimeSeriesData | null {
    if (!this.timeseriesWrite || !this.collector) return null;
    const data = buildTimeSeriesData(this.collector);
    // As written: the storage under test after the reference's keys.
    if (this.storage) data.storage_under_test = this.storage;
    return data;
  }

  /** Warnings raised during the run (collection failures and the like). */
  get runWarnings(): readonly string[] {
    return this.warnings;
  }

  /**
   * The workload's own exit code as `_run()` returned it (7 for `exec -- sh -c 'exit 7'`, whose run exits
   * 1), as metadata `workload_exit_code`; null when the workload did not run or threw.
   */
  get workloadExitStatus(): number | null {
    return this.workloadExitCode;
  }

  /** True once the metadata file is on disk (the run's last step), in the run directory or rescued. */
  get metadataWritten(): boolean {
    return this.metadataDone;
  }

  /** Where the metadata was written: {@link metadataFilePath}, or its rescued copy; null when not written. */
  get metadataWrittenPath(): string | null {
    return this.metadataPath;
  }

  /**
   * The files that went to the rescue directory because the run directory refused them (a full disk;
   * see {@link BenchmarkOptions.rescueDir}), as the metadata's `rescued_files`; null when none did.
   */
  get rescuedFiles(): RescuedFilesMetadata | null {
    return this.rescued === null ? null : { ...this.rescued, files: [...this.rescued.files] };
  }

  /** How the journal fared (whether it holds every sample), null when nothing was collected. */
  get journalStatus(): JournalStatus | null {
    try {
      return this.collector?.journalStatus?.() ?? null;
    } catch {
      return null;
    }
  }

  /** `<rescueDir>/mlps-rescued-<benchmark_type>-<datetime>`: where files go that the run directory refuses. */
  get rescueDirectory(): string {
    return join(this.options.rescueDir ?? tmpdir(), `mlps-rescued-${this.fileNamePrefix}-${this.datetime}`);
  }

  /** The signal that interrupted the run, if any. */
  get interruptedSignal(): NodeJS.Signals | null {
    return this.interruptedBy;
  }

  /** Seconds since collection started, and samples per host so far (null when not collecting). */
  collectionProgress(): (CollectionProgress & { elapsedSeconds: number }) | null {
    if (!this.collector || this.collectionStartMs === null) return null;
    try {
      return { ...readCollectionProgress(this.collector), elapsedSeconds: (performance.now() - this.collectionStartMs) / 1000 };
    } catch {
      return null;
    }
  }

  /** What the run's file names start with: `{benchmark_type}` (as `mlpstorage`). */
  protected get fileNamePrefix(): string {
    return this.BENCHMARK_TYPE;
  }

  /** The directory that receives this run's directory (the `mlpstorage` results layout). */
  protected get resultsParent(): string {
    return resultsParentDirectory(this.options.resultsDir, {
      benchmarkType: this.BENCHMARK_TYPE,
      command: this.options.command,
      ...(this.options.model === undefined ? {} : { model: this.options.model }),
    });
  }

  /**
   * True when this benchmark runs its workload in this process or on this machine (the built-in engines),
   * whatever `--hosts` says: then this machine is sampled too ({@link timeseriesHosts}). Default false.
   */
  protected workloadRunsOnThisHost(): boolean {
    return false;
  }

  /**
   * The hosts time series are collected from: `--hosts`, plus this machine (as `127.0.0.1`, the name a run
   * without `--hosts` files it under) when the workload runs here and no host given is this machine.
   */
  get timeseriesHosts(): HostSpec[] {
    if (!this.workloadRunsOnThisHost() || this.hosts.some((h) => isLocalHost(h.host))) return this.hosts;
    return [{ host: LOCAL_HOST_NAME, spec: LOCAL_HOST_NAME }, ...this.hosts];
  }

  /**
   * The directories whose storage is the storage under test: the data directories (role `data`), the
   * `--watch-path` ones (`watch`) and the run's results directory (`results`). Checkpointing names its
   * folder `checkpoint`; `timeseries collect` has only its watch paths.
   */
  protected storageTargets(): StorageTarget[] {
    const targets: StorageTarget[] = [];
    for (const path of this.options.dataDirs ?? []) targets.push({ role: 'data', path });
    for (const path of this.options.watchPaths ?? []) targets.push({ role: 'watch', path });
    if (this.runDir !== null) targets.push({ role: 'results', path: this.runResultOutput });
    return targets;
  }

  /** The storage under test of every host where the workload runs, once resolved (at the start of a run). */
  get storageUnderTest(): StorageUnderTestMap | null {
    return this.storage;
  }

  /** The deduplicated targets and their paths, or null when the run has none. */
  private storageRequest(): { targets: StorageTarget[]; paths: string[] } | null {
    const targets = this.storageTargets().filter((t, i, all) => all.findIndex((o) => o.role === t.role && o.path === t.path) === i);
    return targets.length === 0 ? null : { targets, paths: [...new Set(targets.map((t) => t.path))] };
  }

  /**
   * Resolves the storage under test on every host of {@link timeseriesHosts}: this machine by reading its
   * `/proc` and `/sys`, a remote host from the output of `storageGatherCommand` — `remoteOutputs` (the
   * start snapshot carries it: one round trip; a host whose start snapshot failed is not asked again), else
   * one command over ssh, bounded by 15 s. A host that
   * cannot be asked gets entries with `error` set; this never throws.
   */
  async resolveStorage(remoteOutputs: ReadonlyMap<string, string> = new Map(), startSnapshot: ClusterFacts | null = null): Promise<StorageUnderTestMap> {
    const map: StorageUnderTestMap = {};
    const request = this.storageRequest();
    if (request === null) return map;
    const { targets, paths } = request;
    const hosts = this.timeseriesHosts;
    const results = await Promise.all(
      hosts.map(async (h) => {
        try {
          if (isLocalHost(h.host)) return resolveStorageUnderTest(targets, gatherStorageFacts({ paths }));
          const given = remoteOutputs.get(h.host);
          if (given !== undefined) return resolveStorageUnderTest(targets, parseStorageGatherOutput(given, paths));
          // The start snapshot already waited for this host: asking again would only wait again.
          const failed = startSnapshot?.snapshot.hosts[h.host];
          if (failed !== undefined) return resolveStorageUnderTest(targets, unavailableStorageFacts(`no answer: ${failed.errors?.snapshot ?? 'the start snapshot of this host failed'}`));
          const runRemote = this.options.remoteRunner ?? ((host: string, command: string) => this.runRemoteSnapshot(host, command));
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new MlpsError('TIMEOUT', `storage facts of ${h.host}: no answer in 15 s`)), 15_000);
          });
          try {
            const out = await Promise.race([runRemote(h.host, storageGatherCommand(paths)), timeout]);
            return resolveStorageUnderTest(targets, parseStorageGatherOutput(out, paths));
          } finally {
            clearTimeout(timer);
          }
        } catch (err) {
          return resolveStorageUnderTest(targets, unavailableStorageFacts(messageOf(err)));
        }
      }),
    );
    // Filed under the host's name in `samples_by_host` (`user@host` when a user was given).
    hosts.forEach((h, i) => {
      map[h.user ? `${h.user}@${h.host}` : h.host] = results[i] ?? [];
    });
    return map;
  }

  /** Collection only for command `run`, never in what-if mode, never with `--skip-timeseries`. */
  shouldCollectTimeseries(): boolean {
    return this.options.command === 'run' && !this.options.whatIf && !this.timeseriesSettings.skip;
  }

  /**
   * Starts background collection (single- or multi-host) with the journal in the run directory. When the
   * journal cannot be written for want of room (ENOSPC, EDQUOT, EIO: a results disk already full) collection starts without it:
   * samples are kept in memory (up to the cap) for the document, with one warning. Any other failure is a
   * warning too: the benchmark goes on without time series.
   */
  async startTimeseriesCollection(): Promise<void> {
    if (!this.shouldCollectTimeseries() || this.collector) return;
    try {
      await this.startCollector(this.journalFilePath);
    } catch (err) {
      if (isMlpsError(err) && err.code === 'IO_ERROR' && NO_ROOM_CODES.has((err.cause as NodeJS.ErrnoException | undefined)?.code ?? '')) {
        try {
          await this.startCollector(undefined);
          this.journalMissing = true;
          this.warn(
            `time-series journal not created (${messageOf(err)}): collecting without it; samples are kept in memory ` +
              `only (up to ${this.timeseriesSettings.maxSamples} per host) and go into the document at the end`,
          );
          return;
        } catch (again) {
          err = again;
        }
      }
      this.warn(`time-series collection could not start: ${messageOf(err)}`);
      this.collector = null;
    }
  }

  /** Creates, connects and starts the run's collector; one that fails to start is closed (its connections too). */
  private async startCollector(journalPath: string | undefined): Promise<void> {
    const created = this.createTimeseriesCollector({
      hosts: this.timeseriesHosts,
      settings: this.timeseriesSettings,
      ...(journalPath === undefined ? {} : { journalPath }),
      warn: (m) => this.warn(`time-series: ${m}`),
      ...(this.options.ssh ? { ssh: this.options.ssh } : {}),
      // The workload's own I/O rides with this machine's samples: its commands are spawned here (and
      // tracked as they start), and the built-in engines run in this process.
      workloadIo: true,
    });
    try {
      // Connecting first (bounded by the SSH connect timeout, never rejecting for a host) means the first
      // tick meets warm connections, so a handshake is not recorded as a missed sample.
      await created.collector.connect();
      await created.collector.start();
    } catch (err) {
      // Not started: stopping rejects (INVALID_STATE) but closes what connect() opened.
      await created.collector.stopCollection().catch(() => undefined);
      throw err;
    }
    this.collector = created.collector;
    this.collectorKind = created.kind;
    this.collectionStartMs = performance.now();
  }

  /**
   * The run's collector: {@link createRunCollector} (single- or multi-host by the hosts). Override to plug
   * in another {@link RunCollector} (its `describeRun()` should offer `keptSamples`, as both collectors
   * do, for the streamed end-of-run write).
   */
  protected createTimeseriesCollector(options: CreateCollectorOptions): CreatedCollector {
    return createRunCollector(options);
  }

  /** Stops collection (after its closing sample); the document is then written from the collector's stores. A failure is a warning. */
  async stopTimeseriesCollection(): Promise<void> {
    const collector = this.collector;
    if (!collector || this.collectionStopped) return;
    try {
      // Not stop(): its result (the single-host collector's decoded samples) would be held for nothing.
      await collector.stopCollection();
    } catch (err) {
      this.warn(`time-series collection did not stop cleanly: ${messageOf(err)}`);
    }
    this.collectionStopped = true;
  }

  /**
   * Writes the time-series document from the stopped collector, host by host and sample by sample
   * (`writeTimeSeriesDocument`: temporary file, fsync, rename), holding one decoded sample at a time and
   * keeping only the document's fields ({@link timeseriesDocument}). When the run directory refuses it
   * (a full disk), it is tried once more there, then written to the {@link rescueDirectory} (one warning
   * naming the path, `rescued_files` in the metadata); if that fails too, one warning. Never throws.
   */
  async writeTimeseriesData(): Promise<void> {
    const collector = this.collector;
    if (!collector || !this.collectionStopped || this.timeseriesWrite) return;
    const events = this.options.events;
    // Each sample reaches the observer once, however many attempts the write takes: an attempt that failed
    // half way already showed the first samples of some hosts, in the order every attempt writes them.
    const observed = new Map<string, number>();
    const onSample = events?.timeseriesSample
      ? (): ((host: string, sample: TimeSeriesSample) => void) => {
          const index = new Map<string, number>();
          return (host, sample) => {
            const i = index.get(host) ?? 0;
            index.set(host, i + 1);
            if (i < (observed.get(host) ?? 0)) return;
            observed.set(host, i + 1);
            try {
              events.timeseriesSample?.(host, sample);
            } catch {
              // An observer must not cost the document.
            }
          };
        }
      : null;
    const write = (target: string): Promise<DocumentWriteResult> =>
      writeTimeSeriesDocument(target, collector, {
        ...(this.storage ? { storageUnderTest: this.storage } : {}),
        ...(onSample ? { onSample: onSample() } : {}),
      });
    const outcome = await this.writeWithRescue(this.timeseriesFilePath, write);
    if (outcome.written !== null) {
      this.timeseriesWrite = outcome.written;
      if (outcome.rescuedTo !== null) {
        this.warn(`time-series document could not be written to ${this.runResultOutput} (${outcome.reason}); written to ${outcome.rescuedTo} instead`);
      }
      return;
    }
    this.warn(`time-series document not written: ${outcome.reason}${outcome.rescueReason ? `; not to ${this.rescueDirectory} either: ${outcome.rescueReason}` : ''}${this.journalNote()}`);
  }

  /** What the journal offers when the document is missing: every sample, or only the first ones. */
  private journalNote(): string {
    const journal = this.journalStatus;
    if (journal === null) return this.journalMissing ? ' (there is no journal either: the samples are lost)' : '';
    if (journal.complete) return ` (the journal ${this.journalFilename} has every sample: mlpstorage timeseries recover rebuilds the document)`;
    return ` (the journal ${this.journalFilename} holds only the first ${journal.lines} samples; the later ones are lost)`;
  }

  /**
   * Writes `target` with `write`, once more if that fails, then under the same name in the
   * {@link rescueDirectory} (created on demand), recording a rescued file in `rescued_files`. Never throws.
   */
  private async writeWithRescue<T>(
    target: string,
    write: (target: string) => Promise<T>,
  ): Promise<{ written: T | null; rescuedTo: string | null; reason: string; rescueReason: string | null }> {
    let reason = '';
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return { written: await write(target), rescuedTo: null, reason: '', rescueReason: null };
      } catch (err) {
        reason = messageOf(err);
      }
    }
    const name = basename(target);
    const rescuedTo = join(this.rescueDirectory, name);
    const record = (this.rescued ??= { directory: this.rescueDirectory, files: [], reason });
    if (!record.files.includes(name)) record.files.push(name);
    try {
      mkdirSync(this.rescueDirectory, { recursive: true, mode: 0o755 });
      return { written: await write(rescuedTo), rescuedTo, reason, rescueReason: null };
    } catch (err) {
      record.files = record.files.filter((f) => f !== name);
      if (record.files.length === 0) {
        this.rescued = null;
        try {
          rmdirSync(this.rescueDirectory); // only if empty: nothing was rescued into it
        } catch {
          // Not empty, or never made.
        }
      }
      return { written: null, rescuedTo: null, reason, rescueReason: messageOf(err) };
    }
  }

  /**
   * The run as the reference's metadata names it. The default reads the recorded arguments
   * (`num_processes`, `accelerator_type`, `params`); DLIO-style benchmarks override it with what they
   * really run.
   */
  protected referenceRunInfo(): ReferenceRunInfo {
    const args = this.options.args ?? {};
    const pick = (...keys: string[]): unknown => {
      for (const k of keys) if (args[k] !== undefined && args[k] !== null) return args[k];
      return undefined;
    };
    const n = pick('num_processes', 'numProcesses');
    const accelerator = pick('accelerator_type', 'acceleratorType');
    const params = pick('params');
    let overrides: Array<[string, string]> = [];
    try {
      overrides = parseParams(Array.isArray(params) ? params.flat().map(String) : undefined);
    } catch {
      // Malformed --params were refused at validation; metadata must still be written.
    }
    return {
      numProcesses: typeof n === 'number' && Number.isInteger(n) ? n : null,
      accelerator: typeof accelerator === 'string' ? accelerator : null,
      overrideParameters: Object.fromEntries(overrides),
    };
  }

  /**
   * The run's metadata, as written to `{type}_{datetime}_metadata.json`: first every key Python
   * `mlpstorage` writes, typed as it writes them (`Benchmark.metadata` in `benchmarks/base.py`), then
   * mlps's own beside them. Times are in the reference's `%Y-%m-%dT%H:%M:%SZ` with integer epoch
   * milliseconds beside them (`start_time_ms` …).
   */
  get metadata(): Record<string, unknown> {
    const ts = this.timeseriesWrite?.fields ?? null;
    const journal = this.journalStatus;
    const timeseries: TimeseriesMetadata | null =
      ts
        ? {
            file: this.timeseriesFilename,
            journal_file: this.journalMissing ? null : this.journalFilename,
            ...(journal
              ? { journal_complete: journal.complete, journal_num_samples: journal.lines }
              : this.journalMissing
                ? { journal_complete: false, journal_num_samples: 0 }
                : {}),
            num_samples: ts.num_samples,
            ...countGoodAndErrorSamples(ts),
            interval_seconds: ts.collection_interval_seconds,
            hosts_requested: ts.hosts_requested,
            hosts_collected: ts.hosts_collected,
            collection_method: ts.collection_method,
            host_status: ts.host_status,
            skipped_ticks: ts.interval_stats?.skipped_ticks ?? 0,
            max_samples: this.timeseriesSettings.maxSamples,
            overflow: this.timeseriesSettings.overflow,
          }
        : null;
    const run = this.referenceRunInfo();
    const records = this.executor.records;
    const start = this.clusterStart?.reference ?? null;
    const end = this.clusterEnd?.reference ?? null;
    return {
      // The reference's keys, in its order.
      benchmark_type: this.BENCHMARK_TYPE,
      model: this.options.model ?? null,
      command: this.options.command,
      run_datetime: this.datetime,
      num_processes: run.numProcesses,
      accelerator: run.accelerator,
      result_dir: this.runResultOutput,
      parameters: nestDottedParameters(run.overrideParameters),
      override_parameters: run.overrideParameters,
      system_info: start,
      ...(start ? { cluster_snapshots: { start, end, collection_method: start.collection_method } } : {}),
      ...(timeseries ? { timeseries_data: timeseries } : {}),
      runtime: this.runtime,
      verification: null,
      executed_command: records.length > 0 ? (records[records.length - 1] as (typeof records)[number]).command : null,
      command_output_files: commandOutputFiles(records, this.runResultOutput),
      args: pythonArgs(this.options.args ?? {}),
      // mlps's own.
      ...referenceTimeFields('timestamp', Date.now()),
      ...referenceTimeFields('start_time', this.startedAt?.getTime() ?? null),
      ...referenceTimeFields('end_time', this.endedAt?.getTime() ?? null),
      run_result_output: this.runResultOutput,
      exit_code: this.exitCode,
      workload_exit_code: this.workloadExitCode,
      workload_error: this.workloadError,
      interrupted_by: this.interruptedBy,
      hosts: this.hosts.map((h) => h.spec),
      commands: records,
      cluster_information: { start: this.clusterStart?.snapshot ?? null, end: this.clusterEnd?.snapshot ?? null },
      timeseries_collection: {
        enabled: this.shouldCollectTimeseries(),
        collector: this.collectorKind,
        interval_seconds: this.timeseriesSettings.intervalSeconds,
        max_samples: this.timeseriesSettings.maxSamples,
        overflow: this.timeseriesSettings.overflow,
        // Also when no document was written: whether `timeseries recover` of the journal gives every sample.
        journal_complete: journal?.complete ?? (this.journalMissing ? false : null),
        journal_num_samples: journal?.lines ?? (this.journalMissing ? 0 : null),
      },
      ...(timeseries ? { interval_stats: ts?.interval_stats ?? null } : {}),
      ...(this.rescued ? { rescued_files: { ...this.rescued, files: [...this.rescued.files] } } : {}),
      ...(this.storage ? { storage_under_test: this.storage } : {}),
      warnings: [...this.warnings],
    };
  }

  /**
   * Writes `{benchmark_type}_cluster_info.json` as `Benchmark.write_cluster_info` does
   * (`ClusterInformation.to_detailed_dict()` of the start snapshot), atomically, as soon as the start
   * snapshot exists. A failure is a warning.
   */
  async writeClusterInfo(): Promise<void> {
    const start = this.clusterStart?.reference;
    if (!start) return;
    try {
      await writeFileAtomic(this.clusterInfoFilePath, `${JSON.stringify(start, null, 2)}\n`);
    } catch (err) {
      this.warn(`cluster information not written: ${messageOf(err)}`);
    }
  }

  /**
   * Writes the metadata atomically; the last file of a run. Like the document: tried once more, then
   * written to the {@link rescueDirectory} (its `rescued_files` naming itself), with one warning. Never throws.
   */
  async writeMetadata(): Promise<void> {
    // Made per attempt: a rescued copy records itself in `rescued_files`.
    const outcome = await this.writeWithRescue(this.metadataFilePath, (target) => writeFileAtomic(target, `${JSON.stringify(this.metadata, null, 2)}\n`));
    if (outcome.rescueReason === null) {
      this.metadataDone = true;
      this.metadataPath = outcome.rescuedTo ?? this.metadataFilePath;
      if (outcome.rescuedTo !== null) this.warn(`metadata could not be written to ${this.runResultOutput} (${outcome.reason}); written to ${outcome.rescuedTo} instead`);
      return;
    }
    this.warn(`metadata not written: ${outcome.reason}; not to ${this.rescueDirectory} either: ${outcome.rescueReason}`);
  }

  /**
   * Stops the workload on SIGINT/SIGTERM: the signal is forwarded to its processes and in-process work is
   * aborted; `run()` then finishes the files and resolves 130/143. Public so embedders can forward their own.
   */
  interrupt(signal: NodeJS.Signals): void {
    if (!this.interruptedBy) this.interruptedBy = signal;
    this.options.events?.interrupted?.(signal);
    this.executor.interrupt(signal);
    if (!this.abortController.signal.aborted) this.abortController.abort(new MlpsError('INTERRUPTED', `interrupted by ${signal}`));
  }

  /**
   * Runs the benchmark through its whole lifecycle and resolves the exit code: 0 ok, 1 the workload
   * failed, 130/143 interrupted. Configuration errors throw `MlpsError` before anything is created.
   */
  async run(): Promise<number> {
    const handlers = this.options.handleSignals === false ? null : this.installSignalHandlers();
    try {
      this.stage('validate');
      this.validate();
      if (!this.writesResults()) {
        const code = await this.runWorkload();
        return this.finalExitCode(code);
      }
      return await this.runWithResults();
    } finally {
      if (handlers) handlers();
    }
  }

  private async runWithResults(): Promise<number> {
    const allocated = allocateRunDirectory(this.resultsParent, this.options.now ?? new Date());
    this.runDir = allocated.path;
    this.datetime = allocated.datetime;
    this.startedAt = new Date();
    this.stage('run-directory', this.runDir);
    // Room for the journal's tail, the document and the metadata if the workload fills this disk.
    this.spaceReserve = reserveSpace(this.runDir);

    this.stage('cluster-start');
    // The storage facts of remote hosts come with their start snapshot: one command, one round trip.
    const storageRequest = this.storageRequest();
    const storageOutputs = new Map<string, string>();
    this.clusterStart = await this.snapshot(storageRequest ? { command: storageGatherCommand(storageRequest.paths), outputs: storageOutputs } : undefined);
    await this.writeClusterInfo();
    this.storage = await this.resolveStorage(storageOutputs, this.clusterStart);

    let code: number = EXIT_CODES.WORKLOAD_FAILED;
    if (this.shouldCollectTimeseries()) this.stage('collection-start');
    await this.startTimeseriesCollection();
    try {
      code = await this.runWorkload();
    } finally {
      // The workload is over: its disk space comes back first, so the files below can be written.
      releaseSpace(this.spaceReserve);
      this.spaceReserve = null;
      if (this.collector) this.stage('collection-stop');
      await this.stopTimeseriesCollection();
      if (this.collector && this.collectionStopped) this.stage('write-timeseries', this.timeseriesFilePath);
      await this.writeTimeseriesData();
      this.stage('cluster-end');
      this.clusterEnd = await this.snapshot();
      this.endedAt = new Date();
      this.exitCode = this.finalExitCode(code);
      this.stage('write-metadata', this.metadataFilePath);
      await this.writeMetadata();
      this.stage('done');
    }
    return this.exitCode;
  }

  /** Runs `_run()` and times it; a thrown error is the workload's failure, never an unfinished run. */
  private async runWorkload(): Promise<number> {
    if (this.interruptedBy) return signalExit(this.interruptedBy);
    // What-if, datasize and configview only print: announcing "running the workload" would be untrue.
    if (this.writesResults()) this.stage('workload');
    const started = performance.now();
    try {
      const code = await this._run();
      this.workloadExitCode = code;
      return code;
    } catch (err) {
      if (isMlpsError(err) && err.code === 'INTERRUPTED' && this.interruptedBy) return signalExit(this.interruptedBy);
      // Configuration errors found while building commands keep their meaning (exit 2) when nothing ran yet.
      if (!this.writesResults() || this.runDir === null) throw err;
      this.workloadError = messageOf(err);
      this.warn(`workload failed: ${this.workloadError}`);
      return EXIT_CODES.WORKLOAD_FAILED;
    } finally {
      this.runtime = Math.round(performance.now() - started) / 1000;
      // The run ends here: a command the workload left running (it threw, or gave up on it) is stopped with
      // its whole process group, never left behind writing to a disk the run no longer watches.
      if (this.executor.runningCount > 0) {
        const n = await this.executor.stopRunning();
        if (n > 0) this.warn(`${n} workload command${n === 1 ? ' was' : 's were'} still running when the workload ended: stopped with ${n === 1 ? 'its' : 'their'} process group${n === 1 ? '' : 's'} (SIGTERM, then SIGKILL after 5 s)`);
      }
    }
  }

  /** The run's exit code from the workload's: 0 ok, 1 failed, 130/143 interrupted. */
  protected finalExitCode(workloadCode: number): number {
    if (this.interruptedBy) return signalExit(this.interruptedBy);
    return workloadCode === 0 ? EXIT_CODES.OK : EXIT_CODES.WORKLOAD_FAILED;
  }

  /**
   * Snapshots every host. `extra` rides along on each remote host's snapshot command (one round trip:
   * the storage facts at the start of a run); each host's whole output is kept in `extra.outputs`.
   */
  private async snapshot(extra?: { command: string; outputs: Map<string, string> }): Promise<ClusterFacts | null> {
    const base: RemoteCommandRunner = this.options.remoteRunner ?? ((host, command) => this.runRemoteSnapshot(host, command));
    const runRemote: RemoteCommandRunner =
      extra === undefined
        ? base
        : async (host, command) => {
            const out = await base(host, `${command}; ${extra.command}`);
            extra.outputs.set(host, out);
            return out;
          };
    try {
      return await collectClusterFacts({
        hosts: this.hosts.map((h) => h.host),
        isLocal: isLocalHost,
        dataDirs: this.options.dataDirs ?? [],
        runRemote,
      });
    } catch (err) {
      this.warn(`cluster snapshot failed: ${messageOf(err)}`);
      return null;
    }
  }

  /** One snapshot command over its own ssh2 connection, with the run's SSH options and host-key policy. */
  private async runRemoteSnapshot(host: string, command: string): Promise<string> {
    const spec = this.hosts.find((h) => h.host === host);
    const result = await runRemoteCommand(
      { host, ...(spec?.user ? { username: spec.user } : {}) },
      command,
      { ...(this.options.ssh ?? {}), timeoutSeconds: 15 },
    );
    if (result.exitCode !== 0 && result.stdout.trim() === '') {
      throw new MlpsError('REMOTE_COMMAND_FAILED', `snapshot command failed on ${host} (exit ${String(result.exitCode)}): ${result.stderr.trim()}`);
    }
    return result.stdout;
  }

  private installSignalHandlers(): () => void {
    const onInt = (): void => this.interrupt('SIGINT');
    const onTerm = (): void => this.interrupt('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    return () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  }

  protected stage(stage: BenchmarkStage, detail?: string): void {
    try {
      this.options.events?.stage?.(stage, detail);
    } catch {
      // A broken progress display must not break the run.
    }
  }

  /** Reports a progress line (not recorded). */
  protected info(message: string): void {
    try {
      this.options.events?.info?.(message);
    } catch {
      // As above.
    }
  }

  /** Records a warning in the metadata and reports it. */
  protected warn(message: string): void {
    this.warnings.push(message);
    try {
      this.options.events?.warning?.(message);
    } catch {
      // As above.
    }
  }
}

/** Good and error samples over every host, from the document's `host_status` (the host-health rule). */
export function countGoodAndErrorSamples(data: Pick<TimeSeriesData, 'host_status'>): { num_good_samples: number; num_error_samples: number } {
  let good = 0;
  let errors = 0;
  for (const status of Object.values(data.host_status ?? {})) {
    errors += status.error_samples;
    good += status.good_samples ?? status.samples - status.error_samples;
  }
  return { num_good_samples: good, num_error_samples: errors };
}

function signalExit(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? EXIT_CODES.SIGINT : signal === 'SIGTERM' ? EXIT_CODES.SIGTERM : 128;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
