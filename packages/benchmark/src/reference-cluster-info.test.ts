import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { parseProcDiskstats, parseProcLoadavg, parseProcMeminfo, parseProcNetDev } from '@mlps/timeseries';
import { collectClusterFacts } from './cluster-snapshot';
import {
  clusterConsistencyIssues,
  parseCpuinfoReference,
  parseDiskstatsReference,
  parseLoadavgReference,
  parseMeminfoReference,
  parseNetDevReference,
  parseOsReleaseReference,
  referenceClusterInformation,
  referenceHostInfo,
  summarizeCpuinfoReference,
  type ReferenceHostInfo,
} from './reference-cluster-info';
import { nestDottedParameters, pythonArgs, referenceTimeFields, snakeCaseKey } from './reference-metadata';

const run = promisify(execFile);

describe('reference parsers (mirrors of mlpstorage_py/cluster_collector.py)', () => {
  it('diskstats: 14, 18 and 20 fields as HostDiskInfo.to_dict writes them; a bad line dropped alone', () => {
    const text = [
      '   8       0 sda 10 1 80 5 20 2 160 9 0 12 14',
      ' 259       0 nvme0n1 1 2 3 4 5 6 7 8 0 10 11 12 13 14 15',
      ' 253       0 dm-0 1 2 3 4 5 6 7 8 0 10 11 12 13 14 15 16 17',
      '   7       0 loop0 x 2 3 4 5 6 7 8 0 10 11',
    ].join('\n');
    const disks = parseDiskstatsReference(text);
    expect(disks.map((d) => d.device_name)).toEqual(['sda', 'nvme0n1', 'dm-0']);
    expect(disks[0]).toEqual({
      device_name: 'sda', reads_completed: 10, reads_merged: 1, sectors_read: 80, time_reading_ms: 5,
      writes_completed: 20, writes_merged: 2, sectors_written: 160, time_writing_ms: 9, ios_in_progress: 0,
      time_doing_ios_ms: 12, weighted_time_doing_ios_ms: 14,
    });
    expect(Object.keys(disks[1] ?? {})).toContain('time_discarding_ms');
    expect(Object.keys(disks[1] ?? {})).not.toContain('time_flushing_ms');
    expect(disks[2]).toMatchObject({ flush_requests_completed: 16, time_flushing_ms: 17 });
  });

  it('net/dev, meminfo, loadavg, os-release as the reference parses them; never throws on junk', () => {
    const netdev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 100 2 0 0 0 0 0 0 100 2 0 0 0 0 0 0',
      '  eth0: 5000 10 1 0 0 0 0 3 7000 12 0 0 0 0 0 0',
    ].join('\n');
    expect(parseNetDevReference(netdev).map((n) => [n.interface_name, n.rx_bytes, n.tx_bytes, n.rx_multicast])).toEqual([
      ['lo', 100, 100, 0],
      ['eth0', 5000, 7000, 3],
    ]);
    expect(parseMeminfoReference('MemTotal:       16384000 kB\nMemFree:  8192000 kB\nHugepagesize: x kB\n')).toEqual({
      MemTotal: 16384000,
      MemFree: 8192000,
    });
    expect(parseLoadavgReference('0.50 0.75 0.80 2/500 12345')).toEqual([0.5, 0.75, 0.8, 2, 500]);
    expect(parseLoadavgReference('garbage')).toEqual([0, 0, 0, 0, 0]);
    expect(parseOsReleaseReference('NAME="Ubuntu"\nVERSION_ID=\'24.04\'\n# c\n')).toEqual({ NAME: 'Ubuntu', VERSION_ID: '24.04' });
    for (const junk of [undefined, null, 42, '\u0000\n::::', '1 2 3']) {
      expect(() => [parseDiskstatsReference(junk), parseNetDevReference(junk), parseMeminfoReference(junk), parseCpuinfoReference(junk)]).not.toThrow();
    }
  });

  it("reads this machine's meminfo, diskstats, net/dev and loadavg with the time series' parsers: one parser per file", () => {
    const read = (path: string): string => readFileSync(path, 'utf8');
    const meminfo = read('/proc/meminfo');
    expect(parseMeminfoReference(meminfo)).toEqual(parseProcMeminfo(meminfo));
    expect(parseMeminfoReference(meminfo).MemTotal).toBeGreaterThan(0);
    const diskstats = read('/proc/diskstats');
    const disks = parseDiskstatsReference(diskstats);
    // HostDiskInfo.to_dict(): the sampled record without major/minor, device_name first.
    expect(disks).toEqual(parseProcDiskstats(diskstats).map(({ major: _major, minor: _minor, ...disk }) => disk));
    for (const disk of disks) expect(Object.keys(disk)[0]).toBe('device_name');
    const netdev = read('/proc/net/dev');
    expect(parseNetDevReference(netdev)).toEqual(parseProcNetDev(netdev));
    // One read for both parsers: the running-process count changes from one read to the next.
    const loadavg = read('/proc/loadavg');
    const load = parseProcLoadavg(loadavg);
    expect(parseLoadavgReference(loadavg)).toEqual([load?.load_1min, load?.load_5min, load?.load_15min, load?.running_processes, load?.total_processes]);
  });

  it('cpuinfo: physical cores from (physical id, core id) pairs, sockets, architecture from flags', () => {
    const block = (p: number, phys: number, core: number): string =>
      `processor\t: ${p}\nmodel name\t: Intel(R) Xeon(R)\nphysical id\t: ${phys}\ncore id\t\t: ${core}\ncpu MHz\t\t: 2400.000\nflags\t\t: fpu lm sse\n`;
    const text = [block(0, 0, 0), block(1, 0, 1), block(2, 1, 0), block(3, 1, 1), block(4, 0, 0), block(5, 0, 1), block(6, 1, 0), block(7, 1, 1)].join('\n');
    const cpus = parseCpuinfoReference(text);
    expect(cpus).toHaveLength(8);
    expect(cpus[0]?.['cpu MHz']).toBe(2400);
    expect(summarizeCpuinfoReference(cpus)).toEqual({
      num_logical_cores: 8,
      num_physical_cores: 4,
      model: 'Intel(R) Xeon(R)',
      architecture: 'x86_64',
      num_sockets: 2,
    });
  });
});

