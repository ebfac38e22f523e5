// What a test opens (replayed servers, clients) is closed after it, last opened first.

import { afterEach } from 'vitest';

/** Registers an afterEach that closes what the returned function was given during the test. */
export function closedAfterEach(): <T extends { close(): unknown }>(thing: T) => T {
  const open: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    for (const thing of open.splice(0).reverse()) await thing.close();
  });
  return (thing) => {
    open.push(thing);
    return thing;
  };
}
