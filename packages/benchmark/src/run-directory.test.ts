import { mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocateRunDirectory, formatRunDatetime, resultsParentDirectory, runFileNames } from './run-directory';

describe('formatRunDatetime', () => {
  it('is YYYYMMDD_HHMMSS in local time', () => {
    const d = new Date(2026, 0, 5, 7, 8, 9, 999);
    expect(formatRunDatetime(d)).toBe('20260105_070809');
  });
});

describe('resultsParentDirectory', () => {
  it('lays out results as mlpstorage does', () => {
    expect(resultsParentDirectory('/r', { benchmarkType: 'training', model: 'unet3d', command: 'run' })).toBe('/r/training/unet3d/run');
    expect(resultsParentDirectory('/r', { benchmarkType: 'checkpointing', model: 'llama3-8b', command: 'run' })).toBe('/r/checkpointing/llama3-8b');
    expect(resultsParentDirectory('/r', { benchmarkType: 'vector_database', command: 'datagen' })).toBe('/r/vector_database/datagen');
    expect(resultsParentDirectory('/r', { benchmarkType: 'kv_cache', command: 'run' })).toBe('/r/kv_cache/run');
  });
});

describe('runFileNames', () => {
  it('shares the {type}_{datetime} stem', () => {
    expect(runFileNames('kv_cache', '20260105_070809')).toEqual({
      timeseries: 'kv_cache_20260105_070809_timeseries.json',
      journal: 'kv_cache_20260105_070809_timeseries.jsonl',
      metadata: 'kv_cache_20260105_070809_metadata.json',
    });
  });
});

describe('allocateRunDirectory', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mlps-rundir-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the parent and a fresh directory named for the start second', () => {
    const start = new Date(2026, 4, 6, 10, 11, 12, 500);
    const a = allocateRunDirectory(join(root, 'training', 'unet3d', 'run'), start);
    expect(a.datetime).toBe('20260506_101112');
    expect(readdirSync(join(root, 'training', 'unet3d', 'run'))).toEqual(['20260506_101112']);
  });

  it('never reuses a directory: a collision moves to the next free second', () => {
    const start = new Date(2026, 4, 6, 23, 59, 59);
    mkdirSync(join(root, '20260506_235959'));
    const a = allocateRunDirectory(root, start);
    const b = allocateRunDirectory(root, start);
    expect(a.datetime).toBe('20260507_000000');
    expect(b.datetime).toBe('20260507_000001');
    expect(readdirSync(root).sort()).toEqual(['20260506_235959', '20260507_000000', '20260507_000001']);
  });
});
