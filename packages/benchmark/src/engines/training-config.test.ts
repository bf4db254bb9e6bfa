import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom, shuffleInPlace } from './random';
import { parseEngineName, parseScale } from './scale';
import { describeTrainingConfig, resolveTrainingConfig } from './training-config';
import { generateRecordSizes } from './training-dataset';
import { computeTrainingDatasetSize } from './training-datasize';
import { datasetNoSpaceAdvice, preflightTrainingRun } from './preflight';

describe('training configuration', () => {
  test('a --scale below one batch per accelerator is raised to that floor, and the no-space advice says a smaller --scale will not help', () => {
    // unet3d: batch 7, one sample per file; 168 × 0.000001 rounds up to 1 file, the floor is 7 (~1 GB).
    const tiny = resolveTrainingConfig({ model: 'unet3d', scale: 0.000001 });
    expect(tiny).toMatchObject({ numFiles: 7, minimumFiles: 7, atMinimumFiles: true, scaleGiven: 0.000001 });
    expect(datasetNoSpaceAdvice(tiny)).toBe(
      '7 files is already the minimum for 1 accelerator(s), one batch of 7 samples each, so a smaller --scale changes nothing: use fewer --num-accelerators or another --data-dir',
    );
    const scaled = resolveTrainingConfig({ model: 'unet3d', scale: 0.5 });
    expect(scaled).toMatchObject({ atMinimumFiles: false, scaleGiven: 0.5 });
    expect(datasetNoSpaceAdvice(scaled)).toBe('use a smaller --scale or another --data-dir');
    expect(resolveTrainingConfig({ model: 'unet3d' }).scaleGiven).toBeNull();
  });

  test('model parameters from WORKLOADS.md, per accelerator type', () => {
    const unet = resolveTrainingConfig({ model: 'unet3d', numAccelerators: 2, acceleratorType: 'a100' });
    expect(unet).toMatchObject({ batchSize: 7, readThreads: 4, samplesPerFile: 1, recordBytes: 146_600_628, computationTimeSeconds: 0.636, auThreshold: 0.9, epochs: 5, numFiles: 168, comparable: true });
    const resnet = resolveTrainingConfig({ model: 'resnet50' });
    expect(resnet).toMatchObject({ batchSize: 400, readThreads: 8, samplesPerFile: 1251, recordBytes: 114_660, computationTimeSeconds: 0.224 });
    expect(resolveTrainingConfig({ model: 'cosmoflow' }).auThreshold).toBe(0.7);
  });

  test('scale shrinks only the file count, never below one batch per accelerator, and is not comparable', () => {
    const c = resolveTrainingConfig({ model: 'cosmoflow', scale: 0.001 });
    expect(c.numFiles).toBe(525);
    expect(c.recordBytes).toBe(2_828_486);
    expect(c.comparable).toBe(false);
    expect(describeTrainingConfig(c).scale_effect).toMatch(/number of dataset files/);
    expect(resolveTrainingConfig({ model: 'unet3d', scale: 0.001, numAccelerators: 3 }).numFiles).toBe(21);
    expect(resolveTrainingConfig({ model: 'resnet50', scale: 0.0001, numAccelerators: 8 }).numFiles).toBe(3);
  });

  test('the data folder is <data-dir>/<model> unless --data-dir already names the model', () => {
    expect(resolveTrainingConfig({ model: 'unet3d', dataDir: '/d' }).dataFolder).toBe('/d/unet3d');
    expect(resolveTrainingConfig({ model: 'unet3d', dataDir: '/d/unet3d' }).trainFolder).toBe('/d/unet3d/train');
  });

  test('bad values are one-line MlpsErrors with stable codes', () => {
    expect(() => resolveTrainingConfig({ model: 'unet3d', numAccelerators: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/--num-accelerators/) }));
    expect(() => resolveTrainingConfig({ model: 'bert' })).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL' }));
    expect(() => resolveTrainingConfig({ model: 'unet3d', acceleratorType: 'tpu' })).toThrow(/--accelerator-type/);
    expect(() => parseScale('0')).toThrow(/--scale/);
    expect(() => parseScale('abc')).toThrow(/--scale/);
    expect(parseScale(undefined)).toBe(1);
    expect(parseScale('0.001')).toBe(0.001);
    expect(parseEngineName(undefined)).toBe('builtin');
    expect(() => parseEngineName('fio')).toThrow(/--engine/);
  });
});