describe('referenceHostInfo / referenceClusterInformation (HostInfo.to_dict, ClusterInformation.as_dict)', () => {
  const hostWith = (name: string, memKb: number, cores: number, versionId: string, kernel: string): ReferenceHostInfo =>
    referenceHostInfo({
      hostname: name,
      collectedAtMs: Date.UTC(2026, 0, 24, 12, 0, 0, 500),
      meminfo: `MemTotal: ${memKb} kB\nMemFree: 1000 kB\nBuffers: 10 kB\nCached: 100 kB\nMemAvailable: 2000 kB\n`,
      cpuinfo: Array.from({ length: cores }, (_, i) => `processor\t: ${i}\nmodel name\t: AMD EPYC\n`).join('\n'),
      version: `Linux version ${kernel} (builder@host) #1 SMP`,
      osrelease: `VERSION_ID="${versionId}"\n`,
      loadavg: '1.00 0.50 0.25 3/300 999\n',
      uptime: '1234.56 100.00\n',
    });

  it('one host: bytes, physical cores, system record, whole-second UTC timestamp', () => {
    const h = hostWith('node1', 16000000, 4, '24.04', '6.8.0-1');
    expect(h.memory).toEqual({
      total: 16000000 * 1024, available: 2000 * 1024, used: (16000000 - 1000 - 10 - 100) * 1024, free: 1000 * 1024,
      active: 0, inactive: 0, buffers: 10 * 1024, cached: 100 * 1024, shared: 0,
    });
    expect(h.cpu).toEqual({ num_cores: 4, num_logical_cores: 4, model: 'AMD EPYC', architecture: 'x86_64' });
    expect(h.collection_timestamp).toBe('2026-01-24T12:00:00Z');
    expect(h.system).toMatchObject({ hostname: 'node1', kernel_version: 'Linux version 6.8.0-1 (builder@host) #1 SMP', uptime_seconds: 1234.56, load_average_1min: 1, running_processes: 3, total_processes: 300 });
  });

  it('an unreachable host is recorded as Python records it: zero memory, no cpu, empty system', () => {
    const h = referenceHostInfo({ hostname: 'down', collectedAtMs: 0, error: 'Connection refused' });
    expect(h).toEqual({
      hostname: 'down',
      memory: { total: 0, available: null, used: null, free: null, active: null, inactive: null, buffers: null, cached: null, shared: null },
      collection_timestamp: null,
      system: { hostname: 'down', kernel_version: '', os_release: {}, uptime_seconds: 0, load_average_1min: 0, load_average_5min: 0, load_average_15min: 0, running_processes: 0, total_processes: 0 },
    });
  });

  it('aggregates and reports inconsistencies in the reference wording', () => {
    const hosts = [hostWith('a', 16 * 1024 * 1024, 4, '22.04', '6.8.0-1'), hostWith('b', 32 * 1024 * 1024, 8, '24.04', '6.9.0-2')];
    expect(clusterConsistencyIssues(hosts)).toEqual([
      'Memory variance across hosts: 100.0% (min: 16.0GiB, max: 32.0GiB)',
      'CPU core count varies across hosts: [4, 8]',
      "OS version varies across hosts: ['22.04', '24.04']",
      "Kernel version varies across hosts: ['6.8.0-1', '6.9.0-2']",
    ]);
    const info = referenceClusterInformation(hosts, { collectionMethod: 'ssh', collectedAtMs: Date.UTC(2026, 0, 1) });
    expect(info).toMatchObject({
      total_memory_bytes: 48 * 1024 ** 3, total_cores: 12, num_hosts: 2, min_memory_bytes: 16 * 1024 ** 3, max_memory_bytes: 32 * 1024 ** 3,
      collection_method: 'ssh', collection_timestamp: '2026-01-01T00:00:00Z',
    });
    expect(info.host_consistency_issues).toHaveLength(4);
    expect(clusterConsistencyIssues([hosts[0] as ReferenceHostInfo])).toEqual([]);
  });
});

