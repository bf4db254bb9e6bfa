import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliProcess } from './test-cli';

const root = mkdtempSync(join(tmpdir(), 'mlps-ts-bin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('built mlpstorage timeseries', () => {
  it("collect -- sh -c 'exit 3' exits 3 with complete files; report and export read them", async () => {
    const out = join(root, 'out');
    const r = await runCliProcess(['timeseries', 'collect', '--timeseries-interval', '0.2', '--output-dir', out, '--', 'sh', '-c', 'sleep 0.4; exit 3']);
    expect(r.code).toBe(3);
    // A run like exec: <results-dir>/collect/<datetime>/ (--output-dir is the alias of --results-dir).
    const runs = readdirSync(join(out, 'collect'));
    expect(runs).toHaveLength(1);
    const runDir = join(out, 'collect', runs[0]!);
    const names = readdirSync(runDir).sort();
    expect(names.map((n) => n.replace(/\d{8}_\d{6}/, 'D'))).toEqual([
      'collect.stderr.log',
      'collect.stdout.log',
      'collect_D_metadata.json',
      'collect_D_timeseries.json',
      'collect_D_timeseries.jsonl',
      'collect_cluster_info.json',
    ]);
    const docName = names.find((n) => n.endsWith('_timeseries.json'))!;
    const doc = JSON.parse(readFileSync(join(runDir, docName), 'utf8')) as { num_samples: number };
    expect(doc.num_samples).toBeGreaterThanOrEqual(2);
    const rep = await runCliProcess(['timeseries', 'report', runDir, '--format', 'json']);
    expect(rep.code).toBe(0);
    expect((JSON.parse(rep.stdout) as { numSamples: number }).numSamples).toBe(doc.num_samples);
    const exp = await runCliProcess(['timeseries', 'export', join(runDir, docName), '--format', 'openmetrics']);
    expect(exp.code).toBe(0);
    expect(exp.stdout).toMatch(/^# TYPE node_disk_read_bytes counter$/m);
    expect(exp.stdout.endsWith('# EOF\n')).toBe(true);
    const bad = await runCliProcess(['timeseries', 'report', join(root, 'nothing-here')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^mlpstorage: error: no such file or directory/)]);
  });
});
