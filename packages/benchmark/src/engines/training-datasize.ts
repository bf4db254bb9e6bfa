/**
 * `training datasize`: the closed-division dataset-size rule. The dataset must be at least 5× the memory of
 * all client hosts (so reads cannot come from their page caches) and an epoch at least 500 steps:
 * files ≥ max(5 × total_memory / record_bytes, 500 × accelerators × batch) / samples_per_file.
 */
import { MlpsError } from '@mlps/timeseries';
import { readHostMemory } from './host-memory';
import { formatBytes } from './progress';
import { parsePositiveInt } from './scale';
import { getTrainingModel } from './training-models';

/** Bytes in the "GB" of `--client-host-memory-in-gb` (binary, as mlpstorage). */
export const HOST_MEMORY_GB = 1024 ** 3;

/** Options of {@link computeTrainingDatasetSize}. */
export interface TrainingDatasizeOptions {
  model: string;
  numAccelerators: number;
  /** Memory of each client host in GiB; when absent, this host's MemTotal is measured. */
  clientHostMemoryGiB?: number;
  /** Client hosts (default 1). */
  numClientHosts?: number;
}

/** Result of `datasize` (snake_case, JSON-serialisable). */
export interface TrainingDatasizeResult {
  model: string;
  num_accelerators: number;
  num_client_hosts: number;
  client_host_memory_bytes: number;
  memory_source: 'argument' | 'measured';
  total_memory_bytes: number;
  batch_size: number;
  samples_per_file: number;
  record_bytes: number;
  /** Files for a dataset of 5 × total memory. */
  min_files_by_memory: number;
  /** Files for 500 steps per epoch. */
  min_files_by_steps: number;
  required_files: number;
  required_bytes: number;
  limited_by: 'memory' | 'steps';
}

/** Applies the dataset-size rule. Throws `INVALID_ARGUMENT` / `UNKNOWN_MODEL` for bad input. */
export async function computeTrainingDatasetSize(options: TrainingDatasizeOptions): Promise<TrainingDatasizeResult> {
  const model = getTrainingModel(options.model);
  const accelerators = parsePositiveInt(options.numAccelerators, '--num-accelerators', { max: 1_000_000 });
  const hosts = parsePositiveInt(options.numClientHosts ?? 1, '--num-client-hosts', { max: 100_000 });
  let perHost: number;
  let source: 'argument' | 'measured';
  if (options.clientHostMemoryGiB !== undefined) {
    const gib = Number(options.clientHostMemoryGiB);
    if (!Number.isFinite(gib) || gib <= 0) {
      throw new MlpsError('INVALID_ARGUMENT', `--client-host-memory-in-gb must be a positive number (got '${String(options.clientHostMemoryGiB)}')`);
    }
    perHost = Math.round(gib * HOST_MEMORY_GB);
    source = 'argument';
  } else {
    const memory = await readHostMemory();
    if (!memory) throw new MlpsError('INVALID_ARGUMENT', 'cannot read /proc/meminfo; pass --client-host-memory-in-gb');
    perHost = memory.memTotalBytes;
    source = 'measured';
  }
  const total = perHost * hosts;
  const spf = model.samplesPerFile;
  const fileBytes = spf * model.recordBytes;
  const byMemory = Math.ceil((5 * total) / model.recordBytes / spf);
  const bySteps = Math.ceil((500 * accelerators * model.batchSize) / spf);
  const files = Math.max(byMemory, bySteps);
  return {
    model: model.name,
    num_accelerators: accelerators,
    num_client_hosts: hosts,
    client_host_memory_bytes: perHost,
    memory_source: source,
    total_memory_bytes: total,
    batch_size: model.batchSize,
    samples_per_file: spf,
    record_bytes: model.recordBytes,
    min_files_by_memory: byMemory,
    min_files_by_steps: bySteps,
    required_files: files,
    required_bytes: files * fileBytes,
    limited_by: byMemory >= bySteps ? 'memory' : 'steps',
  };
}

/** Printable `datasize` output. */
export function formatTrainingDatasize(r: TrainingDatasizeResult): string {
  const lines = [
    `model: ${r.model}, ${r.num_accelerators} accelerator(s), ${r.num_client_hosts} client host(s) × ${formatBytes(r.client_host_memory_bytes)} (${r.memory_source})`,
    `files for 5 × memory: ${r.min_files_by_memory}; files for 500 steps/epoch: ${r.min_files_by_steps} (limited by ${r.limited_by})`,
    `Number of training files: ${r.required_files}`,
    `Total disk space required: ${r.required_bytes} bytes (${formatBytes(r.required_bytes)})`,
  ];
  return lines.join('\n');
}
