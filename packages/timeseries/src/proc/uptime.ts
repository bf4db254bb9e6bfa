import { Scanner, asText } from './scanner';
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

/** The `uptime` source (`/proc/uptime` → sample key `uptime_seconds`). */
export const uptimeSource: ProcSource = singleFileSource({
  name: 'uptime',
  field: 'uptime_seconds',
  file: 'uptime',
  fields: ['uptime_seconds'],
  parse: parseProcUptime,
});
