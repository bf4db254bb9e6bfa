/**
 * Issue 12 "Done when": a `procRoot` fixture tree with an NFS mount, sampled twice, written as a document,
 * gives per-mount rates in `timeseries report` and `timeseries export`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { SAMPLE_SOURCE_FILES, collectTimeseriesSampleSync, serializeTimeSeriesData, type TimeSeriesData } from '@mlps/timeseries';
import type { CliContext } from './context';
import { registerTimeseriesCommands } from './commands/timeseries';

const root = mkdtempSync(join(tmpdir(), 'mlps-ts-netfs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function run(args: string[]): Promise<{ ctx: CliContext; out: Capture; err: Capture }> {
  const out = new Capture();
  const err = new Capture();
  const ctx: CliContext = { stdout: out, stderr: err, env: { ...process.env, NO_COLOR: '1' }, exitCode: -1 };
  const program = new Command('mlpstorage').exitOverride().enablePositionalOptions().configureOutput({ writeOut: (t) => out.write(t), writeErr: (t) => err.write(t) });
  registerTimeseriesCommands(program, ctx);
  await program.parseAsync(['timeseries', ...args], { from: 'user' });
  return { ctx, out, err };
}

const CAPTURE = readFileSync(require.resolve('@mlps/timeseries/package.json').replace(/package\.json$/, 'src/__fixtures__/netfs/mountstats-procfs-nfs4-tcp-statvers1.1'), 'utf8');

/** The capture 10 s later: 100 READs (1 MB/s from the server, 2 retransmitted), 100 WRITEs, 200 RPCs sent. */
function tenSecondsLater(text: string): string {
  return text
    .replace('\tage:\t13968', '\tage:\t13978')
    .replace('bytes:\t1207640230 0 0 0 1210214218 0 295483 0', 'bytes:\t1217640230 4096000 0 0 1220214218 4194304 295483 0')
    .replace('tcp 832 0 1 0 11 6428 6428 0 12154 0 24 26 5726', 'tcp 832 0 1 0 0 6628 6628 0 12554 50 24 26 5726')
    .replace('READ: 1298 1298 0 207680 1210292152 6 79386 79407', 'READ: 1398 1400 0 223680 1220292152 16 80386 80607')
    .replace('WRITE: 0 0 0 0 0 0 0 0', 'WRITE: 100 100 0 4210304 12800 2 3000 3500');
}

let doc: string;

beforeAll(() => {
  // This machine's /proc sample files, then an NFS mount in self/mountstats.
  const proc = join(root, 'proc');
  for (const f of SAMPLE_SOURCE_FILES) {
    if (f.synthesized) continue;
    let text: string;
    try {
      text = readFileSync(join('/proc', f.path), 'utf8');
    } catch {
      continue;
    }
    mkdirSync(join(proc, f.path, '..'), { recursive: true });
    writeFileSync(join(proc, f.path), text);
  }
  mkdirSync(join(proc, 'self'), { recursive: true });
  // PSI present or not, the tree needs a pressure directory: without one the reader treats every optional file as absent.
  mkdirSync(join(proc, 'pressure'), { recursive: true });
  const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);
  writeFileSync(join(proc, 'self/mountstats'), CAPTURE);
  writeFileSync(join(proc, 'uptime'), '1000.00 1900.00\n');
  const a = collectTimeseriesSampleSync({ procRoot: proc, hostname: 'nfs-client', wallMs: t0 });
  writeFileSync(join(proc, 'self/mountstats'), tenSecondsLater(CAPTURE));
  writeFileSync(join(proc, 'uptime'), '1010.00 1919.00\n');
  const b = collectTimeseriesSampleSync({ procRoot: proc, hostname: 'nfs-client', wallMs: t0 + 10_000 });
  expect(a.nfs?.[0]?.mount_point).toBe('/mnt/nfs/test');
  const data: TimeSeriesData = {
    collection_interval_seconds: 10,
    start_time: a.timestamp,
    end_time: b.timestamp,
    num_samples: 2,
    samples_by_host: { 'nfs-client': [a, b] },
    collection_method: 'local',
    hosts_requested: ['nfs-client'],
    hosts_collected: ['nfs-client'],
    // What the benchmark records when its data directory is on the NFS mount.
    storage_under_test: {
      'nfs-client': [
        { role: 'data', path: '/mnt/nfs/test/data', resolved_path: '/mnt/nfs/test/data', mount_point: '/mnt/nfs/test', fstype: 'nfs4', source: '192.168.1.1:/srv/test', devices: [], chain: [], network: true },
      ],
    },
  } as TimeSeriesData;
  doc = join(root, 'checkpointing_20261201_120000_timeseries.json');
  writeFileSync(doc, serializeTimeSeriesData(data));
});

