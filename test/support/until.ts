// Waiting in a test for something that happens on its own (a sync pass, an event): the value
// `check` gives once it is truthy, or an error naming what never came.

type Maybe<T> = T | undefined | null | false;

export async function until<T>(what: string, check: () => Maybe<T> | Promise<Maybe<T>>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
