// What the console keeps about a request's runs and re-runs (migration 6): the history its RM
// answered (ours: its create args, attempts and re-run links; docs/protocol/extensions.md), and
// the re-runs this console made on an RM that records none (the original), so both requests
// still show the link. Read with the request, offline too.

import type { Db } from './open-cache';
import type { RequestHistoryView } from '../../shared/console-model';
import type { RequestHistory } from '../../shared/rm-extensions';

export class RequestHistoryStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      get: db
        .prepare<[string, string], string>('SELECT history FROM request_history WHERE context = ? AND request_id = ?')
        .pluck(),
      put: db.prepare<[string, string, string]>(
        'INSERT OR REPLACE INTO request_history (context, request_id, history) VALUES (?, ?, ?)',
      ),
      // The RM's record of the args fills in what the console did not know (created elsewhere).
      fillArgs: db.prepare<[string, string, string]>(
        'UPDATE requests SET args = ? WHERE context = ? AND id = ? AND args IS NULL',
      ),
      putRerun: db.prepare<[{ context: string; requestId: string; rerunOf: string }]>(
        'INSERT OR REPLACE INTO console_reruns (context, request_id, rerun_of) VALUES (@context, @requestId, @rerunOf)',
      ),
      rerunOf: db
        .prepare<[string, string], string>('SELECT rerun_of FROM console_reruns WHERE context = ? AND request_id = ?')
        .pluck(),
      reruns: db
        .prepare<[string, string], string>(
          `SELECT x.request_id FROM console_reruns x
           LEFT JOIN requests r ON r.context = x.context AND r.id = x.request_id
           WHERE x.context = ? AND x.rerun_of = ? ORDER BY r.created_ms, x.request_id`,
        )
        .pluck(),
    };
  }

  /** Stores what the RM answered for a request's history (and the args it recorded, if new here). */
  put(context: string, history: RequestHistory): void {
    this.db.transaction(() => {
      this.s.put.run(context, history.requestId, JSON.stringify(history));
      if (history.args !== null) this.s.fillArgs.run(JSON.stringify(history.args), context, history.requestId);
    })();
  }

  /** The RM's last answer, or null when it was never read (or the RM keeps none). */
  get(context: string, requestId: string): RequestHistory | null {
    const text = this.s.get.get(context, requestId);
    return text === undefined ? null : (JSON.parse(text) as RequestHistory);
  }

  /** This console re-ran `rerunOf` as `requestId` on an RM that does not record it. */
  putRerun(context: string, requestId: string, rerunOf: string): void {
    this.s.putRerun.run({ context, requestId, rerunOf });
  }

  /** The RM's history merged with the re-runs this console recorded; `retry` as the caller knows it. */
  view(context: string, requestId: string, retry: boolean | null): RequestHistoryView {
    const h = this.get(context, requestId);
    const mine = this.s.reruns.all(context, requestId);
    return {
      attempts: h?.attempts ?? [],
      rerunOf: h?.rerunOf ?? this.s.rerunOf.get(context, requestId) ?? null,
      reruns: [...new Set([...(h?.reruns ?? []), ...mine])],
      retry: h !== null ? true : retry,
    };
  }
}
