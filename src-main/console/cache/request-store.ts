// Cached requests: what each context's RM said of them, where they came from, whether they are
// watched; pages of them by filter, the unfinished ones the sync must follow, and the tray's
// counts. A new filter or record field goes here: the row type, its mapper, and the SQL.

import type Database from 'better-sqlite3';
import {
  RequestState,
  type FailureSummary,
  type Page,
  type RequestFilter,
  type RequestOrigin,
  type RequestRecord,
  type RmRequest,
  type TrayModel,
} from '../../shared/console-model';
import { STATE_FAIL, STATE_PENDING, STATE_RUNNING, STATE_TIMEOUT, type JsonObject } from '../../shared/proto';
import type { Db } from './open-cache';

interface RequestRow {
  context: string;
  id: string;
  type: string;
  state: number;
  user: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  created_ms: number;
  total_jobs: number;
  finished_jobs: number;
  args: string | null;
  watched: 0 | 1;
  origin: RequestOrigin;
  synced_ms: number;
  /** A FailureSummary as JSON (RequestFacts.setFailure), or null. */
  failure: string | null;
}

const toRecord = (r: RequestRow): RequestRecord => ({
  context: r.context,
  id: r.id,
  type: r.type,
  state: r.state,
  user: r.user,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  totalJobs: r.total_jobs,
  finishedJobs: r.finished_jobs,
  args: r.args === null ? null : (JSON.parse(r.args) as JsonObject),
  watched: r.watched === 1,
  origin: r.origin,
  syncedMs: r.synced_ms,
  failure: r.failure === null ? null : (JSON.parse(r.failure) as FailureSummary),
});

type TrayRow = Pick<RequestRow, 'context' | 'id' | 'type' | 'state' | 'created_at'>;

const toTrayItem = (r: TrayRow): TrayModel['recent'][number] => ({
  context: r.context,
  id: r.id,
  type: r.type,
  state: r.state,
  createdAt: r.created_at,
});

/** What a server said of a request, any protocol's (2017 requests have no args: the caller gives them). */
export type CachedRequest = Omit<RmRequest, 'args'> & { args?: JsonObject | null };

/** What the cache knows of a request besides the RM's answer. */
export interface RequestExtra {
  args?: JsonObject | null;
  origin?: RequestOrigin;
  watched?: boolean;
  syncedMs?: number;
}

export interface RequestUpdate {
  /** The request's state before this update, or null if it was not cached. */
  previousState: number | null;
  changed: boolean;
}

/** A filter as SQL: the WHERE clause over `requests` and its named parameters. */
function filterSql(filter: RequestFilter): { clause: string; params: Record<string, string | number> } {
  const where = ['context = @context'];
  const params: Record<string, string | number> = { context: filter.context };
  const inList = (column: string, values: readonly (string | number)[] | undefined) => {
    if (!values || values.length === 0) return;
    where.push(`${column} IN (${values.map((_, i) => `@${column}${i}`).join(', ')})`);
    values.forEach((v, i) => (params[`${column}${i}`] = v));
  };
  inList('state', filter.states);
  if (filter.states?.includes(STATE_TIMEOUT)) {
    // A job that timed out fails its request (state FAIL): such requests count as TIMEOUT too.
    where[where.length - 1] = `(${where.at(-1)} OR (state = ${STATE_FAIL} AND EXISTS (
      SELECT 1 FROM job_statuses s WHERE s.context = requests.context AND s.request_id = requests.id
        AND s.state = ${STATE_TIMEOUT})))`;
  }
  inList('type', filter.types);
  inList('user', filter.users);
  if (filter.since !== undefined) {
    where.push('created_ms >= @since');
    params.since = filter.since;
  }
  if (filter.until !== undefined) {
    where.push('created_ms < @until');
    params.until = filter.until;
  }
  const text = filter.text?.trim();
  if (text) {
    where.push(`(id LIKE @text ESCAPE '\\' OR type LIKE @text ESCAPE '\\' OR user LIKE @text ESCAPE '\\'
                 OR args LIKE @text ESCAPE '\\')`);
    params.text = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  }
  return { clause: where.join(' AND '), params };
}

/** The statements of one filter's SQL. */
interface FilterStatements {
  count: Database.Statement<[object], number>;
  page: Database.Statement<[object], RequestRow>;
}

export class RequestStore {
  private readonly s;
  /** Statements for SQL built at run time (filters), prepared once per distinct text. */
  private readonly byFilter = new Map<string, FilterStatements>();
  /** list()'s last total: its filter, the database's write version then, the count. */
  private lastCount: { key: string; version: string; n: number } | null = null;

