// The peer secret (--peer-secret-file): the calls the RM and the JR make to each other (J1-J4
// on the JR, R4 finish and R8 job log on the RM) are answered only for a caller sending
// `X-Spincycle-Peer-Secret: <secret>`, so a JR takes chains only from its RM, and the RM takes
// logs and finish calls only from its JR.

import { sameSecret } from './access';
import { HttpError, type Handler } from './server';

export const PEER_SECRET_HEADER = 'X-Spincycle-Peer-Secret';

/** `handler`, answered only for callers holding `secret` (401 otherwise, before the body is read). */
export function peerOnly(secret: string, handler: Handler): Handler {
  const header = PEER_SECRET_HEADER.toLowerCase();
  return (req) => {
    const given = req.headers[header];
    if (!sameSecret(secret, typeof given === 'string' ? given : undefined)) {
      throw new HttpError(
        401,
        `missing or wrong ${PEER_SECRET_HEADER}: only a peer started with the same --peer-secret-file may call this`,
      );
    }
    return handler(req);
  };
}
