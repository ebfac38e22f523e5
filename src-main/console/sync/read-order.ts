// Orders the reads of one context's requests: the viewed loop, the other loop, an open and a page
// of the server's list can each read the same request, and their answers can arrive in another
// order than they were asked. An answer asked for before one already taken in for that request
// is older than what the cache holds: taking it would put the request back in a state it has
// left (a request retried since would read RUNNING -> FAIL, and notify so).

/** How long a read's ticket is remembered: longer than any read stays unanswered. */
const REMEMBER_MS = 10 * 60_000;

export class ReadOrder {
  private last = 0;
  /** Per request, the newest ticket whose answer was taken in, and when. */
  private readonly taken = new Map<string, { ticket: number; atMs: number }>();
  private prunedMs = Date.now();

  /** A read is about to be asked for: its ticket, newer than every ticket before it. */
  ticket(): number {
    return ++this.last;
  }

  /**
   * True when a newer read of the request was taken in already (this answer is stale, to be
   * dropped); otherwise this one counts as the newest taken in.
   */
  stale(requestId: string, ticket: number, nowMs = Date.now()): boolean {
    const newest = this.taken.get(requestId);
    if (newest && newest.ticket > ticket) return true;
    this.taken.set(requestId, { ticket, atMs: nowMs });
    if (nowMs - this.prunedMs > REMEMBER_MS) this.prune(nowMs);
    return false;
  }

  private prune(nowMs: number): void {
    this.prunedMs = nowMs;
    for (const [id, t] of this.taken) if (nowMs - t.atMs > REMEMBER_MS) this.taken.delete(id);
  }
}
