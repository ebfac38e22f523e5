// Unix-nanosecond timestamps for job logs (JobLog.startedAt/finishedAt are int64 ns on the wire,
// beyond JavaScript's exact integers, so they are bigints). Date.now() alone has millisecond
// precision; hrtime is monotonic with nanosecond precision: anchor it to the wall clock once.

const wallMinusMonotonicNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Now, as Unix nanoseconds. */
export function unixNanos(): bigint {
  return wallMinusMonotonicNs + process.hrtime.bigint();
}