describe('collectClusterFacts', () => {
  it('reads a "remote" host through the real snapshot script in sh, and records an unreachable one', async () => {
    const facts = await collectClusterFacts({
      hosts: ['node-sh', 'node-down'],
      isLocal: () => false,
      dataDirs: ['/'],
      runRemote: async (host, command) => {
        if (host === 'node-down') throw new Error('Connection refused by node-down:22');
        return (await run('sh', ['-c', command])).stdout;
      },
    });
    expect(Object.keys(facts.snapshot.hosts)).toEqual(['node-sh', 'node-down']);
    expect(facts.snapshot.hosts['node-down']).toMatchObject({ source: 'unavailable', errors: { snapshot: 'Connection refused by node-down:22' } });
    const ref = facts.reference;
    expect(ref.collection_method).toBe('ssh');
    expect(ref.num_hosts).toBe(2);
    expect(ref.hosts?.map((h) => h.hostname)).toEqual([hostname(), 'node-down']);
    const live = ref.hosts?.[0];
    expect(live?.memory.total).toBeGreaterThan(0);
    expect(live?.cpu?.num_logical_cores).toBeGreaterThan(0);
    expect(live?.disks?.length ?? 0).toBeGreaterThan(0);
    expect(live?.network?.some((n) => n.interface_name === 'lo')).toBe(true);
    expect(live?.system?.kernel_version).toMatch(/^Linux version /);
    expect(ref.total_memory_bytes).toBe(live?.memory.total);
    expect(ref.min_memory_bytes).toBe(0);
  });
});

describe('reference metadata helpers', () => {
  it("snake-cases commander's names into argparse dests", () => {
    expect(['resultsDir', 'clientHostMemoryInGb', 'numCheckpointsRead', 'ragNumDocs', 'whatIf', 'hosts', 'exec_type'].map(snakeCaseKey)).toEqual([
      'results_dir', 'client_host_memory_in_gb', 'num_checkpoints_read', 'rag_num_docs', 'what_if', 'hosts', 'exec_type',
    ]);
    expect(pythonArgs({ resultsDir: '/r', whatIf: undefined, interval: Number.POSITIVE_INFINITY, hosts: ['a'], client_host_memory_in_GB: 64 })).toEqual({
      results_dir: '/r', what_if: null, interval: 'Infinity', hosts: ['a'], client_host_memory_in_GB: 64,
    });
  });

  it('referenceTimeFields keeps the exact milliseconds beside the reference form', () => {
    expect(referenceTimeFields('start_time', Date.UTC(2026, 0, 24, 12, 0, 1, 250))).toEqual({
      start_time: '2026-01-24T12:00:01Z',
      start_time_ms: Date.UTC(2026, 0, 24, 12, 0, 1, 250),
    });
    expect(referenceTimeFields('end_time', null)).toEqual({ end_time: null, end_time_ms: null });
    expect(referenceTimeFields('timestamp', Number.NaN)).toEqual({ timestamp: null, timestamp_ms: null });
  });

  it('folds dotted overrides into nested parameters as _apply_dotted_overrides does', () => {
    expect(nestDottedParameters({ 'dataset.num_files_train': '400', 'dataset.data_folder': '/d', 'workflow.train': 'True' })).toEqual({
      dataset: { num_files_train: '400', data_folder: '/d' },
      workflow: { train: 'True' },
    });
    expect(nestDottedParameters({ a: '1', 'a.b': '2' })).toEqual({ a: { b: '2' } });
  });
});
