// Waiting in tests for something that happens in the background (a sync pass, a chain ending):
// no fixed sleeps, a poll with a deadline that says what did not happen.

type Maybe<T> = T | undefined | null | false;

/** Polls `check` every 50 ms until it gives a truthy value, returned; throws naming `what` after `ms`. */
export async function until<T>(what: string, check: () => Maybe<T> | Promise<Maybe<T>>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
