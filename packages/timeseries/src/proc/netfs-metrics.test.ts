import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportTimeSeries } from '../export/export-timeseries';
import { metricPointsFromSources } from '../export/metric-points';
import { serializeTimeSeriesData } from '../format';
import { collectTimeseriesSampleSync } from '../sampling';
import { isMlpsError } from '../errors';
import type { TimeSeriesData, TimeSeriesSample } from '../types';
import { itWithTools, toolPath } from '../../../../scripts/test-tools.cjs';
import { cifsSource } from './cifs';
import { lustreSource } from './lustre-llite';
import type { MetricPoint } from './metrics';
import { nfsSource } from './nfs-mountstats';
import type { ProcSource } from './source';

// Real captures (see __fixtures__/netfs/README.md): each network file system source's own export mapping
// and document checks, run through a registry copy that holds it.
const fixture = (name: string): string => readFileSync(join(__dirname, '..', '__fixtures__', 'netfs', name), 'utf8');

function pointsOf(source: ProcSource, text: string): MetricPoint[] {
  const errors: Record<string, string> = {};
  const record = source.build([text], errors);
  expect(record).toBeDefined();
  const sample = { timestamp: '2026-01-24T12:00:00Z', hostname: 'h', [source.field]: record } as unknown as TimeSeriesSample;
  // Loading the record back through the source's own checks keeps it as it is.
  expect(source.validate(JSON.parse(JSON.stringify(record)), `sample.${source.field}`)).toEqual(record);
  return metricPointsFromSources(sample, [source]).filter((p) => p.source === source.name);
}

const find = (points: MetricPoint[], metric: string): MetricPoint | undefined => points.find((p) => p.metric === metric);

