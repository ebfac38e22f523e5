// Console preferences and small remembered answers (a context's request types), as JSON by key.
// Values come back as stored; the caller checks their shape.

import type { Db } from './open-cache';

export class SettingsStore {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck(),
      put: db.prepare<[string, string]>('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)'),
    };
  }

  get(key: string): unknown {
    const text = this.s.get.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  }

  put(key: string, value: unknown): void {
    this.s.put.run(key, JSON.stringify(value));
  }
}
