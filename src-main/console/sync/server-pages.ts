// The requests list of a context whose server lists its requests (ours and v2 servers): pages
// read from the server with the filters applied there (RequestBrowser: a bounded page at a
// time), each request cached as it is shown so it can be reviewed offline. Where the server is
// not asked, or cannot answer, the page comes from the cache and says why: the server is away,
// it cannot list its requests (the 2017 original), or the filter asks what it cannot filter by
// (free text, several types or users at once).

import {
  RequestState,
  type ContextStatus,
  type RequestFilter,
  type RequestPage,
  type RequestRecord,
  type RmRequest,
  type ServerInfo,
} from '../../shared/console-model';
import type { Connection } from '../client/connection';
import { RmClientError, isOffline } from '../client/transport';
import type { RemoteCache } from '../cache-api';
import { RequestBrowser, type ServerFilter } from './request-browser';

/** The filter as the server takes it, or why the server cannot apply it. */
export function serverFilter(f: RequestFilter): ServerFilter | string {
  if (f.text?.trim()) return 'Text is looked for among the requests cached here: the server cannot search by text.';
  if ((f.types?.length ?? 0) > 1) {
    return 'The server filters by one type at a time: several types are looked for among the requests cached here.';
  }
  if ((f.users?.length ?? 0) > 1) {
    return 'The server filters by one user at a time: several users are looked for among the requests cached here.';
  }
  if (f.states?.includes(RequestState.TIMEOUT)) {
    return 'Requests that failed by a timeout are told by their jobs: they are looked for among the requests cached here.';
  }
  const out: ServerFilter = {};
  if (f.types?.[0] !== undefined) out.type = f.types[0];
  if (f.users?.[0] !== undefined) out.user = f.users[0];
  if (f.states?.length) out.states = [...f.states];
  if (f.since !== undefined) out.createdSinceMs = f.since;
  if (f.until !== undefined) out.createdBeforeMs = f.until;
  return out;
}

/** Why a server's requests are not listed from it. */
export function cannotListNote(context: string, server: ServerInfo): string {
  return server.generation === '2017'
    ? `${context}'s server (the 2017 original) cannot list its requests: these are the ones this console started, saw running or opened.`
    : `${context}'s server cannot list its requests: these are the ones this console knows.`;
}

export interface ServerPagesDeps {
  context: string;
  connection: Connection;
  cache: RemoteCache;
  /** Whether the context's server answers (one that is away, or has not answered yet, is not waited for). */
  status: () => ContextStatus;
  /**
   * Called before a page is asked for; what it returns hands the requests the page showed to the
   * sync (cached; changes announced; older than what the cache has read since, dropped).
   */
  absorber: () => (requests: readonly RmRequest[]) => Promise<void>;
}

export class ServerPages {
  private readonly browser: RequestBrowser;

  constructor(private readonly deps: ServerPagesDeps) {
    this.browser = new RequestBrowser(deps.connection);
  }

  async page(filter: RequestFilter, offset: number, limit: number): Promise<RequestPage> {
    const { context, connection, cache } = this.deps;
    const fromCache = async (note: string | null): Promise<RequestPage> => ({
      ...(await cache.requests.list(filter, offset, limit)),
      source: 'cache',
      note,
    });
    const server = connection.server;
    if (server && !server.canFind) return fromCache(cannotListNote(context, server));
    const wanted = serverFilter(filter);
    if (typeof wanted === 'string') return fromCache(wanted);
    const status = this.deps.status();
    const away = (refused: boolean) =>
      fromCache(
        `${context} ${refused ? 'refused the console’s credentials' : 'does not answer'}: these are the requests cached here.`,
      );
    if (!status.online) return away(status.refused);
    if (status.lastOkMs === null)
      return fromCache(`${context} has not answered yet: these are the requests cached here.`);
    try {
      const absorb = this.deps.absorber();
      const page = await this.browser.page(wanted, offset, limit);
      await absorb(page.items);
      const items = (
        await cache.requests.getMany(
          context,
          page.items.map((r) => r.id),
        )
      ).filter((r): r is RequestRecord => r !== null);
      return { items, total: page.total, offset, source: 'server', note: null };
    } catch (err) {
      if (err instanceof RmClientError && err.kind === 'unsupported' && connection.server) {
        return fromCache(cannotListNote(context, connection.server));
      }
      if (isOffline(err)) return away(err.kind === 'refused');
      return fromCache(
        `${context} did not list its requests (${(err as Error).message}): these are the ones cached here.`,
      );
    }
  }
}
