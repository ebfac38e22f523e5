// The console's cache: every request, chain, job status and job log (every try) the console
// has seen, per context, in one SQLite file, with a full-text index over log text. This is what
// makes offline review work. One store per kind of data, each with its statements (prepared
// once) and its typed rows. The console core uses it only from its cache worker (cache-host.ts),
// so no cache work runs on the event loop that serves the window.

import { ChainStore } from './chain-store';
import { ContextStore } from './context-store';
import { JobLogStore } from './job-log-store';
import { LiveOutputs } from './live-output';
import { openCache, type Db, type OpenCacheOptions, type OpenedCache } from './open-cache';
import { RequestFacts } from './request-facts';
import { RequestHistoryStore } from './request-history';
import { RequestStore } from './request-store';
import { SearchStore } from './search-store';
import { SettingsStore } from './settings-store';

export class Cache {
  readonly db: Db;
  readonly recovered: OpenedCache['recovered'];
  readonly contexts: ContextStore;
  readonly requests: RequestStore;
  /** Job starts from the running list, and why failed requests failed. */
  readonly facts: RequestFacts;
  /** Attempts and re-run links (migration 8). */
  readonly history: RequestHistoryStore;
  readonly chains: ChainStore;
  readonly logs: JobLogStore;
  readonly search: SearchStore;
  readonly settings: SettingsStore;
  /** Live output of the running tries the console followed. */
  readonly live: LiveOutputs;

  constructor(file: string, options: OpenCacheOptions = {}) {
    const opened = openCache(file, options);
    this.db = opened.db;
    this.recovered = opened.recovered;
    this.contexts = new ContextStore(this.db);
    this.requests = new RequestStore(this.db);
    this.facts = new RequestFacts(this.db);
    this.history = new RequestHistoryStore(this.db);
    this.chains = new ChainStore(this.db);
    this.live = new LiveOutputs(this.db);
    this.logs = new JobLogStore(this.db, this.live);
    this.search = new SearchStore(this.db);
    this.settings = new SettingsStore(this.db);
  }

  /** Runs `fn` in one transaction: all of its writes, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}
