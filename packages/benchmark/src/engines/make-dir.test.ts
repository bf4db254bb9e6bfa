import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory, makeDirectorySync } from './make-dir';

const root = mkdtempSync(join(tmpdir(), 'mlps-make-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each([
  ['makeDirectorySync', async (p: string): Promise<void> => makeDirectorySync(p)],
  ['makeDirectory', makeDirectory],
])('%s', (name, make) => {
  test('creates every missing level and accepts existing ones', async () => {
    const deep = join(root, name, 'a', 'b', 'c');
    await make(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await make(deep);
    await make(join(root, name, 'a'));
  });

  test('a file in the way is ENOTDIR naming it', async () => {
    const file = join(root, `${name}-file`);
    writeFileSync(file, 'x');
    await expect(make(join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR', path: file });
    await expect(make(file)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  // Node's own recursive mkdir spins forever here (procfs answers ENOENT to every mkdir).
  test('a directory under /proc fails at once with ENOENT', async () => {
    const t0 = Date.now();
    await expect(make('/proc/mlps-no-such-dir/x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
