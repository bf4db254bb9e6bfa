import { existsSync } from 'node:fs';
import type { Benchmark, BenchmarkEvents } from '@mlps/benchmark';
import { StorageSummaryBuilder } from '@mlps/timeseries/report';
import type { CliContext } from './context';
import { Progress, useColor } from './progress';
import { HostRateAccumulator, formatRunSummary } from './summary';
import { RunLiveView } from './live';
import { holdSignalsForRun } from './signals';

/** Seconds between status lines (`MLPS_STATUS_INTERVAL` overrides, e.g. for tests). Default 5. */
export function statusIntervalSeconds(env: NodeJS.ProcessEnv): number {
  const v = Number(env.MLPS_STATUS_INTERVAL);
  return Number.isFinite(v) && v > 0 ? v : 5;
}

/** A progress display for this context. */
export function createProgress(ctx: CliContext, quiet: boolean): Progress {
  return new Progress({
    stream: ctx.stderr,
    quiet,
    color: useColor(ctx.stderr, ctx.env),
    statusIntervalSeconds: statusIntervalSeconds(ctx.env),
  });
}

/**
 * Builds a benchmark wired to a progress display, runs it, prints the end summary and returns the exit
 * code. Configuration errors (`MlpsError` thrown before anything ran) propagate to the caller (exit 2).
 */
export async function runBenchmarkWithProgress(
  ctx: CliContext,
  quiet: boolean,
  build: (events: BenchmarkEvents) => Benchmark,
  options: { devicesGlob?: string | undefined } = {},
): Promise<number> {
  const progress = createProgress(ctx, quiet);
  const live = new RunLiveView(ctx);
  let benchmark: Benchmark | null = null;
  // The summary's per-host means, folded in while the document is streamed (the benchmark keeps no samples).
  const hostRates = new Map<string, HostRateAccumulator>();
  // The storage under test's whole-run figures, folded in the same pass (resolved at the run's start, so
  // known before the first sample is written).
  let storage: StorageSummaryBuilder | null = null;
  let signalsReceived = 0;
  const events: BenchmarkEvents = {
    stage: (stage, detail) => {
      if (stage === 'workload' && benchmark) {
        progress.stage(stage, detail);
        const b = benchmark;
        progress.startStatus(() => b.collectionProgress());
        live.start(b.journalFilePath, { title: `mlps time series: ${b.runResultOutput} (live)` });
        return;
      }
      if (stage === 'collection-stop' || stage === 'cluster-end') progress.stopStatus();
      progress.stage(stage, detail);
    },
    warning: (m) => progress.warning(m),
    info: (m) => progress.line(`mlpstorage: ${m}`),
    interrupted: (signal) => {
      // One line for the first signal and one for the second (the one that kills); a held-down Ctrl-C adds no more.
      signalsReceived++;
      if (signalsReceived === 1) progress.warning(`received ${signal}: stopping the workload and finishing the result files`);
      else if (signalsReceived === 2) progress.warning(`received ${signal} again: the workload's processes get SIGKILL; the result files are still finished`);
    },
    timeseriesSample: (host, sample) => {
      let acc = hostRates.get(host);
      if (acc === undefined) hostRates.set(host, (acc = new HostRateAccumulator(host)));
      acc.add(sample);
      if (storage === null) storage = new StorageSummaryBuilder({ storage: benchmark?.storageUnderTest ?? null, devicesGlob: options.devicesGlob });
      storage.add(host, sample);
    },
  };
  benchmark = build(events);
  try {
    // While the run goes, its own handlers own SIGINT/SIGTERM (stop the workload, a second one kills it, the
    // files are finished). Once it settled every file is complete: in the binary, a signal while the summary
    // prints ends the process with 130/143 at once (signals.ts).
    const releaseSignals = holdSignalsForRun();
    let code: number;
    try {
      code = await benchmark.run();
    } finally {
      releaseSignals();
    }
    progress.stopStatus();
    if (benchmark.metadataWritten) {
      const ts = benchmark.timeseriesDocument;
      for (const line of formatRunSummary({
        exitCode: code,
        workloadExitCode: benchmark.workloadExitStatus,
        files: {
          runDir: benchmark.runResultOutput,
          document: ts ? ts.path : null,
          // Named when it exists, also without a document (the write failed): it may have every sample. A
          // journal the full disk never let be created (metadata journal_file null) is not named.
          journal: existsSync(benchmark.journalFilePath) ? benchmark.journalFilePath : null,
          // Rescued to another file system when the run directory's was full.
          metadata: benchmark.metadataWrittenPath ?? benchmark.metadataFilePath,
          journalComplete: benchmark.journalStatus?.complete !== false,
        },
        data: ts
          ? {
              fields: ts.fields,
              samplesPerHost: ts.samplesPerHost,
              hostRates: Object.fromEntries([...hostRates].map(([host, acc]) => [host, acc.result()])),
            }
          : null,
        storage: (storage ?? new StorageSummaryBuilder({ storage: benchmark.storageUnderTest, devicesGlob: options.devicesGlob })).result(),
        runtimeSeconds: benchmark.runtime,
        warnings: benchmark.runWarnings.length,
      })) {
        progress.line(line);
      }
    }
    return code;
  } finally {
    progress.stopStatus();
    await live.close();
  }
}
