// Records dispatch latencies (a parent job finished -> its child's run() called, in ms) into a
// growable Float64Array: cheap enough to leave on in the bench, read afterwards.

export class DispatchLatencyRecorder {
  private samples = new Float64Array(4096);
  private count = 0;

  record(ms: number): void {
    if (this.count === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.count++] = ms;
  }

  get size(): number {
    return this.count;
  }

  /** The recorded values, in recording order. */
  values(): Float64Array {
    return this.samples.slice(0, this.count);
  }

  /** The p-th percentile (0..100) in ms, nearest-rank; NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const sorted = this.values().sort();
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil((p / 100) * this.count) - 1));
    return sorted[rank] as number;
  }

  clear(): void {
    this.count = 0;
  }
}
