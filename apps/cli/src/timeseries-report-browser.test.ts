import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { TimeSeriesCollector, buildTimeSeriesData, serializeTimeSeriesData, type TimeSeriesData } from '@mlps/timeseries';
import { buildReport } from '@mlps/timeseries/report';
import type { CliContext } from './context';
import { registerTimeseriesCommands } from './commands/timeseries';
import { describeWithTools, toolPath } from '../../../scripts/test-tools.cjs';

const CHROMIUM = toolPath('chromium') ?? 'chromium';
const root = mkdtempSync(join(tmpdir(), 'mlps-report-browser-'));
/** Where the screenshot is kept when MLPS_REPORT_SCREENSHOT names a path (docs/report.png is made this way). */
const KEEP_SCREENSHOT = process.env.MLPS_REPORT_SCREENSHOT;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Real loopback traffic so the network chart has something to show. */
async function loopbackBurst(port: number, mb: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/${mb}`);
  await res.arrayBuffer();
}

/** Real disk writes so the disk charts have something to show. */
function writeBurst(name: string, mb: number): void {
  const fd = openSync(join(root, name), 'w');
  const block = Buffer.alloc(1 << 20, 7);
  for (let i = 0; i < mb; i++) writeSync(fd, block);
  fsyncSync(fd);
  closeSync(fd);
}

/**
 * Three real local collections (this machine's /proc, 0.2 s apart) filed under three host names, as a
 * 3-host run; node-c's collector is stopped for ~1 s mid-run and restarted, a real gap.
 */
async function threeHostRun(): Promise<TimeSeriesData> {
  const server = createServer((req, res) => res.end(Buffer.alloc(Number(req.url!.slice(1)) << 20, 1)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const mk = (): TimeSeriesCollector => new TimeSeriesCollector({ intervalSeconds: 0.2 });
  const a = mk();
  const b = mk();
  const c1 = mk();
  a.start();
  b.start();
  c1.start();
  for (let i = 0; i < 4; i++) {
    writeBurst('burst-a', 8);
    await loopbackBurst(port, 16);
    await sleep(250);
  }
  await c1.stop();
  await sleep(1000);
  const c2 = mk();
  c2.start();
  for (let i = 0; i < 4; i++) {
    writeBurst('burst-b', 8);
    await loopbackBurst(port, 16);
    await sleep(250);
  }
  await Promise.all([a.stop(), b.stop(), c2.stop()]);
  server.close();
  const docs = [a, b, c1, c2].map((x) => buildTimeSeriesData(x));
  const only = (d: TimeSeriesData): TimeSeriesData['samples_by_host'][string] => Object.values(d.samples_by_host)[0]!;
  const byHost = { 'node-a': only(docs[0]!), 'node-b': only(docs[1]!), 'node-c': [...only(docs[2]!), ...only(docs[3]!)] };
  const all = Object.values(byHost).flat();
  const hosts = Object.keys(byHost);
  return {
    ...docs[0]!,
    num_samples: all.length,
    samples_by_host: byHost,
    hosts_requested: hosts,
    hosts_collected: hosts,
    end_time: docs[1]!.end_time,
    host_status: Object.fromEntries(hosts.map((h) => [h, { status: 'ok' as const, samples: byHost[h as keyof typeof byHost].length, error_samples: 0 }])),
  };
}

/** Decodes an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium's screenshots are) to RGBA pixels. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.subarray(pos + 4, pos + 8).toString('latin1');
    const body = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect(body[8]).toBe(8);
      colorType = body[9]!;
      expect(body[12]).toBe(0);
    } else if (type === 'IDAT') idat.push(body);
    pos += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  expect([2, 6]).toContain(colorType);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const left = x >= bpp ? line[x - bpp]! : 0;
      const up = prev[x]!;
      const ul = x >= bpp ? prev[x - bpp]! : 0;
      let add = 0;
      if (filter === 1) add = left;
      else if (filter === 2) add = up;
      else if (filter === 3) add = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - ul;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - ul);
        add = pa <= pb && pa <= pc ? left : pb <= pc ? up : ul;
      }
      line[x] = (line[x]! + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      out[(y * width + x) * 4] = line[x * bpp]!;
      out[(y * width + x) * 4 + 1] = line[x * bpp + 1]!;
      out[(y * width + x) * 4 + 2] = line[x * bpp + 2]!;
      out[(y * width + x) * 4 + 3] = bpp === 4 ? line[x * bpp + 3]! : 255;
    }
    prev = line;
  }
  return { width, height, rgba: out };
}

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describeWithTools(['chromium'], 'HTML report in headless Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  let reportUrl: string;
  let data: TimeSeriesData;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    data = await threeHostRun();
    // A run directory as the benchmark writes it, copied "to a laptop": the report is made from it by the CLI.
    const runDir = join(root, 'results', 'training', 'unet3d', 'run', '20260124_120000');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'training_20260124_120000_timeseries.json'), serializeTimeSeriesData(data));
    writeFileSync(
      join(runDir, 'training_20260124_120000_metadata.json'),
      JSON.stringify({ benchmark_type: 'training', model: 'unet3d', command: 'run', run_datetime: '20260124_120000', parameters: { 'dataset.num_files_train': 400, num_accelerators: 3 } }),
    );
    const html = join(root, 'report.html');
    const ctx: CliContext = { stdout: new Sink(), stderr: new Sink(), env: {}, exitCode: -1 };
    const program = new Command('mlpstorage').exitOverride();
    registerTimeseriesCommands(program, ctx);
    await program.parseAsync(['timeseries', 'report', runDir, '--html', html], { from: 'user' });
    expect(ctx.exitCode).toBe(0);
    reportUrl = pathToFileURL(html).href;

    context = await chromium.launchPersistentContext(join(root, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
      ],
    });
    context.on('request', (r) => requests.push(r.url()));
    // Anything but the report itself would be a network request: refuse it (and the assertion below fails).
    await context.route('**/*', (route) => (route.request().url() === reportUrl ? route.continue() : route.abort()));
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(reportUrl);
    await page.waitForFunction(() => (window as unknown as { mlpsReport?: { ready: boolean } }).mlpsReport?.ready === true, undefined, { timeout: 20_000 });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('draws every chart with data from all three hosts', async () => {
    const charts = await page.evaluate(() => {
      type Plot = { data: Array<Array<number | null>>; series: Array<{ label: string }>; root: HTMLElement };
      const api = (window as unknown as { mlpsReport: { charts: Array<{ id: string; plot: Plot }> } }).mlpsReport;
      return api.charts.map(({ id, plot }) => {
        const canvas = plot.root.querySelector('canvas') as HTMLCanvasElement;
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0) inked++;
        return {
          id,
          labels: plot.series.slice(1).map((s) => s.label),
          points: plot.data.slice(1).reduce((n, s) => n + s.filter((v) => v !== null).length, 0),
          inked,
        };
      });
    });
    expect(charts.map((c) => c.id)).toEqual(expect.arrayContaining(['disk-throughput', 'disk-iops', 'disk-await', 'disk-util', 'network', 'cpu', 'memory']));
    for (const c of charts) {
      expect(c.points).toBeGreaterThan(0);
      expect(c.inked).toBeGreaterThan(500);
    }
    const cpu = charts.find((c) => c.id === 'cpu')!;
    for (const host of ['node-a', 'node-b', 'node-c']) expect(cpu.labels.some((l) => l.startsWith(`${host} `))).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('shows the run metadata, host status and the gap', async () => {
    const header = await page.textContent('#header');
    expect(header).toContain('training');
    expect(header).toContain('unet3d');
    expect(header).toContain('dataset.num_files_train');
    expect(header).toMatch(/node-c\s*\S*\s*ok/);
    // node-c's ~1 s outage is one gap; on a loaded machine a late 0.2 s tick is a real gap too, so the
    // page must show exactly the gaps the data holds, the outage among them.
    const hosts = buildReport(data).hosts;
    const outage = hosts.find((h) => h.host === 'node-c')!.gaps.filter((g) => g.seconds >= 0.9);
    expect(outage).toHaveLength(1);
    const total = hosts.reduce((n, h) => n + h.gaps.length, 0);
    expect(header).toContain(`${total} gap(s) without data`);
    const rows = await page.$$eval('#header table:last-of-type tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent)));
    const nodeC = rows.find((r) => r[0] === 'node-c')!;
    expect(nodeC[2]).toBe('ok');
    expect(Number(nodeC[4])).toBe(hosts.find((h) => h.host === 'node-c')!.gaps.length);
  });

  it('toggles a host off and on across every chart', async () => {
    const shown = (): Promise<Record<string, boolean[]>> =>
      page.evaluate(() => {
        type Plot = { series: Array<{ label: string; show: boolean }> };
        const api = (window as unknown as { mlpsReport: { charts: Array<{ plot: Plot }> } }).mlpsReport;
        const out: Record<string, boolean[]> = {};
        for (const { plot } of api.charts) {
          for (const s of plot.series.slice(1)) (out[s.label.split(' ')[0]!] ??= []).push(s.show);
        }
        return out;
      });
    const box = page.locator('input[data-kind="host"][data-name="node-b"]');
    await box.uncheck();
    let s = await shown();
    expect(s['node-b']!.every((v) => !v)).toBe(true);
    expect(s['node-a']!.every((v) => v)).toBe(true);
    expect(await page.locator('.u-legend .u-off').count()).toBeGreaterThan(0);
    await box.check();
    s = await shown();
    expect(Object.values(s).flat().every((v) => v)).toBe(true);
  });

  it('zooms on drag and saves a screenshot that is not blank', async () => {
    const canvas = page.locator('section[data-chart="cpu"] canvas');
    await canvas.scrollIntoViewIfNeeded();
    const b = (await canvas.boundingBox())!;
    const before = await page.evaluate(() => (window as unknown as { mlpsReport: { charts: Array<{ id: string; plot: { scales: { x: { min: number; max: number } } } }> } }).mlpsReport.charts.find((c) => c.id === 'cpu')!.plot.scales.x);
    await page.mouse.move(b.x + b.width * 0.3, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width * 0.6, b.y + b.height / 2, { steps: 5 });
    await page.mouse.up();
    const after = await page.evaluate(() => (window as unknown as { mlpsReport: { charts: Array<{ id: string; plot: { scales: { x: { min: number; max: number } } } }> } }).mlpsReport.charts.find((c) => c.id === 'cpu')!.plot.scales.x);
    expect(after.max - after.min).toBeLessThan((before.max - before.min) * 0.6);
    // Double-click resets the zoom (uPlot's overlay, not the canvas, takes the pointer).
    await page.mouse.dblclick(b.x + b.width / 2, b.y + b.height / 2);

    const png = await page.screenshot({ fullPage: true });
    if (KEEP_SCREENSHOT !== undefined) {
      // For the README: the top of the page (header, toggles, first charts) as a reader first sees it.
      await page.setViewportSize({ width: 1280, height: 1250 });
      await page.evaluate(() => window.scrollTo(0, 0));
      await sleep(300);
      writeFileSync(KEEP_SCREENSHOT, await page.screenshot());
    }
    const { width, height, rgba } = decodePng(png);
    expect(width).toBe(1280);
    expect(height).toBeGreaterThan(1500);
    let ink = 0;
    const colours = new Set<number>();
    for (let i = 0; i < rgba.length; i += 4) {
      const r = rgba[i]!;
      const g = rgba[i + 1]!;
      const bl = rgba[i + 2]!;
      if (r < 240 || g < 240 || bl < 240) ink++;
      colours.add((r << 16) | (g << 8) | bl);
    }
    // Text, axes and coloured lines: a blank or error page has almost no ink and few colours.
    expect(ink / (width * height)).toBeGreaterThan(0.01);
    expect(colours.size).toBeGreaterThan(50);
  }, 60_000);

  it('made no network request: only the report file itself was loaded', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => u !== reportUrl)).toEqual([]);
    expect(readFileSync(new URL(reportUrl), 'utf8')).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
  });
});
