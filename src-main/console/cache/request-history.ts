// What the console keeps about a request's runs and re-runs (migration 8): the history its RM
// answered (ours: its attempts and re-run links; docs/protocol/extensions.md), and the re-runs
// this console made on a server that records none (the 2017 original, v2), so both requests
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

  /** Stores what the RM answered for a request's history. */
  put(context: string, history: RequestHistory): void {
    this.s.put.run(context, history.requestId, JSON.stringify(history));
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

  /** The RM's history merged with the re-runs this console recorded. */
  view(context: string, requestId: string): RequestHistoryView {
    const h = this.get(context, requestId);
    const mine = this.s.reruns.all(context, requestId);
    return {
      attempts: h?.attempts ?? [],
      rerunOf: h?.rerunOf ?? this.s.rerunOf.get(context, requestId) ?? null,
      reruns: [...new Set([...(h?.reruns ?? []), ...mine])],
    };
  }
}
