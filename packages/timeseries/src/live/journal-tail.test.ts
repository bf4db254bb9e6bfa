import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalWriter } from '../journal';
import { collectTimeseriesSampleSync } from '../sampling';
import { JournalTail } from './journal-tail';

const dir = mkdtempSync(join(tmpdir(), 'mlps-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('JournalTail', () => {
  it('follows a journal as it is written, tolerating a line being written and bounding memory', () => {
    const path = join(dir, 'run_timeseries.jsonl');
    const tail = new JournalTail(path, { maxSamplesPerHost: 3 });
    tail.poll(); // not created yet: nothing, no error
    expect(tail.data().num_samples).toBe(0);
    const w = JournalWriter.open(path, {
      collection_interval_seconds: 0.5,
      hosts_requested: ['a', 'b'],
      collection_method: 'local',
      start_time: new Date().toISOString(),
    });
    const samples = [collectTimeseriesSampleSync(), collectTimeseriesSampleSync()];
    w.append('a', samples[0]!);
    w.flush();
    tail.poll();
    let d = tail.data();
    expect(d.hosts_requested).toEqual(['a', 'b']);
    expect(d.samples_by_host.a).toEqual([samples[0]]);
    expect(d.hosts_collected).toEqual(['a']);
    expect(d.collection_interval_seconds).toBe(0.5);
    w.append('b', samples[1]!);
    w.flush();
    w.close();
    // Half a line, as a writer caught mid-write leaves it: not taken until it is complete.
    const line = JSON.stringify({ host: 'a', sample: samples[1] });
    appendFileSync(path, line.slice(0, 20));
    tail.poll();
    d = tail.data();
    expect(d.samples_by_host.b).toEqual([samples[1]]);
    expect(d.samples_by_host.a!.length).toBe(1);
    appendFileSync(path, `${line.slice(20)}\n`);
    for (let i = 0; i < 4; i++) appendFileSync(path, `${line}\n`);
    tail.poll();
    d = tail.data();
    expect(d.samples_by_host.a!.length).toBe(3);
    expect(d.num_samples).toBe(4);
    expect(tail.badLines).toBe(0);
  });
});
