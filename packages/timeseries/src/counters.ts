/**
 * Differences of cumulative counters, the one rule every rate uses (disks, network, CPU, NFS/CIFS/Lustre,
 * the workload's own I/O): a counter that went backwards (reboot, wrap, replaced device) gives no rate
 * rather than a negative one.
 */

/** `cur − prev` when both are finite numbers and it is not negative; else null. */
export function counterDelta(prev: unknown, cur: unknown): number | null {
  if (typeof prev !== 'number' || typeof cur !== 'number' || !Number.isFinite(prev) || !Number.isFinite(cur)) return null;
  const d = cur - prev;
  return d >= 0 ? d : null;
}

/** {@link counterDelta} per second of `seconds`; null when there is no delta. */
export function counterRate(prev: unknown, cur: unknown, seconds: number): number | null {
  const d = counterDelta(prev, cur);
  return d === null ? null : d / seconds;
}
