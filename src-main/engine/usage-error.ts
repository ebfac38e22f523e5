// Bad usage or configuration of a `spincycle server|rm|jr|token` command: printed with a hint, exit 2.

export class UsageError extends Error {
  override name = 'UsageError';
}
