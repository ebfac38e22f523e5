// Records, for every job the traverser starts because its parents completed, two figures (ms,
// performance.now() readings, the same ones the job logs carry):
//
// - latency: the try that made the job ready returned (observed by the runner) -> the job's
//   run() called. A job that is one of many children of the same parent also waits for the
//   siblings started before it: in a 10,000-wide fan-out the last child waits for 9,999 starts.
// - overhead: what this one dispatch cost: from when the dispatcher was free for this job (the
//   ready time, or the start of the sibling started just before it in the same fan-out) to its
//   run() called. For a job with no earlier sibling it equals the latency.
//
// Growable Float64Arrays: cheap enough to leave on in the bench, read afterwards.

class Samples {
  private samples = new Float64Array(4096);
  count = 0;

  add(ms: number): void {
    if (this.count === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.count++] = ms;
  }

  values(): Float64Array {
    return this.samples.slice(0, this.count);
  }

  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const sorted = this.values().sort();
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil((p / 100) * this.count) - 1));
    return sorted[rank] as number;
  }
}

export class DispatchLatencyRecorder {
  private readonly latency = new Samples();
  private readonly overhead = new Samples();

  /** One dispatch: its latency and its own overhead (defaults to the latency). */
  record(latencyMs: number, overheadMs: number = latencyMs): void {
    this.latency.add(latencyMs);
    this.overhead.add(overheadMs);
  }

  get size(): number {
    return this.latency.count;
  }

  /** The recorded latencies, in recording order. */
  values(): Float64Array {
    return this.latency.values();
  }

  /** The recorded per-dispatch overheads, in recording order. */
  overheadValues(): Float64Array {
    return this.overhead.values();
  }

  /** The p-th percentile (0..100) of the latencies in ms, nearest-rank; NaN when empty. */
  percentile(p: number): number {
    return this.latency.percentile(p);
  }

  /** The p-th percentile (0..100) of the per-dispatch overheads in ms; NaN when empty. */
  overheadPercentile(p: number): number {
    return this.overhead.percentile(p);
  }

  clear(): void {
    this.latency.count = 0;
    this.overhead.count = 0;
  }
}
