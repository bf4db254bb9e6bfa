import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { BuiltinCheckpointingBenchmark } from '@mlps/benchmark/engines';
import type { CliContext } from '../context';
import { parseIntervalSeconds } from '../option-parsers';
import { runBenchmarkWithProgress } from '../run-benchmark';

interface DemoParsed {
  interval: number;
  resultsDir?: string;
  keepCheckpoints?: boolean;
}

/** The demo's workload: llama3-8b checkpoints at 1/500 of their size (215 MiB each), the closed 8 ranks, 10 written and read. */
export const DEMO_WORKLOAD = { model: 'llama3-8b', numProcesses: 8, numCheckpoints: 10, scale: 0.002 } as const;

/**
 * `mlpstorage demo` (what `npm start` runs): a small built-in checkpointing run with time-series
 * collection at 0.2 s in a temporary results directory, then the summary and where the files are. The
 * checkpoint files are removed at the end (the results stay) unless `--keep-checkpoints`.
 */
export function registerDemoCommand(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('demo')
    .description('a small built-in checkpointing run with host time-series collection, in a temporary results directory');
  cmd.addOption(new Option('--interval <seconds>', 'seconds between time-series samples').argParser(parseIntervalSeconds).default(0.2));
  cmd.addOption(new Option('--results-dir <dir>', 'where the results go (default: a new temporary directory)'));
  cmd.addOption(new Option('--keep-checkpoints', 'keep the checkpoint files written by the demo'));
  cmd.action(async (p: DemoParsed) => {
    ctx.exitCode = await runDemo(ctx, p);
  });
}

async function runDemo(ctx: CliContext, p: DemoParsed): Promise<number> {
  const resultsDir = p.resultsDir ?? mkdtempSync(join(tmpdir(), 'mlps-demo-'));
  const checkpointFolder = join(resultsDir, 'checkpoint-data');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const w = DEMO_WORKLOAD;
  ctx.stdout.write(
    `mlps demo: built-in checkpointing of ${w.model} at scale ${w.scale} (${w.numProcesses} ranks, ${w.numCheckpoints} checkpoints written with fsync and read back), ` +
      `sampling this host every ${p.interval} s\n`,
  );
  try {
    return await runBenchmarkWithProgress(ctx, false, (events) =>
      new BuiltinCheckpointingBenchmark({
        command: 'run',
        model: w.model,
        resultsDir,
        numProcesses: w.numProcesses,
        checkpointFolder,
        numCheckpointsWrite: w.numCheckpoints,
        numCheckpointsRead: w.numCheckpoints,
        scale: w.scale,
        dropCaches: isRoot,
        timeseries: { intervalSeconds: p.interval },
        events,
        out: ctx.stdout,
        args: { command: 'demo', interval: p.interval, results_dir: resultsDir },
      }),
    );
  } finally {
    if (!p.keepCheckpoints) {
      rmSync(checkpointFolder, { recursive: true, force: true });
      ctx.stdout.write(`checkpoint files removed (${checkpointFolder}); results kept in ${resultsDir}\n`);
    }
  }
}
