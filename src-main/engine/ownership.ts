// Who runs a chain, on the wire: the RM hands each chain to a JR with an epoch (raised at every
// hand-over) in a header our JR keeps and sends back on its job logs, finish and suspend calls.
// The RM refuses a post whose epoch is no longer the request's with 410 Gone: a JR that gets it
// has lost the chain to another JR and drops it. An original JR sends no epoch and is never
// refused for it.

import { HttpError } from './http/server';
import { LinkError } from './links';

export const EPOCH_HEADER = 'X-Spincycle-Epoch';

/** The epoch a request carries, or undefined without one; a malformed one is a 400. */
export function epochOf(headers: Record<string, string | string[] | undefined>): number | undefined {
  const raw = headers[EPOCH_HEADER.toLowerCase()];
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || !/^[0-9]{1,15}$/.test(text)) {
    throw new HttpError(400, `${EPOCH_HEADER} must be a whole number, got ${JSON.stringify(String(raw).slice(0, 40))}`);
  }
  return Number(text);
}

export const epochHeader = (epoch: number | undefined): Record<string, string> =>
  epoch === undefined ? {} : { [EPOCH_HEADER]: String(epoch) };

export const STALE_STATUS = 410;

/** The RM's answer to a post from a JR that no longer runs the request. */
export const staleOwner = (requestId: string, epoch: number) =>
  new HttpError(
    STALE_STATUS,
    `job runner no longer runs request ${requestId}: epoch ${epoch} is stale (the chain was handed to another job runner)`,
  );

/** The RM said this JR no longer runs the request. */
export const isStale = (err: unknown): boolean => err instanceof LinkError && err.status === STALE_STATUS;
