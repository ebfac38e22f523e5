// The peer token (--peer-token-file): the calls the RM and the JR make to each other (J1-J4 on
// the JR; finish, job log and suspend on the RM) are answered only for a caller sending
// `X-Spincycle-Peer-Secret: <token>`, so a JR takes chains only from its RMs, and an RM takes
// logs and finish calls only from its JRs. (The header kept its first name: RMs and JRs of
// either release keep talking during an upgrade.)

import type { IncomingHttpHeaders } from 'node:http';
import { sameSecret } from './access';
import { HttpError } from './server';

export const PEER_SECRET_HEADER = 'X-Spincycle-Peer-Secret';

/** Refuses (401) a call that does not carry the peer token `secret`. */
export function checkPeerToken(secret: string, headers: IncomingHttpHeaders): void {
  const given = headers[PEER_SECRET_HEADER.toLowerCase()];
  if (!sameSecret(secret, typeof given === 'string' ? given : undefined)) {
    throw new HttpError(
      401,
      `missing or wrong ${PEER_SECRET_HEADER}: only a peer started with the same --peer-token-file may call this`,
    );
  }
}
