// What the RM needs to know about a request's job chain many times over (each job log, each
// status call), read once from the stored JSON and kept in a small LRU: job id -> type, the
// ids in status order, each job's parents, the source job.

export interface ChainFacts {
  jobTypes: ReadonlyMap<string, string>;
  /** Job ids sorted as proto's JobStatuses sorts them (by id, ascending). */
  sortedJobIds: readonly string[];
  parents: ReadonlyMap<string, readonly string[]>;
  /** Jobs nothing points to (one in a valid chain), sorted. */
  sourceJobIds: readonly string[];
}

/** What chainFactsOf reads of a JobChain (its wire JSON parsed, or the chain itself). */
interface ChainShape {
  jobs?: Record<string, { type?: string }> | null;
  adjacencyList?: Record<string, readonly string[] | null> | null;
}

/** Facts of a JobChain, given as its JSON text or as the chain. */
export function chainFactsOf(chainJson: string | ChainShape): ChainFacts {
  const chain = typeof chainJson === 'string' ? (JSON.parse(chainJson) as ChainShape) : chainJson;
  const jobTypes = new Map<string, string>();
  for (const [id, job] of Object.entries(chain.jobs ?? {})) jobTypes.set(id, job?.type ?? '');
  const parents = new Map<string, string[]>();
  for (const [from, tos] of Object.entries(chain.adjacencyList ?? {})) {
    for (const to of tos ?? []) {
      const list = parents.get(to);
      if (list) list.push(from);
      else parents.set(to, [from]);
    }
  }
  const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const sortedJobIds = [...jobTypes.keys()].sort(byId);
  return { jobTypes, sortedJobIds, parents, sourceJobIds: sortedJobIds.filter((id) => !parents.has(id)) };
}

/** An LRU of ChainFacts by request id, loading misses with `load` (undefined = no such chain). */
export class ChainFactsCache {
  private readonly entries = new Map<string, ChainFacts>();
  /** Loads under way: the logs of a chain arriving together wait for one load. */
  private readonly loading = new Map<string, Promise<ChainFacts | undefined>>();

  constructor(
    private readonly load: (requestId: string) => Promise<string | undefined>,
    private readonly maxEntries = 256,
  ) {}

  /** The cached facts, without loading (the hot path: a chain's job logs arrive while it runs). */
  peek(requestId: string): ChainFacts | undefined {
    const hit = this.entries.get(requestId);
    if (hit) {
      this.entries.delete(requestId);
      this.entries.set(requestId, hit);
    }
    return hit;
  }

  /** Caches the facts of a chain the caller has at hand (just created), sparing a load. */
  remember(requestId: string, facts: ChainFacts): void {
    this.entries.delete(requestId);
    this.entries.set(requestId, facts);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  async get(requestId: string): Promise<ChainFacts | undefined> {
    const hit = this.peek(requestId);
    if (hit) return hit;
    let loading = this.loading.get(requestId);
    if (!loading) {
      loading = this.fetch(requestId).finally(() => this.loading.delete(requestId));
      this.loading.set(requestId, loading);
    }
    return loading;
  }

  private async fetch(requestId: string): Promise<ChainFacts | undefined> {
    const json = await this.load(requestId);
    if (json === undefined) return undefined;
    const facts = chainFactsOf(json);
    this.remember(requestId, facts);
    return facts;
  }
}
