/** Printable summary of a checkpointing run. */
import type { CheckpointingRunResult, CheckpointPhaseStats } from './checkpointing-run';
import { formatBytes } from './progress';

function phaseLine(name: string, p: CheckpointPhaseStats | null): string {
  if (p === null) return `${name}: not run`;
  const s = p.seconds_per_checkpoint;
  return (
    `${name}: ${p.checkpoints} checkpoint(s), ${formatBytes(p.bytes)} in ${p.duration_seconds.toFixed(2)} s: ` +
    `${p.gb_per_second.toFixed(3)} GB/s (${p.gib_per_second.toFixed(3)} GiB/s), ` +
    `${s.mean.toFixed(3)} s per checkpoint (min ${s.min.toFixed(3)}, max ${s.max.toFixed(3)})`
  );
}

/** The `checkpointing run` summary: write and read throughput, time per checkpoint, page-cache verdict. */
export function formatCheckpointingSummary(r: CheckpointingRunResult): string {
  const lines = [
    `checkpointing ${r.model} with ${r.num_processes} process(es) (builtin engine)${r.complete ? '' : ' — INCOMPLETE'}`,
    `checkpoint: ${formatBytes(r.checkpoint_bytes)} split over ${r.num_processes} rank(s), in ${r.checkpoint_folder}`,
    phaseLine('write (fsync)', r.write),
    phaseLine('read', r.read),
  ];
  if (r.page_cache) {
    const pc = r.page_cache;
    const verdict =
      pc.verdict_basis === 'memory-file-system'
        ? `reads CAME FROM MEMORY (${pc.memory_file_system})`
        : pc.verdict_basis === 'device-reads'
          ? pc.reads_could_be_cached
            ? 'reads CAME IN PART FROM THE PAGE CACHE (measured)'
            : 'reads reached storage (measured)'
          : pc.reads_could_be_cached
            ? 'reads MAY HAVE COME FROM MEMORY'
            : 'reads not served from the page cache';
    lines.push(`page cache: ${verdict} — ${pc.explanation}`);
  }
  if (r.removed_incomplete_checkpoints.length > 0) lines.push(`removed incomplete: ${r.removed_incomplete_checkpoints.join(', ')}`);
  if (!r.comparable) lines.push(`NOT COMPARABLE to published results: ${r.not_comparable_reasons.join('; ')}`);
  if (r.error) lines.push(`error: ${r.error.message}`);
  return lines.join('\n');
}
