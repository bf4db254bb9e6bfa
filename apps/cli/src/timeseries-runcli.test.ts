import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CliContext } from './context';
import { runCli } from './program';

const root = mkdtempSync(join(tmpdir(), 'mlps-ts-runcli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describe('runCli timeseries', () => {
  it("collect returns the command's exit code through the program's context", async () => {
    const ctx: CliContext = { stdout: new Capture(), stderr: new Capture(), env: {}, exitCode: 0 };
    expect(await runCli(['timeseries', 'collect', '-q', '--timeseries-interval', '0.2', '--output-dir', join(root, 'o'), '--', 'sh', '-c', 'exit 3'], ctx)).toBe(3);
  });

  it('a missing report target is a one-line error, exit 2', async () => {
    const err = new Capture();
    const ctx: CliContext = { stdout: new Capture(), stderr: err, env: {}, exitCode: 0 };
    expect(await runCli(['timeseries', 'report', join(root, 'none')], ctx)).toBe(2);
    expect(err.text).toMatch(/^mlpstorage: error: no such file or directory: .*none\n$/);
  });
});
