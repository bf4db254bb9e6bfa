import { TimeSeriesCollector, type CollectionProgress, type RunCollector } from '@mlps/timeseries';
import { MultiHostTimeSeriesCollector, isLocalHost, type HostSpec, type SshOptions } from '@mlps/multihost';

/** How time series are collected during a run (the CLI's "Time-Series Collection" group). */
export interface TimeseriesSettings {
  /** Seconds between samples (`--timeseries-interval`, default 10). */
  intervalSeconds: number;
  /** `--skip-timeseries`. */
  skip: boolean;
  /** Samples kept per host in memory and in the document (`--max-timeseries-samples`, default 3600). */
  maxSamples: number;
  /** What happens at the cap (`--timeseries-overflow`, default `decimate`). */
  overflow: 'decimate' | 'keep-first';
  /**
   * Journal bytes kept for retry while its disk refuses them before the journal stops (the collectors'
   * `journalMaxPendingBytes`). Default: the collectors' (4 MiB).
   */
  journalMaxPendingBytes?: number;
}

/** The defaults of `mlpstorage`, plus decimation (DESIGN §4). */
export const DEFAULT_TIMESERIES_SETTINGS: TimeseriesSettings = {
  intervalSeconds: 10,
  skip: false,
  maxSamples: 3600,
  overflow: 'decimate',
};

export type { CollectionProgress, RunCollector } from '@mlps/timeseries';

/** A collector plus how it was chosen, for messages and metadata. */
export interface CreatedCollector {
  collector: RunCollector;
  kind: 'single-host' | 'multi-host';
}

/** Options of {@link createRunCollector}. */
export interface CreateCollectorOptions {
  hosts: HostSpec[];
  settings: TimeseriesSettings;
  /** The journal to stream to; absent: no journal (it could not be created). */
  journalPath?: string;
  ssh?: SshOptions;
  /** Where collector warnings go (cap reached, journal write failed). */
  warn?: (message: string) => void;
  /**
   * Sample the workload's own I/O (`workload_io`) with this machine's samples: the workload runs here
   * (in-process engine threads, or commands whose processes are given to `trackProcess`).
   */
  workloadIo?: boolean;
}

/**
 * Picks the collector of a run: the multi-host one when any host is not this machine, else the
 * single-host one (sampled in-process, no ssh). Both stream to `journalPath` from the first sample and
 * file samples under the host as the user named it (`user@host` or `host`, slots dropped).
 */
export function createRunCollector(options: CreateCollectorOptions): CreatedCollector {
  const remote = options.hosts.some((h) => !isLocalHost(h.host));
  const common = {
    intervalSeconds: options.settings.intervalSeconds,
    maxSamples: options.settings.maxSamples,
    overflow: options.settings.overflow,
    ...(options.journalPath === undefined ? {} : { journalPath: options.journalPath }),
    ...(options.settings.journalMaxPendingBytes === undefined ? {} : { journalMaxPendingBytes: options.settings.journalMaxPendingBytes }),
    ...(options.warn ? { logger: { warn: options.warn } } : {}),
    ...(options.workloadIo ? { workloadIo: true } : {}),
  };
  if (remote) {
    const collector = new MultiHostTimeSeriesCollector({ ...common, hosts: options.hosts, ssh: options.ssh ?? {} });
    return { collector, kind: 'multi-host' };
  }
  // Filed under the host as the user named it (`127.0.0.1` with no --hosts), as mlpstorage files it.
  const first = options.hosts[0];
  const hostName = first ? (first.user ? `${first.user}@${first.host}` : first.host) : undefined;
  return { collector: new TimeSeriesCollector({ ...common, ...(hostName ? { hostName } : {}) }), kind: 'single-host' };
}

/** Reads a collector's live counters without decoding its samples (`collector.progress()`, the host-health rule's view). */
export function readCollectionProgress(collector: RunCollector): CollectionProgress {
  return collector.progress();
}
