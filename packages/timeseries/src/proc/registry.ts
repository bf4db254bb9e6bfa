/**
 * The `/proc` source registry: every source a sample holds, in the order its keys appear in a sample
 * (the reference's order). Sampling (local and remote), the learned byte templates of the fast path and
 * the host-health rule iterate this list; a new source is one module (see `source.ts`) and one line here.
 */
import { cifsSource } from './cifs';
import { diskstatsSource } from './diskstats';
import { loadavgSource } from './loadavg';
import { lustreSource } from './lustre-llite';
import { meminfoSource } from './meminfo';
import { netdevSource } from './netdev';
import { nfsSource } from './nfs-mountstats';
import { pressureSource } from './pressure';
import type { ProcSource } from './source';
import { cpuSource } from './stat';
import { uptimeSource } from './uptime';
import { vmstatSource } from './vmstat';
import { workloadIoSource } from './workload-io';

export type { ProcSource, ProcSourceFileSpec } from './source';

/** Every `/proc` source of a sample, in sample key order. */
export const PROC_SOURCES: readonly ProcSource[] = Object.freeze([
  diskstatsSource,
  vmstatSource,
  meminfoSource,
  loadavgSource,
  netdevSource,
  cpuSource,
  pressureSource,
  uptimeSource,
  nfsSource,
  cifsSource,
  lustreSource,
]);

/** The sample keys that hold collected data (`diskstats`, …, `uptime_seconds`), in sample key order. */
export const PROC_SAMPLE_FIELDS: readonly string[] = Object.freeze(PROC_SOURCES.map((s) => s.field));

/**
 * Every record a sample may carry, in sample key order: the sampled sources, then those a collector adds
 * on request (`workload_io`, the workload's own I/O). The document validator, reader normalisation and
 * the exports iterate this list.
 */
export const RECORD_SOURCES: readonly ProcSource[] = Object.freeze([...PROC_SOURCES, workloadIoSource]);
