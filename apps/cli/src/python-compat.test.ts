import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { computeRates, parseTimeSeriesData } from '@mlps/timeseries';
import { runCliProcess } from './test-cli';
import { itWithTools } from '../../../scripts/test-tools.cjs';

const FIXTURES = resolve(__dirname, '__fixtures__');

describe('interoperability with Python mlpstorage files', () => {
  it('a file written the way Python mlpstorage writes it loads with parseTimeSeriesData', () => {
    const text = readFileSync(join(FIXTURES, 'python-mlpstorage_timeseries.json'), 'utf8');
    const data = parseTimeSeriesData(text);
    expect(data.num_samples).toBe(6);
    expect(data.hosts_requested).toEqual(['node1', 'node2']);
    expect(data.format_version).toBeUndefined();
    expect(data.samples_by_host.node2?.[2]?.errors).toEqual({ ssh: 'Connection timed out' });
    // Whole-second timestamps still give exact rates: 400 writes x 8 sectors x 512 B over 10 s.
    const rates = computeRates(data.samples_by_host.node1 ?? []);
    expect(rates[0]).toBeNull();
    expect(rates[1]?.disks.vda?.writeBytesPerSec).toBeCloseTo((400 * 8 * 512) / 10, 6);
    expect(rates[1]?.net.eth0?.rxBytesPerSec).toBeCloseTo(10000, 6);
    // The reference's diskstats names give utilisation and queue size: 45 ms busy, 56 ms weighted over 10 s.
    expect(rates[1]?.disks.vda?.utilPercent).toBeCloseTo((45 / 10000) * 100, 6);
    expect(rates[1]?.disks.vda?.aquSz).toBeCloseTo(56 / 10000, 6);
  });

  itWithTools(['python3'], 'the document mlps writes passes the same loader, and the Python-style loader', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mlps-compat-'));
    try {
      const results = join(root, 'r');
      const r = await runCliProcess(['exec', '-rd', results, '--timeseries-interval', '0.1', '-q', '--', 'sleep', '0.5']);
      expect(r.code).toBe(0);
      const parent = join(results, 'training', 'exec', 'run');
      const dt = readdirSync(parent)[0] as string;
      const file = join(parent, dt, `training_${dt}_timeseries.json`);
      const data = parseTimeSeriesData(readFileSync(file, 'utf8'));
      expect(data.format_version).toBe(2);
      expect(data.num_samples).toBeGreaterThanOrEqual(3);
      const out = JSON.parse(execFileSync('python3', [join(FIXTURES, 'python_loader.py'), file], { encoding: 'utf8' }));
      expect(out).toEqual({ num_samples: data.num_samples, hosts: data.hosts_requested, method: 'local' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