describe('a run with an NFS mount', () => {
  it('timeseries report shows the mount as nfsiostat would: op/s, MB/s, ops/s, RTT, exe, retransmissions', async () => {
    const r = await run(['report', doc]);
    expect(r.ctx.exitCode).toBe(0);
    // The host's network filesystems section (mean / max over the intervals).
    const line = r.out.text.split('\n').find((l) => l.includes('nfs /mnt/nfs/test') && l.includes(': op/s '));
    expect(line).toBe(
      '    nfs /mnt/nfs/test (192.168.1.1:/srv/test): op/s 20.00/20.00, read 1.00/1.00 MB/s 10.00/10.00 ops/s, write 0.419/0.419 MB/s 10.00/10.00 ops/s, ' +
        'RTT r 10.00/10.00 w 30.00/30.00 ms, exe r 12.00/12.00 w 35.00/35.00 ms, retrans/s 0.200/0.200',
    );
    // The storage under test leads: the NFS mount it lives on, with its whole-run nfsiostat figures.
    const lines = r.out.text.split('\n');
    const sut = lines.findIndex((l) => l.startsWith('Storage under test'));
    expect(sut).toBeGreaterThanOrEqual(0);
    expect(lines.slice(sut, sut + 5).join('\n')).toContain(
      '    nfs /mnt/nfs/test (192.168.1.1:/srv/test): 20.00 op/s; read 1.00 MB/s, 10.00 ops/s, 97.81 kB/op, RTT 10.00 ms, exe 12.00 ms, retrans 2; ' +
        'write 0.419 MB/s, 10.00 ops/s, 41.24 kB/op, RTT 30.00 ms, exe 35.00 ms, retrans 0; application read 1.00 write 0.410 MB/s',
    );
    const md = (await run(['report', doc, '--format', 'markdown'])).out.text;
    expect(md).toContain('| nfs /mnt/nfs/test (192.168.1.1:/srv/test) | 20.00 / 20.00 | 1.00 / 1.00 | 10.00 / 10.00 | 0.419 / 0.419 | 10.00 / 10.00 | 10.00 / 10.00 | 30.00 / 30.00 | 12.00 / 12.00 | 35.00 / 35.00 |');
    const json = JSON.parse((await run(['report', doc, '--format', 'json'])).out.text) as { hosts: Array<{ networkFilesystems: Array<Record<string, unknown>> }> };
    expect(json.hosts[0]!.networkFilesystems).toHaveLength(1);
    expect(json.hosts[0]!.networkFilesystems[0]).toMatchObject({ kind: 'nfs', name: '/mnt/nfs/test', source: '192.168.1.1:/srv/test', readRttMs: { mean: 10, max: 10, count: 1 } });
  });

  it('timeseries export gives the per-mount rates as nfsiostat figures (CSV rows of source rates)', async () => {
    const csv = (await run(['export', doc, '--format', 'csv'])).out.text.split('\n');
    const rate = (metric: string): string | undefined => csv.find((l) => l.includes(',rates,/mnt/nfs/test,') && l.includes(`,${metric},`));
    expect(rate('nfs_ops_per_sec')).toMatch(/,nfs_ops_per_sec,20,1\/s$/);
    expect(rate('nfs_read_avg_rtt_ms')).toMatch(/,nfs_read_avg_rtt_ms,10,ms$/);
    expect(rate('nfs_write_avg_exe_ms')).toMatch(/,nfs_write_avg_exe_ms,35,ms$/);
    expect(rate('nfs_app_read_bytes_per_sec')).toMatch(/,1000000,bytes\/s$/);
  });

  it('timeseries export writes the counters under node_exporter mountstats names (OpenMetrics)', async () => {
    const om = (await run(['export', doc, '--format', 'openmetrics'])).out.text;
    expect(om).toContain('# TYPE node_mountstats_nfs_read_bytes counter');
    expect(om).toMatch(/^node_mountstats_nfs_read_bytes_total\{[^}]*export="192\.168\.1\.1:\/srv\/test"[^}]*\} 1217640230 /m);
    expect(om).toMatch(/^node_mountstats_nfs_operations_requests_total\{[^}]*operation="READ"[^}]*\} 1398 /m);
    // ms in the file, seconds in OpenMetrics, as node_exporter.
    expect(om).toMatch(/^node_mountstats_nfs_operations_response_time_seconds_total\{[^}]*operation="READ"[^}]*\} 80\.386 /m);
  });
});