describe('network file system sources declare their export mapping and checks', () => {
  it("nfs: node_exporter's mountstats names, labels and base units", () => {
    const points = pointsOf(nfsSource, fixture('mountstats-procfs-nfs4-tcp-statvers1.1'));
    const read = find(points, 'read_bytes');
    expect(read).toMatchObject({ device: '192.168.1.1:/srv/test', value: 1207640230, unit: 'bytes', baseValue: 1207640230 });
    expect(read?.family.name).toBe('node_mountstats_nfs_read_bytes');
    expect(read?.labels).toEqual([['export', '192.168.1.1:/srv/test'], ['protocol', 'tcp'], ['mountaddr', '192.168.1.1']]);
    // READ: 1298 ops … queue 6 ms, rtt 79386 ms, execute 79407 ms.
    const rtt = find(points, 'READ_rtt_ms');
    expect(rtt).toMatchObject({ value: 79386, unit: 'ms', baseValue: 79.386 });
    expect(rtt?.family.name).toBe('node_mountstats_nfs_operations_response_time_seconds');
    expect(rtt?.labels).toContainEqual(['operation', 'READ']);
    expect(find(points, 'READ_ops')?.family.name).toBe('node_mountstats_nfs_operations_requests');
    expect(find(points, 'xprt_sends')?.family.name).toBe('node_mountstats_nfs_transport_sends');
    // Transport series carry node_exporter's `transport` label (the xprt line's index).
    expect(find(points, 'xprt_sends')?.labels).toContainEqual(['transport', '0']);
    // backlog_queue is the cumulative backlog (bklog_u, 0 here), not the cumulative active requests (req_u).
    expect(find(points, 'xprt_bklog_u')).toMatchObject({ value: 0 });
    expect(find(points, 'xprt_bklog_u')?.family.name).toBe('node_mountstats_nfs_transport_backlog_queue');
    expect(find(points, 'xprt_req_u')).toMatchObject({ value: 12154 });
    expect(find(points, 'xprt_req_u')?.family.name).toBe('');
    // Every OpenMetrics family of a counter has a name OpenMetrics accepts, and the unit suffix it demands.
    for (const p of points) {
      if (p.family.name === '') continue;
      expect(p.family.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      if (p.family.unit !== '') expect(p.family.name.endsWith(`_${p.family.unit}`)).toBe(true);
    }
  });

  it('nfs: an rdma mount with per-op errors exports them (node_exporter operations_errors) and its rdma counters (CSV)', () => {
    const points = pointsOf(nfsSource, fixture('mountstats-procfs-nfs3-rdma-errors'));
    const errors = points.filter((p) => p.metric.endsWith('_errors'));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((p) => p.family.name === 'node_mountstats_nfs_operations_errors')).toBe(true);
    expect(points.some((p) => p.metric.startsWith('xprt_') && p.family.name === '')).toBe(true);
  });

  it('nfs: the same export mounted twice is exported once (as node_exporter: its series would collide)', () => {
    const text = fixture('mountstats-procfs-nfs4-tcp-statvers1.1');
    const twice = `${text}${text.split('\n').filter((l) => !l.startsWith('device ') || l.includes('nfs4')).join('\n').replace('/mnt/nfs/test', '/mnt/again')}`;
    expect(nfsSource.build([twice], {})).toHaveLength(2);
    const points = pointsOf(nfsSource, twice);
    expect(points.filter((p) => p.metric === 'read_bytes')).toHaveLength(1);
  });

  it('cifs: one point per counter of each share, labelled share; bytes in bytes', () => {
    const points = pointsOf(cifsSource, fixture('cifs-sysstat-root1-smb1'));
    expect(points.length).toBeGreaterThan(5);
    const smbs = find(points, 'smbs');
    expect(smbs).toMatchObject({ device: '\\\\addr\\SHARED', value: 40 });
    expect(smbs?.family.name).toBe('mlps_cifs_smbs');
    expect(smbs?.labels).toEqual([['share', '\\\\addr\\SHARED']]);
    const bytes = points.find((p) => p.metric === 'read_bytes');
    expect(bytes?.family).toMatchObject({ name: 'mlps_cifs_read_bytes', unit: 'bytes' });
  });

  it('lustre: samples and sums as counters, microseconds and nanoseconds as seconds', () => {
    const usecs = pointsOf(lustreSource, fixture('llite-stats-hpe-2.x-usecs'));
    const readSum = find(usecs, 'read_bytes_sum');
    expect(readSum).toMatchObject({ value: 48567943168, unit: 'bytes', baseValue: 48567943168 });
    expect(readSum?.family).toMatchObject({ name: 'mlps_lustre_read_bytes_sum_bytes', unit: 'bytes', type: 'counter' });
    expect(find(usecs, 'open_samples')).toMatchObject({ value: 10271 });
    // Timed counters ([usecs], [nsecs] on newer clients): the sum in seconds.
    const timed = pointsOf(lustreSource, `${fixture('llite-stats-hpe-2.10-nsecs')}fsync 4 samples [usecs] 10 20 50 700\nmmap 2 samples [nsecs] 5 7 12\n`);
    expect(find(timed, 'fsync_sum')).toMatchObject({ value: 50, unit: 'usecs' });
    expect(find(timed, 'fsync_sum')?.baseValue).toBeCloseTo(50e-6, 15);
    expect(find(timed, 'fsync_sum')?.family.name).toBe('mlps_lustre_fsync_sum_seconds');
    expect(find(timed, 'mmap_sum')?.baseValue).toBeCloseTo(12e-9, 15);
    expect(find(timed, 'fsync_sumsq')).toMatchObject({ value: 700, family: { name: '' } });
  });

  it.each([
    [nfsSource, [{ device: 'a:/b', bytes: { read_bytes: 'x' } }], 'sample.nfs[0].bytes.read_bytes: expected a finite number'],
    [cifsSource, [{ share: '\\\\s\\x', stats: { reads: null } }], 'sample.cifs[0].stats.reads: expected a finite number'],
    [lustreSource, [{ instance: 'fs-1', counters: { open: { samples: '3' } } }], 'sample.lustre[0].counters.open.samples: expected a finite number'],
    [nfsSource, { device: 'a:/b' }, 'sample.nfs: expected an array'],
  ] as const)("rejects a bad %s record naming the field", (source, value, message) => {
    let caught: unknown;
    try {
      source.validate(value, `sample.${source.field}`);
    } catch (err) {
      caught = err;
    }
    expect(isMlpsError(caught) && caught.code).toBe('INVALID_FORMAT');
    expect((caught as Error).message.startsWith(message)).toBe(true);
  });

  itWithTools(['promtool'], 'a run with NFS, CIFS and Lustre records exports OpenMetrics that promtool ingests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlps-netfs-om-'));
    try {
      const netfs = {
        nfs: nfsSource.build([fixture('mountstats-procfs-nfs4-tcp-statvers1.1')], {}),
        cifs: cifsSource.build([fixture('cifs-linux-cifs-2020-smb3')], {}),
        lustre: lustreSource.build([fixture('llite-stats-hpe-2.x-usecs')], {}),
      };
      // Two real samples of this machine, 1 s apart, each carrying the captured network file system records.
      const samples = [0, 1].map((i) => ({ ...collectTimeseriesSampleSync({ wallMs: Date.UTC(2026, 0, 24, 12, 0, i) }), ...netfs }));
      const data: TimeSeriesData = {
        collection_interval_seconds: 1,
        start_time: samples[0]!.timestamp,
        end_time: samples[1]!.timestamp,
        num_samples: 2,
        samples_by_host: { h: samples as TimeSeriesSample[] },
        collection_method: 'local',
        hosts_requested: ['h'],
        hosts_collected: ['h'],
      };
      const doc = join(dir, 'netfs_20260124_120000_timeseries.json');
      writeFileSync(doc, serializeTimeSeriesData(data));
      const om = join(dir, 'netfs.om');
      await exportTimeSeries({ input: doc, format: 'openmetrics', output: om });
      const text = readFileSync(om, 'utf8');
      for (const family of ['node_mountstats_nfs_operations_response_time_seconds', 'mlps_cifs_smbs', 'mlps_lustre_read_bytes_sum_bytes']) {
        expect(text).toContain(`# TYPE ${family} `);
      }
      const tsdb = join(dir, 'tsdb');
      const r = spawnSync(toolPath('promtool')!, ['tsdb', 'create-blocks-from', 'openmetrics', om, tsdb], { encoding: 'utf8', timeout: 120_000 });
      expect(`${r.status} ${r.stderr}`).toMatch(/^0 /);
      expect(readdirSync(tsdb).some((n) => /^[0-9A-Z]{26}$/.test(n))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
