// The contexts (Request Managers) the console knows, in the order they were added, and when
// each last answered. Renaming a context carries what was cached from it along.

import type { Context } from '../../shared/console-model';
import type { Db } from './open-cache';

interface ContextRow {
  name: string;
  url: string;
  env_label: string | null;
  env_color: string | null;
  embedded: 0 | 1;
  last_ok_ms: number | null;
}

const toContext = (r: ContextRow): Context => ({
  name: r.name,
  url: r.url,
  envLabel: r.env_label,
  envColor: r.env_color,
  embedded: r.embedded === 1,
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
      put: db.prepare<[Omit<ContextRow, 'last_ok_ms'>]>(
        `INSERT INTO contexts (name, url, env_label, env_color, embedded, position)
         VALUES (@name, @url, @env_label, @env_color, @embedded, COALESCE((SELECT MAX(position) + 1 FROM contexts), 0))
         ON CONFLICT (name) DO UPDATE SET url = @url, env_label = @env_label, env_color = @env_color,
           embedded = @embedded, last_ok_ms = CASE WHEN url = @url THEN last_ok_ms END`,
      ),
      putLastContact: db.prepare<[number | null, string]>('UPDATE contexts SET last_ok_ms = ? WHERE name = ?'),
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
      if (previousName && previousName !== ctx.name) {
        // The last contact goes along only if the context still points at the same RM.
        const old = this.s.get.get(previousName);
        carried = old?.url === ctx.url ? old.last_ok_ms : null;
        this.s.remove.run(previousName);
        for (const rename of this.s.rename) rename.run(ctx.name, previousName);
      }
      this.s.put.run({
        name: ctx.name,
        url: ctx.url,
        env_label: ctx.envLabel,
        env_color: ctx.envColor,
        embedded: ctx.embedded ? 1 : 0,
      });
      if (carried !== null) this.s.putLastContact.run(carried, ctx.name);
    })();
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