describe('record sizes and shuffles are reproducible from the seed', () => {
  test('normal sizes around the mean, clamped at 3σ, same for the same seed', () => {
    const a = generateRecordSizes({ numFiles: 2000, recordBytes: 146_600_628, recordBytesStdev: 68_341_808, seed: 7 });
    const b = generateRecordSizes({ numFiles: 2000, recordBytes: 146_600_628, recordBytesStdev: 68_341_808, seed: 7 });
    expect(Array.from(a)).toEqual(Array.from(b));
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    expect(Math.abs(mean - 146_600_628) / 146_600_628).toBeLessThan(0.05);
    const sd = Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / a.length);
    expect(sd).toBeGreaterThan(55_000_000);
    expect(sd).toBeLessThan(75_000_000);
    for (const s of a) {
      expect(s).toBeGreaterThanOrEqual(146_600_628 / 16 - 1);
      expect(s).toBeLessThanOrEqual(146_600_628 + 3 * 68_341_808);
    }
    expect(Array.from(generateRecordSizes({ numFiles: 3, recordBytes: 114_660, recordBytesStdev: 0, seed: 1 }))).toEqual([114_660, 114_660, 114_660]);
  });

  test('a seeded shuffle is a permutation, differs per seed and repeats per seed', () => {
    const s1 = shuffleInPlace(Int32Array.from({ length: 1000 }, (_, i) => i), new SeededRandom(1));
    const s1b = shuffleInPlace(Int32Array.from({ length: 1000 }, (_, i) => i), new SeededRandom(1));
    const s2 = shuffleInPlace(Int32Array.from({ length: 1000 }, (_, i) => i), new SeededRandom(2));
    expect(Array.from(s1)).toEqual(Array.from(s1b));
    expect(Array.from(s1)).not.toEqual(Array.from(s2));
    expect([...s1].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('dataset-size rule', () => {
  test('files ≥ max(5 × memory / record, 500 × accelerators × batch) / samples per file', async () => {
    const mem = await computeTrainingDatasetSize({ model: 'unet3d', numAccelerators: 1, clientHostMemoryGiB: 512, numClientHosts: 4 });
    expect(mem.min_files_by_memory).toBe(Math.ceil((5 * 2048 * 1024 ** 3) / 146_600_628));
    expect(mem.min_files_by_steps).toBe(3500);
    expect(mem.limited_by).toBe('memory');
    expect(mem.required_bytes).toBe(mem.required_files * 146_600_628);
    const steps = await computeTrainingDatasetSize({ model: 'resnet50', numAccelerators: 16, clientHostMemoryGiB: 16, numClientHosts: 1 });
    expect(steps.min_files_by_steps).toBe(Math.ceil((500 * 16 * 400) / 1251));
    expect(steps.required_files).toBe(2558);
    expect(steps.limited_by).toBe('steps');
    const measured = await computeTrainingDatasetSize({ model: 'cosmoflow', numAccelerators: 1 });
    expect(measured.memory_source).toBe('measured');
    expect(measured.client_host_memory_bytes).toBeGreaterThan(0);
    await expect(computeTrainingDatasetSize({ model: 'cosmoflow', numAccelerators: 0 })).rejects.toThrow(/--num-accelerators/);
  });
});

describe('preflight of a training run', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlps-preflight-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('names a missing data dir, a missing manifest, an unfinished or foreign dataset', () => {
    const c = resolveTrainingConfig({ model: 'cosmoflow', dataDir: join(dir, 'none') });
    expect(() => preflightTrainingRun(c)).toThrow(expect.objectContaining({ code: 'DATA_DIR_NOT_FOUND' }));
    const c2 = resolveTrainingConfig({ model: 'cosmoflow', dataDir: dir });
    expect(() => preflightTrainingRun(c2)).toThrow(expect.objectContaining({ code: 'DATASET_NOT_FOUND', message: expect.stringMatching(/mlpstorage training datagen --model cosmoflow/) }));
    const folder = join(dir, 'cosmoflow');
    mkdirSync(folder);
    writeFileSync(join(folder, 'mlps_dataset.json'), '{ torn');
    expect(() => preflightTrainingRun(c2)).toThrow(expect.objectContaining({ code: 'DATASET_INCOMPLETE' }));
    writeFileSync(join(folder, 'mlps_dataset.json'), JSON.stringify({ model: 'unet3d', complete: true }));
    expect(() => preflightTrainingRun(c2)).toThrow(/not a cosmoflow dataset/);
    writeFileSync(join(folder, 'mlps_dataset.json'), JSON.stringify({ model: 'cosmoflow', complete: false, files_written: 3, num_files: 9, samples_per_file: 1, error: { code: 'NO_SPACE', message: 'no space left on device' } }));
    expect(() => preflightTrainingRun(c2)).toThrow(/incomplete \(3 of 9 files written: no space left on device\)/);
  });
});
