// Unix-nanosecond timestamps for job logs (JobLog.startedAt/finishedAt are int64 ns on the wire,
// beyond JavaScript's exact integers, so they are bigints). Date.now() alone has millisecond
// precision; the monotonic clocks have nanosecond precision: anchor them to the wall clock once.
//
// The traverser reads performance.now() (a plain number: no bigint on the dispatch path) when a
// try starts and when it returns, and turns those readings into Unix ns only for the job log.

const wallMinusMonotonicNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
const wallMinusPerformanceNs = BigInt(Date.now()) * 1_000_000n - BigInt(Math.round(performance.now() * 1e6));

/** Now, as Unix nanoseconds. */
export function unixNanos(): bigint {
  return wallMinusMonotonicNs + process.hrtime.bigint();
}

/** A performance.now() reading (ms), as Unix nanoseconds. */
export function unixNanosAt(performanceMs: number): bigint {
  return wallMinusPerformanceNs + BigInt(Math.round(performanceMs * 1e6));
}
