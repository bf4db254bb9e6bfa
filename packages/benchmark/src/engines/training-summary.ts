/** Printable summaries of the training engine's results. */
import { formatBytes } from './progress';
import type { DatagenResult } from './training-datagen';
import type { TrainingRunResult } from './training-run';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The `training run` summary: overall and per-epoch throughput, AU per accelerator, pass/fail, comparability. */
export function formatTrainingRunSummary(r: TrainingRunResult): string {
  const o = r.overall;
  const lines = [
    `training ${r.model} on ${r.num_accelerators} × ${r.accelerator_type} (builtin engine)${r.complete ? '' : ' — INCOMPLETE'}`,
    `dataset: ${r.dataset.num_files} files, ${r.dataset.samples} samples, ${formatBytes(r.dataset.bytes)} in ${r.dataset.folder}` +
      (r.dataset.fits_in_page_cache ? ' (fits in this host\'s memory: reads may come from the page cache)' : ''),
  ];
  for (const e of r.epochs) {
    lines.push(
      `  epoch ${e.epoch}: ${e.duration_seconds.toFixed(2)} s, ${e.samples_per_second.toFixed(1)} samples/s, ${e.mb_per_second.toFixed(1)} MB/s, AU ${pct(e.au)}`,
    );
  }
  lines.push(
    `overall: ${o.samples} samples in ${o.duration_seconds.toFixed(2)} s: ${o.samples_per_second.toFixed(1)} samples/s, ${o.mb_per_second.toFixed(1)} MB/s (${o.mib_per_second.toFixed(1)} MiB/s)`,
  );
  for (const a of r.accelerators) {
    lines.push(
      `  accelerator ${a.accelerator}: AU ${pct(a.au)} (compute ${a.compute_seconds.toFixed(2)} s of ${a.wall_seconds.toFixed(2)} s, I/O wait ${a.io_wait_seconds.toFixed(2)} s) ${a.pass ? 'PASS' : 'FAIL'}`,
    );
  }
  lines.push(`AU ${pct(o.au)} mean, ${pct(o.au_min)} min, threshold ${pct(o.au_threshold)}: ${o.pass ? 'PASS' : 'FAIL'}`);
  if (!r.comparable) lines.push(`NOT COMPARABLE to published results: ${r.not_comparable_reasons.join('; ')}`);
  if (r.error) lines.push(`error: ${r.error.message}`);
  return lines.join('\n');
}

/** The `training datagen` summary. */
export function formatDatagenSummary(r: DatagenResult): string {
  const lines = [
    `datagen ${r.model}${r.complete ? '' : ' — INCOMPLETE'}: ${r.files_written}/${r.num_files} files, ${formatBytes(r.bytes_written)} in ${r.duration_seconds.toFixed(2)} s (${r.mb_per_second.toFixed(1)} MB/s)`,
    `dataset: ${r.data_folder} (manifest ${r.manifest_path})`,
  ];
  if (!r.comparable) lines.push(`NOT COMPARABLE to published results: ${r.not_comparable_reasons.join('; ')}`);
  return lines.join('\n');
}
