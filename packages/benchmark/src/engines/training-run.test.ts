import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMlpsError } from '@mlps/timeseries';
import { isWorkloadError } from './engine-errors';
import type { EngineProgress } from './progress';
import { resolveTrainingConfig } from './training-config';
import { DATASET_MANIFEST_NAME, datasetFilePath, generateRecordSizes } from './training-dataset';
import { generateTrainingDataset } from './training-datagen';
import { runTrainingWorkload } from './training-run';
import { preflightTrainingRun } from './preflight';
import { itWithTools } from '../../../../scripts/test-tools.cjs';

describe('training engine: datagen then run on real files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlps-train-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('run with an explicit --scale that is not the dataset\'s is refused (it ran at the dataset\'s scale silently)', async () => {
    const made = resolveTrainingConfig({ model: 'cosmoflow', dataDir: dir, scale: 0.00001 });
    expect((await generateTrainingDataset(made)).complete).toBe(true);
    const other = resolveTrainingConfig({ model: 'cosmoflow', dataDir: dir, scale: 0.00002 });
    expect(() => preflightTrainingRun(other)).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: `--scale 0.00002 but the dataset in ${join(dir, 'cosmoflow')} was made with --scale 0.00001 (${made.numFiles} files); ` +
          `run with --scale 0.00001, or make the dataset again with: mlpstorage training datagen --model cosmoflow --data-dir ${dir} --scale 0.00002`,
      }),
    );
    // The dataset's own scale, or no --scale at all (the dataset as it is), still run.
    expect(preflightTrainingRun(resolveTrainingConfig({ model: 'cosmoflow', dataDir: dir, scale: 0.00001 })).num_files).toBe(made.numFiles);
    expect(preflightTrainingRun(resolveTrainingConfig({ model: 'cosmoflow', dataDir: dir })).scale).toBe(0.00001);
  });

  test('cosmoflow: datagen writes the model record sizes; run reads every sample of every epoch and reports AU', async () => {
    const config = resolveTrainingConfig({ model: 'cosmoflow', dataDir: dir, numAccelerators: 2, scale: 0.00005, epochs: 2 });
    expect(config.numFiles).toBe(27); // ceil(524288 × 0.00005)
    const events: EngineProgress[] = [];
    const gen = await generateTrainingDataset(config, { onProgress: (e) => events.push(e) });
    expect(gen.complete).toBe(true);
    expect(gen.comparable).toBe(false);
    const files = readdirSync(join(dir, 'cosmoflow', 'train')).sort();
    expect(files).toHaveLength(27);
    expect(files.some((f) => f.endsWith('.partial'))).toBe(false);
    const sizes = generateRecordSizes(config);
    let total = 0;
    for (let i = 0; i < config.numFiles; i++) {
      const size = statSync(datasetFilePath(config.trainFolder as string, i, 27, 'tfrecord')).size;
      expect(size).toBe(sizes[i]);
      // Sizes follow the model's distribution (mean 2,828,486 ± 71,311, clamped at 3σ).
      expect(Math.abs(size - 2_828_486)).toBeLessThanOrEqual(3 * 71_311 + 1);
      total += size;
    }
    expect(gen.total_bytes).toBe(total);
    expect(gen.bytes_written).toBe(total);
    expect(events.at(-1)).toMatchObject({ phase: 'datagen', done: 27, total: 27 });
    const manifest = JSON.parse(readFileSync(join(dir, 'cosmoflow', DATASET_MANIFEST_NAME), 'utf8'));
    expect(manifest).toMatchObject({ complete: true, files_written: 27, num_files: 27, total_bytes: total, model: 'cosmoflow' });

    const runEvents: EngineProgress[] = [];
    const result = await runTrainingWorkload(config, { onProgress: (e) => runEvents.push(e) });
    // 27 samples, 2 accelerators × batch 1 → 13 steps each (drop last), 26 samples per epoch.
    expect(result.overall.steps_per_epoch).toBe(13);
    expect(result.epochs).toHaveLength(2);
    for (const epoch of result.epochs) {
      expect(epoch.samples).toBe(26);
      expect(epoch.accelerators).toHaveLength(2);
      expect(epoch.bytes).toBeGreaterThan(26 * (2_828_486 - 3 * 71_311));
      expect(epoch.bytes).toBeLessThanOrEqual(26 * (2_828_486 + 3 * 71_311));
    }
    expect(result.complete).toBe(true);
    expect(result.comparable).toBe(false);
    expect(result.not_comparable_reasons.join(' ')).toMatch(/scale/);
    expect(result.overall.samples).toBe(52);
    expect(result.overall.samples_per_second).toBeGreaterThan(0);
    expect(result.overall.mb_per_second).toBeCloseTo(result.overall.bytes / 1e6 / result.overall.duration_seconds, 6);
    expect(result.accelerators).toHaveLength(2);
    for (const a of result.accelerators) {
      // 26 steps of 3.5 ms compute each.
      expect(a.compute_seconds).toBeGreaterThanOrEqual(26 * 0.0035 * 0.95);
      expect(a.au).toBeGreaterThan(0);
      expect(a.au).toBeLessThanOrEqual(1);
      expect(a.pass).toBe(a.au >= 0.7);
    }
    expect(result.overall.pass).toBe(result.accelerators.every((a) => a.au >= 0.7));
    expect(runEvents.filter((e) => e.phase === 'epoch').map((e) => e.epoch)).toEqual([1, 2]);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  test('AU reflects compute versus I/O: unet3d with few large reads on a fast cache stays high', async () => {
    const config = resolveTrainingConfig({ model: 'unet3d', dataDir: dir, numAccelerators: 1, numFiles: 7, epochs: 1, readThreads: 4 });
    await generateTrainingDataset(config);
    const result = await runTrainingWorkload(config);
    // One step of batch 7: the first batch must be read before the first 0.323 s of compute.
    expect(result.overall.steps_per_epoch).toBe(1);
    const a = result.accelerators[0];
    expect(a?.compute_seconds).toBeGreaterThanOrEqual(0.3);
    expect(a?.compute_seconds).toBeLessThan(0.6);
    expect(a?.io_wait_seconds).toBeGreaterThan(0);
    expect(result.comparable).toBe(false);
  });

  test('run refuses a missing data dir, a missing dataset, an incomplete dataset and a truncated file', async () => {
    const missing = resolveTrainingConfig({ model: 'cosmoflow', dataDir: join(dir, 'nope'), scale: 0.00001 });
    await expect(runTrainingWorkload(missing)).rejects.toMatchObject({ code: 'DATA_DIR_NOT_FOUND' });
    const empty = resolveTrainingConfig({ model: 'cosmoflow', dataDir: dir, scale: 0.00001 });
    await expect(runTrainingWorkload(empty)).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' });

    await generateTrainingDataset(empty);
    const manifestPath = join(dir, 'cosmoflow', DATASET_MANIFEST_NAME);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, complete: false, files_written: 2 }));
    await expect(runTrainingWorkload(empty)).rejects.toMatchObject({ code: 'DATASET_INCOMPLETE', message: expect.stringMatching(/2 of 6 files/) });

    writeFileSync(manifestPath, JSON.stringify(manifest));
    truncateSync(datasetFilePath(empty.trainFolder as string, 3, 6, 'tfrecord'), 1000);
    const err = await runTrainingWorkload({ ...empty, epochs: 1 }).catch((e: unknown) => e);
    expect(isMlpsError(err)).toBe(true);
    expect(isWorkloadError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('DATASET_INCOMPLETE');
    expect((err as Error).message).toMatch(/img_4_of_6\.tfrecord/);
    expect((err as Error).message.split('\n')).toHaveLength(1);
    const partial = (err as { details: { partialResult: { complete: boolean } } }).details.partialResult;
    expect(partial.complete).toBe(false);
  });

  itWithTools(['root'], 'ENOSPC in the middle of datagen removes the partial file and marks the dataset incomplete', async () => {
    const tiny = join(dir, 'tiny');
    mkdirSync(tiny);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', tiny]);
    try {
      // 6 files of ~2.8 MB into 8 MiB: the third or fourth file hits ENOSPC.
      const config = resolveTrainingConfig({ model: 'cosmoflow', dataDir: tiny, numFiles: 6, datagenThreads: 1 });
      const err = await generateTrainingDataset(config, { checkFreeSpace: false }).catch((e: unknown) => e);
      expect(isWorkloadError(err)).toBe(true);
      const e = err as { code: string; message: string; details: { removedFiles: string[]; partialResult: { complete: boolean; files_written: number } } };
      expect(e.code).toBe('NO_SPACE');
      expect(e.message).toMatch(/^datagen stopped after \d of 6 files: no space left on device writing .*\.partial; the partial file was removed; the dataset is marked incomplete in /);
      expect(e.details.removedFiles).toHaveLength(1);
      expect(e.details.partialResult.complete).toBe(false);
      const names = readdirSync(join(tiny, 'cosmoflow', 'train'));
      expect(names.some((n) => n.endsWith('.partial'))).toBe(false);
      expect(names).toHaveLength(e.details.partialResult.files_written);
      const manifest = JSON.parse(readFileSync(join(tiny, 'cosmoflow', DATASET_MANIFEST_NAME), 'utf8'));
      expect(manifest).toMatchObject({ complete: false, files_written: names.length, error: { code: 'NO_SPACE' } });
      await expect(runTrainingWorkload(config)).rejects.toMatchObject({ code: 'DATASET_INCOMPLETE' });
    } finally {
      execFileSync('umount', [tiny]);
    }
  });

  test('more accelerators than the dataset has batches is a clear error', async () => {
    const config = resolveTrainingConfig({ model: 'cosmoflow', dataDir: dir, numFiles: 2 });
    await generateTrainingDataset(config);
    await expect(runTrainingWorkload({ ...config, numAccelerators: 3 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/fewer than one batch/),
    });
  });

  test('an abort signal stops the run and marks the partial result incomplete', async () => {
    const config = resolveTrainingConfig({ model: 'cosmoflow', dataDir: dir, numFiles: 40, epochs: 50 });
    await generateTrainingDataset(config);
    const controller = new AbortController();
    const run = runTrainingWorkload(config, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.phase === 'epoch' && e.epoch === 2) controller.abort();
      },
    });
    const err = await run.catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('ABORTED');
    const partial = (err as { details: { partialResult: { complete: boolean; epochs: unknown[] } } }).details.partialResult;
    expect(partial.complete).toBe(false);
    expect(partial.epochs.length).toBeGreaterThanOrEqual(2);
    expect(partial.epochs.length).toBeLessThan(50);
  });
});
