import { Option, type Command } from 'commander';
import { VectorDbBenchmark, type VectorDbOptions } from '@mlps/benchmark';
import type { CliContext } from '../context';
import { runBenchmarkCommand } from '../benchmark-command';
import { addSshOptions, addStandardOptions, addTimeseriesOptions, commonBenchmarkOptions, GROUPS, type CommonParsed } from '../options';
import { parsePort, parsePositiveInt } from '../option-parsers';

interface VectorDbParsed extends CommonParsed {
  host?: string;
  port?: number;
  config?: string;
  collection?: string;
  vdbBinPath?: string;
  dimension?: number;
  numShards?: number;
  vectorDtype?: string;
  numVectors?: number;
  distribution?: string;
  batchSize?: number;
  chunkSize?: number;
  force?: boolean;
  numQueryProcesses?: number;
  reportCount?: number;
  runtime?: number;
  queries?: number;
}

/** `mlpstorage vectordb datagen|run`. */
export function registerVectordbCommands(program: Command, ctx: CliContext): void {
  const vectordb = program.command('vectordb').description('VectorDB benchmark (preview): load-vdb and vdbbench');
  const help = { datagen: 'generate and load vectors into the database (load-vdb)', run: 'run the search benchmark (vdbbench, with host time-series collection)' };
  for (const name of ['datagen', 'run'] as const) {
    const cmd = vectordb.command(name).description(help[name]);
    // As mlpstorage: -s is the database address and -p its port (time-series hosts are --hosts, long form only).
    cmd.addOption(new Option('-s, --host <address>', 'address of the VectorDB instance').default('127.0.0.1'));
    cmd.addOption(new Option('-p, --port <port>', 'port of the VectorDB instance').argParser(parsePort).default(19530));
    cmd.addOption(new Option('--config <name>', 'vdbbench configuration file'));
    cmd.addOption(new Option('--collection <name>', 'collection name'));
    cmd.addOption(new Option('--vdb-bin-path <dir>', 'directory holding load-vdb and vdbbench (default: PATH)'));
    if (name === 'datagen') {
      cmd.addOption(new Option('--dimension <n>', 'vector dimensions').argParser(parsePositiveInt).default(1536));
      cmd.addOption(new Option('--num-shards <n>', 'collection shards').argParser(parsePositiveInt).default(1));
      cmd.addOption(new Option('--vector-dtype <type>', 'vector data type').choices(['FLOAT_VECTOR']).default('FLOAT_VECTOR'));
      cmd.addOption(new Option('--num-vectors <n>', 'vectors to insert').argParser(parsePositiveInt).default(1_000_000));
      cmd.addOption(new Option('--distribution <dist>', 'vector distribution').choices(['uniform', 'normal', 'zipfian']).default('uniform'));
      cmd.addOption(new Option('--batch-size <n>', 'insert batch size').argParser(parsePositiveInt).default(1000));
      cmd.addOption(new Option('--chunk-size <n>', 'vectors generated per chunk').argParser(parsePositiveInt).default(10_000));
      cmd.addOption(new Option('--force', 'recreate the collection if it exists'));
    } else {
      cmd.addOption(new Option('--num-query-processes <n>', 'parallel query processes').argParser(parsePositiveInt).default(1));
      cmd.addOption(new Option('--batch-size <n>', 'vectors per query batch (per process)').argParser(parsePositiveInt).default(1));
      cmd.addOption(new Option('--report-count <n>', 'batches between progress prints').argParser(parsePositiveInt).default(100));
      cmd.addOption(new Option('--runtime <seconds>', 'run for a specific duration in seconds').argParser(parsePositiveInt).conflicts('queries').helpGroup(GROUPS.vdbEnd));
      cmd.addOption(new Option('--queries <n>', 'run for a specific number of queries').argParser(parsePositiveInt).helpGroup(GROUPS.vdbEnd));
    }
    addStandardOptions(cmd, 'long-only');
    if (name === 'run') addTimeseriesOptions(cmd);
    addSshOptions(cmd);
    cmd.action(async (_parsed: VectorDbParsed, command: Command) => {
      ctx.exitCode = await runBenchmarkCommand<VectorDbParsed>(ctx, {
        program: 'vectordb',
        command: name,
        cmd: command,
        build: (p, args, events) => {
          const options: VectorDbOptions = {
            ...commonBenchmarkOptions(name, p, args),
            command: name,
            events,
            ...(p.host ? { dbHost: p.host } : {}),
            ...(p.port !== undefined ? { dbPort: p.port } : {}),
            ...(p.config ? { config: p.config } : {}),
            ...(p.collection ? { collection: p.collection } : {}),
            ...(p.vdbBinPath ? { vdbBinPath: p.vdbBinPath } : {}),
            ...(p.dimension !== undefined ? { dimension: p.dimension } : {}),
            ...(p.numShards !== undefined ? { numShards: p.numShards } : {}),
            ...(p.vectorDtype ? { vectorDtype: p.vectorDtype } : {}),
            ...(p.numVectors !== undefined ? { numVectors: p.numVectors } : {}),
            ...(p.distribution ? { distribution: p.distribution } : {}),
            ...(p.batchSize !== undefined ? { batchSize: p.batchSize } : {}),
            ...(p.chunkSize !== undefined ? { chunkSize: p.chunkSize } : {}),
            ...(p.force ? { force: true } : {}),
            ...(p.numQueryProcesses !== undefined ? { numQueryProcesses: p.numQueryProcesses } : {}),
            ...(p.reportCount !== undefined ? { reportCount: p.reportCount } : {}),
            ...(p.runtime !== undefined ? { runtimeSeconds: p.runtime } : p.queries === undefined ? { runtimeSeconds: 60 } : {}),
            ...(p.queries !== undefined ? { queries: p.queries } : {}),
          };
          return new VectorDbBenchmark(options);
        },
      });
    });
  }
}