  constructor(private readonly db: Db) {
    this.s = {
      before: db.prepare<[string, string], Pick<RequestRow, 'state' | 'finished_jobs'>>(
        'SELECT state, finished_jobs FROM requests WHERE context = ? AND id = ?',
      ),
      put: db.prepare<[Omit<RequestRow, 'failure'>]>(
        `INSERT INTO requests (context, id, type, state, user, created_at, started_at, finished_at, created_ms,
                               total_jobs, finished_jobs, args, origin, watched, synced_ms)
         VALUES (@context, @id, @type, @state, @user, @created_at, @started_at, @finished_at, @created_ms,
                 @total_jobs, @finished_jobs, @args, @origin, @watched, @synced_ms)
         ON CONFLICT (context, id) DO UPDATE SET
           state = @state, started_at = @started_at, finished_at = @finished_at, total_jobs = @total_jobs,
           finished_jobs = @finished_jobs, synced_ms = @synced_ms,
           args = COALESCE(requests.args, @args),
           watched = MAX(requests.watched, @watched),
           origin = CASE WHEN requests.origin = 'seen' THEN @origin ELSE requests.origin END`,
      ),
      get: db.prepare<[string, string], RequestRow>('SELECT * FROM requests WHERE context = ? AND id = ?'),
      setWatched: db.prepare<[0 | 1, string, string]>('UPDATE requests SET watched = ? WHERE context = ? AND id = ?'),
      unfinished: db
        .prepare<[string, number], string>(
          `SELECT id FROM requests WHERE context = ?
           AND state IN (${STATE_PENDING}, ${STATE_RUNNING}, ${RequestState.SUSPENDED})
           ORDER BY created_ms DESC LIMIT ?`,
        )
        .pluck(),
      running: db.prepare<[], number>(`SELECT COUNT(*) FROM requests WHERE state = ${STATE_RUNNING}`).pluck(),
      failedSince: db
        .prepare<[number], number>(
          `SELECT COUNT(*) FROM requests WHERE watched = 1 AND state IN (${STATE_FAIL}, ${STATE_TIMEOUT})
           AND created_ms >= ?`,
        )
        .pluck(),
      recentWatched: db.prepare<[number], TrayRow>(
        'SELECT context, id, type, state, created_at FROM requests WHERE watched = 1 ORDER BY created_ms DESC LIMIT ?',
      ),
      writeVersion: db
        .prepare<[], string>("SELECT total_changes() || ':' || data_version FROM pragma_data_version")
        .pluck(),
    };
  }

  private filterStatements(clause: string): FilterStatements {
    let st = this.byFilter.get(clause);
    if (!st) {
      st = {
        count: this.db.prepare<[object], number>(`SELECT COUNT(*) FROM requests WHERE ${clause}`).pluck(),
        // Paging runs on the index alone (the inner select needs no row lookups), then reads
        // just the rows of the page: a deep OFFSET stays cheap.
        page: this.db.prepare<[object], RequestRow>(
          `SELECT r.* FROM (SELECT context, id, created_ms FROM requests WHERE ${clause}
                            ORDER BY created_ms DESC, id LIMIT @limit OFFSET @offset) AS p
           JOIN requests r ON r.context = p.context AND r.id = p.id
           ORDER BY p.created_ms DESC, p.id`,
        ),
      };
      this.byFilter.set(clause, st);
    }
    return st;
  }

  /** Stores what the RM said of a request; tells whether its state or progress changed. */
  put(context: string, r: CachedRequest, extra: RequestExtra = {}): RequestUpdate {
    const before = this.s.before.get(context, r.id);
    const args = extra.args ?? r.args;
    this.s.put.run({
      context,
      id: r.id,
      type: r.type,
      state: r.state,
      user: r.user,
      created_at: r.createdAt,
      started_at: r.startedAt,
      finished_at: r.finishedAt,
      created_ms: Date.parse(r.createdAt) || 0,
      total_jobs: r.totalJobs,
      finished_jobs: r.finishedJobs,
      args: args ? JSON.stringify(args) : null,
      origin: extra.origin ?? 'seen',
      watched: extra.watched ? 1 : 0,
      synced_ms: extra.syncedMs ?? Date.now(),
    });
    return {
      previousState: before?.state ?? null,
      changed: !before || before.state !== r.state || before.finished_jobs !== r.finishedJobs,
    };
  }

  /** Stores what the RM said of many requests at once (a page of its list), in one transaction. */
  putMany(context: string, requests: readonly CachedRequest[]): void {
    this.db.transaction(() => {
      for (const r of requests) this.put(context, r);
    })();
  }

  get(context: string, id: string): RequestRecord | null {
    const row = this.s.get.get(context, id);
    return row ? toRecord(row) : null;
  }

  /** Several requests by id, in the order asked (null for one not cached): one call for a page. */
  getMany(context: string, ids: readonly string[]): Array<RequestRecord | null> {
    return ids.map((id) => this.get(context, id));
  }

  setWatched(context: string, id: string, watched: boolean): boolean {
    return this.s.setWatched.run(watched ? 1 : 0, context, id).changes > 0;
  }

  /** A page of cached requests, newest first. */
  list(filter: RequestFilter, offset = 0, limit = 100): Page<RequestRecord> {
    const { clause, params } = filterSql(filter);
    const st = this.filterStatements(clause);
    // The total is counted once per filter while nothing was written (a list pages through one
    // filter, and COUNT over 100,000 rows is most of a page's cost); any write counts again.
    const key = `${clause}\n${JSON.stringify(params)}`;
    const version = this.s.writeVersion.get() ?? '';
    let total: number;
    if (this.lastCount?.key === key && this.lastCount.version === version) total = this.lastCount.n;
    else {
      total = st.count.get(params) ?? 0;
      this.lastCount = { key, version, n: total };
    }
    const items = st.page.all({ ...params, limit, offset }).map(toRecord);
    return { items, total, offset };
  }

  /** Ids of cached requests still PENDING or RUNNING, newest first. */
  unfinishedIds(context: string, limit = 200): string[] {
    return this.s.unfinished.all(context, limit);
  }

  /** The tray's counts and recent watched requests. */
  trayModel(nowMs = Date.now(), recent = 8): TrayModel {
    return {
      running: this.s.running.get() ?? 0,
      failed: this.s.failedSince.get(nowMs - 24 * 3600_000) ?? 0,
      recent: this.s.recentWatched.all(recent).map(toTrayItem),
    };
  }
}
