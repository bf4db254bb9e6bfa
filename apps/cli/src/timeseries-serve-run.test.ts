import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CliContext } from './context';
import { runCli } from './program';

const root = mkdtempSync(join(tmpdir(), 'mlps-serve-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('--serve on a benchmark run', () => {
  it('answers /metrics with the current rates during the run and stops with it', async () => {
    const err = new Capture();
    const ctx: CliContext = { stdout: new Capture(), stderr: err, env: { ...process.env, NO_COLOR: '1' }, exitCode: 0 };
    const done = runCli(
      ['exec', '--results-dir', join(root, 'results'), '--timeseries-interval', '0.25', '--serve', '0', '--', 'sh', '-c', 'sleep 3'],
      ctx,
    );
    let url: string | null = null;
    const t0 = Date.now();
    while (url === null && Date.now() - t0 < 15_000) {
      url = /live view at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err.text)?.[1] ?? null;
      await sleep(25);
    }
    expect(url).not.toBeNull();
    await sleep(1000);
    const text = await (await fetch(`${url}metrics`)).text();
    expect(Number(/^mlps_samples\{host="[^"]+"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^mlps_cpu_ratio\{host="[^"]+",mode="system"\} /m);
    expect(text).toMatch(/^node_disk_read_bytes_total\{host="[^"]+",device="[^"]+"\} \d+$/m);
    expect(await done).toBe(0);
    await expect(fetch(`${url}metrics`)).rejects.toThrow();
  });
});
