import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from './atomic';
import { isMlpsError } from './errors';
import { describeWithTools } from '../../../scripts/test-tools.cjs';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlps-atomic-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function leftovers(where: string): string[] {
  return fs.readdirSync(where).filter((name) => name.endsWith('.tmp'));
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe.each([
  ['writeFileAtomic', (p: string, d: string | Uint8Array) => writeFileAtomic(p, d)],
  ['writeFileAtomicSync', async (p: string, d: string | Uint8Array) => writeFileAtomicSync(p, d)],
])('%s', (_name, write) => {
  it('creates, then replaces, a file and leaves no temporary file', async () => {
    const target = path.join(dir, 'run_timeseries.json');
    await write(target, 'first');
    expect(fs.readFileSync(target, 'utf8')).toBe('first');
    await write(target, Buffer.from([0xe2, 0x82, 0xac]));
    expect(fs.readFileSync(target, 'utf8')).toBe('€');
    expect(fs.readdirSync(dir)).toEqual(['run_timeseries.json']);
  });

  it('fails with IO_ERROR naming the path when the directory is missing', async () => {
    const target = path.join(dir, 'missing', 'x.json');
    const err = await rejection(write(target, 'x'));
    expect(isMlpsError(err)).toBe(true);
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toContain(target);
    expect(err.message).toContain('does the directory exist');
  });

  it('leaves the target and no temporary file when the rename fails', async () => {
    // A non-empty directory cannot be replaced by a file: the rename fails after the temp file is written.
    const target = path.join(dir, 'busy');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'k');
    const err = await rejection(write(target, 'new'));
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toMatch(/rename failed/);
    expect(leftovers(dir)).toEqual([]);
    expect(fs.readFileSync(path.join(target, 'keep'), 'utf8')).toBe('k');
  });
});

describeWithTools(['root'], 'on a real small filesystem (tmpfs, needs root)', () => {
  let mountPoint: string;

  beforeAll(() => {
    mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'mlps-atomic-mnt-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
  });

  afterAll(() => {
    execFileSync('umount', [mountPoint]);
    fs.rmdirSync(mountPoint);
  });

  it('keeps the old content and removes the temporary file when the disk fills mid-write', async () => {
    const target = path.join(mountPoint, 'doc.json');
    await writeFileAtomic(target, 'old content');
    const err = await rejection(writeFileAtomic(target, 'x'.repeat(1024 * 1024)));
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toMatch(/filesystem is full/);
    expect(fs.readFileSync(target, 'utf8')).toBe('old content');
    expect(leftovers(mountPoint)).toEqual([]);
    expect(() => writeFileAtomicSync(target, 'y'.repeat(1024 * 1024))).toThrow(/filesystem is full/);
    expect(fs.readFileSync(target, 'utf8')).toBe('old content');
    expect(leftovers(mountPoint)).toEqual([]);
  });

  it('fails cleanly on a read-only filesystem', async () => {
    const target = path.join(mountPoint, 'ro.json');
    await writeFileAtomic(target, 'before');
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    try {
      const err = await rejection(writeFileAtomic(target, 'after'));
      expect(err.code).toBe('IO_ERROR');
      expect(err.message).toContain(target);
      expect(err.message).toMatch(/writable/);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('before');
    expect(leftovers(mountPoint)).toEqual([]);
  });
});

it('a concurrent reader never sees a partial file', async () => {
  const target = path.join(dir, 'big.json');
  const size = 4 * 1024 * 1024;
  const contents = ['A', 'B'].map((c) => c.repeat(size));
  await writeFileAtomic(target, contents[0]!);
  // The reader is another process, so it really runs while the writes are in flight.
  const reader = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('fs'); let reads = 0, bad = 0;
       const stop = Date.now() + 1500;
       while (Date.now() < stop) {
         const b = fs.readFileSync(process.argv[1]); reads++;
         if (b.length !== ${size} || (b.indexOf(65) !== -1 && b.indexOf(66) !== -1)) bad++;
       }
       process.stdout.write(JSON.stringify({ reads, bad }));`,
      target,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  reader.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((resolve) => reader.on('exit', () => resolve()));
  let writes = 0;
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    await writeFileAtomic(target, contents[writes % 2]!);
    writes++;
  }
  await exited;
  const result = JSON.parse(out) as { reads: number; bad: number };
  expect(writes).toBeGreaterThan(2);
  expect(result.reads).toBeGreaterThan(2);
  expect(result.bad).toBe(0);
  expect(leftovers(dir)).toEqual([]);
});

it('concurrent writers end with exactly one complete content', async () => {
  const target = path.join(dir, 'race.json');
  const contents = Array.from({ length: 12 }, (_, i) => `${String(i).padStart(2, '0')}:${'z'.repeat(200_000)}`);
  await Promise.all(contents.map((c) => writeFileAtomic(target, c)));
  expect(contents).toContain(fs.readFileSync(target, 'utf8'));
  expect(fs.readdirSync(dir)).toEqual(['race.json']);
});
