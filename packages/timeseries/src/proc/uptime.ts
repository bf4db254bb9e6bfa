import { Scanner, asText } from './scanner';
import { expectNumber } from '../validation';
import { gaugeFamily, type MetricSink } from './metrics';
import { singleFileSource, type ProcSource } from './source';

/**
 * Parses `/proc/uptime` (`272.50 461.75`): the first field, seconds since boot. The host's own monotonic
 * clock, which makes rate intervals exact whatever the transport delay.
 *
 * Returns `null` when the first field is not a non-negative decimal. Pure and total: never throws.
 */
export function parseProcUptime(text: string): number | null {
  const value = new Scanner(asText(text)).decimal();
  return value === value ? value : null;
}

const UPTIME_FAMILY = gaugeFamily('mlps_uptime_seconds', 'seconds', 'Host uptime (/proc/uptime), the monotonic clock mlps derives intervals from.');

/**
 * The `uptime` source (`/proc/uptime` → sample key `uptime_seconds`, a number). Exported as the gauge
 * `mlps_uptime_seconds` (node_exporter has only boot time).
 */
export const uptimeSource: ProcSource = singleFileSource({
  name: 'uptime',
  field: 'uptime_seconds',
  file: 'uptime',
  fields: ['uptime_seconds'],
  parse: parseProcUptime,
  validate: expectNumber,
  metrics: Object.freeze({
    exportOrder: 80,
    emit(record: unknown, sink: MetricSink): void {
      sink.point('', 'uptime_seconds', record, 's', UPTIME_FAMILY, [], 1);
    },
  }),
});
