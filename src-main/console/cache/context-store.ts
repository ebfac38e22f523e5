// The contexts (Request Managers) the console knows, in the order they were added, when each
// last answered, how each proves who it is (its auth: header names and TLS file paths, never a
// secret) and what its server was found to speak (migration 6). Renaming a context carries what
// was cached from it along; what its server speaks goes along only if it still points at the
// same URL.

import type { Context, ContextAuth, ServerInfo } from '../../shared/console-model';
import type { Db } from './open-cache';

interface ContextRow {
  name: string;
  url: string;
  env_label: string | null;
  env_color: string | null;
  embedded: 0 | 1;
  last_ok_ms: number | null;
  /** ContextAuth as JSON, or null. */
  auth: string | null;
  /** ServerInfo as JSON, or null before the server ever answered. */
  server: string | null;
}

const parseJson = <T>(text: string | null): T | null => {
  if (text === null || text === '') return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
};

const toContext = (r: ContextRow): Context => ({
  name: r.name,
  url: r.url,
  envLabel: r.env_label,
  envColor: r.env_color,
  embedded: r.embedded === 1,
  auth: parseJson<ContextAuth>(r.auth),
});

/** Tables whose rows belong to a context, by its name. */
const CONTEXT_TABLES = [
  'requests',
  'chains',
  'job_statuses',
  'job_log_rows',
  'job_starts',
  'live_tries',
  'live_text',
] as const;

export class ContextStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      list: db.prepare<[], ContextRow>('SELECT * FROM contexts ORDER BY position, name'),
      get: db.prepare<[string], ContextRow>('SELECT * FROM contexts WHERE name = ?'),
      put: db.prepare<[Omit<ContextRow, 'last_ok_ms' | 'server'>]>(
        `INSERT INTO contexts (name, url, env_label, env_color, embedded, auth, position)
         VALUES (@name, @url, @env_label, @env_color, @embedded, @auth,
                 COALESCE((SELECT MAX(position) + 1 FROM contexts), 0))
         ON CONFLICT (name) DO UPDATE SET url = @url, env_label = @env_label, env_color = @env_color,
           embedded = @embedded, auth = @auth, last_ok_ms = CASE WHEN url = @url THEN last_ok_ms END,
           server = CASE WHEN url = @url THEN server END`,
      ),
      putLastContact: db.prepare<[number | null, string]>('UPDATE contexts SET last_ok_ms = ? WHERE name = ?'),
      putServer: db.prepare<[string | null, string]>('UPDATE contexts SET server = ? WHERE name = ?'),
      remove: db.prepare<[string]>('DELETE FROM contexts WHERE name = ?'),
      rename: CONTEXT_TABLES.map((table) =>
        db.prepare<[string, string]>(`UPDATE ${table} SET context = ? WHERE context = ?`),
      ),
    };
  }

  list(): Context[] {
    return this.s.list.all().map(toContext);
  }

  /** Adds or updates a context; renaming (`previousName`) carries its cached requests along. */
  put(ctx: Context, previousName?: string): void {
    this.db.transaction(() => {
      let carried: number | null = null;
      let server: string | null = null;
      if (previousName && previousName !== ctx.name) {
        // The last contact and what it speaks go along only if the context still points at the same RM.
        const old = this.s.get.get(previousName);
        carried = old?.url === ctx.url ? old.last_ok_ms : null;
        server = old?.url === ctx.url ? old.server : null;
        this.s.remove.run(previousName);
        for (const rename of this.s.rename) rename.run(ctx.name, previousName);
      }
      this.s.put.run({
        name: ctx.name,
        url: ctx.url,
        env_label: ctx.envLabel,
        env_color: ctx.envColor,
        embedded: ctx.embedded ? 1 : 0,
        auth: ctx.auth ? JSON.stringify(ctx.auth) : null,
      });
      if (carried !== null) this.s.putLastContact.run(carried, ctx.name);
      if (server !== null) this.s.putServer.run(server, ctx.name);
    })();
  }

  /** What the context's server was last found to speak, or null if never. */
  serverInfo(name: string): ServerInfo | null {
    return parseJson<ServerInfo>(this.s.get.get(name)?.server ?? null);
  }

  putServerInfo(name: string, server: ServerInfo): void {
    this.s.putServer.run(JSON.stringify(server), name);
  }

  /** When the context's Request Manager last answered (ms since epoch), or null if never at its URL. */
  lastContact(name: string): number | null {
    return this.s.get.get(name)?.last_ok_ms ?? null;
  }

  putLastContact(name: string, ms: number): void {
    this.s.putLastContact.run(ms, name);
  }

  /** Removes a context from the list; what was cached from it stays readable. */
  remove(name: string): boolean {
    return this.s.remove.run(name).changes > 0;
  }
}
