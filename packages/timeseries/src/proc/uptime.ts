import { Scanner, asText } from './scanner';

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
