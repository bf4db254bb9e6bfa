import { hostname as osHostname } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeSeriesCollector } from './collector';
import { ManualClock } from './clock';
import { MlpsError } from './errors';
import { buildErrorSample, referenceErrorKey } from './error-sample';
import { buildTimeSeriesData } from './format';

describe('error samples with the reference keys', () => {
  it('files connection failures under ssh, undecodable answers under json, the rest under collection', () => {
    for (const code of ['HOST_UNREACHABLE', 'TIMEOUT', 'AUTH_FAILED', 'HOST_KEY_MISMATCH', 'HOST_KEY_UNKNOWN']) {
      expect([code, referenceErrorKey(new MlpsError(code, 'x'))]).toEqual([code, 'ssh']);
    }
    expect(referenceErrorKey(new MlpsError('INVALID_FORMAT', 'garbled'))).toBe('json');
    expect(referenceErrorKey(new SyntaxError('Unexpected token'))).toBe('json');
    expect(referenceErrorKey(new MlpsError('INVALID_STATE', 'collector stopped'))).toBe('collection');
    expect(referenceErrorKey(new Error('EACCES'))).toBe('collection');
    expect(referenceErrorKey('a string')).toBe('collection');
  });

  it('keeps our message and carries no data keys', () => {
    const sample = buildErrorSample({
      wallMs: Date.UTC(2026, 0, 24, 12, 0, 0),
      hostname: 'node7',
      error: new MlpsError('HOST_UNREACHABLE', 'not connected (next attempt in 2.0 s): Connection refused by node7:22'),
    });
    expect(sample.timestamp).toBe('2026-01-24T12:00:00Z');
    expect(sample.timestamp_ms).toBe(Date.UTC(2026, 0, 24, 12, 0, 0));
    expect(sample.hostname).toBe('node7');
    expect(sample.errors).toEqual({ ssh: 'not connected (next attempt in 2.0 s): Connection refused by node7:22' });
    expect(Object.keys(sample)).toEqual(['timestamp', 'timestamp_ms', 'hostname', 'errors']);
  });
});

describe('TimeSeriesCollector hostName', () => {
  it('files samples, hosts_requested and the journal under the name the user gave; samples keep the real hostname', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlps-hostkey-'));
    try {
      const clock = new ManualClock({ startMs: 0, wallStartMs: Date.UTC(2026, 0, 24, 12) });
      const journalPath = join(dir, 'run_timeseries.jsonl');
      const c = new TimeSeriesCollector({ intervalSeconds: 1, clock, hostName: '127.0.0.1', journalPath });
      c.start();
      await clock.advance(2000);
      await c.stop();
      const data = buildTimeSeriesData(c);
      expect(Object.keys(data.samples_by_host)).toEqual(['127.0.0.1']);
      expect(data.hosts_requested).toEqual(['127.0.0.1']);
      expect(data.hosts_collected).toEqual(['127.0.0.1']);
      expect(Object.keys(data.host_status ?? {})).toEqual(['127.0.0.1']);
      const samples = data.samples_by_host['127.0.0.1'] ?? [];
      expect(samples.length).toBeGreaterThanOrEqual(3);
      expect(samples.every((s) => s.hostname === osHostname())).toBe(true);
      expect(readFileSync(journalPath, 'utf8')).toContain('127.0.0.1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an empty hostName', () => {
    expect(() => new TimeSeriesCollector({ hostName: ' ' })).toThrow(/hostName must be a non-empty string/);
  });
});
