// SIGTERM and SIGINT during a built-in checkpointing run (the default engine): the writes stop, the
// unfinished checkpoint is removed, and the document, journal and metadata are complete (143/130).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSeriesData, readJournalWithReport } from '@mlps/timeseries';
import { onlyRunDir, startCli, waitFor } from './test-cli';

jest.setTimeout(120_000);

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mlps-builtin-sig-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it.each([
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const)('%s during checkpoint writes: exit %d, complete files, no half-written checkpoint', async (signal, expected) => {
  const results = join(root, 'results');
  const folder = join(root, 'ckpt');
  const cli = startCli([
    'checkpointing', 'run', '--model', 'llama3-8b', '--num-processes', '2', '--checkpoint-folder', folder,
    '--scale', '0.002', '-ncw', '50', '-ncr', '1', '--timeseries-interval', '0.1', '--results-dir', results,
  ]);
  await waitFor(() => /write checkpoint 2\//.test(cli.stderr()), 60_000, 'the second checkpoint written');
  cli.child.kill(signal);
  const r = await cli.done;
  expect(r.code).toBe(expected);
  expect(r.stderr).toContain(`received ${signal}`);

  const runDir = onlyRunDir(join(results, 'checkpointing', 'llama3-8b'));
  const dt = runDir.slice(-15);
  const doc = parseTimeSeriesData(readFileSync(join(runDir, `checkpointing_${dt}_timeseries.json`), 'utf8'));
  expect(doc.num_samples).toBeGreaterThanOrEqual(2);
  expect(doc.end_time).not.toBeNull();
  const journal = await readJournalWithReport(join(runDir, `checkpointing_${dt}_timeseries.jsonl`));
  expect(journal.tornLastLine).toBe(false);
  expect(journal.data.num_samples).toBe(doc.num_samples);

  const meta = JSON.parse(readFileSync(join(runDir, `checkpointing_${dt}_metadata.json`), 'utf8'));
  expect(meta).toMatchObject({ exit_code: expected, interrupted_by: signal, results_complete: false });
  expect(meta.timeseries_data).toMatchObject({ file: `checkpointing_${dt}_timeseries.json`, num_samples: doc.num_samples });
  expect(meta.cluster_information.end).not.toBeNull();

  const results_ = JSON.parse(readFileSync(join(runDir, `checkpointing_${dt}_results.json`), 'utf8'));
  expect(results_.complete).toBe(false);
  // Every checkpoint left on disk is whole: one model and one optimizer file per rank.
  const left = existsSync(join(folder, 'llama3-8b')) ? readdirSync(join(folder, 'llama3-8b')) : [];
  expect(left.length).toBeGreaterThanOrEqual(2);
  expect(left.length).toBeLessThan(50);
  for (const c of left) expect(readdirSync(join(folder, 'llama3-8b', c)).sort()).toEqual(['rank_0_model.pt', 'rank_0_optimizer.pt', 'rank_1_model.pt', 'rank_1_optimizer.pt']);
});
