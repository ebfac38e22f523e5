// Who is calling the Request Manager, and what about: the shapes the auth pieces share
// (token-file.ts, auth-module.ts, access-control.ts) and the RM's guard (rm/guard.ts).

import type { JsonObject } from '../../shared/proto';
import type { AclOp } from '../grapher';

/** A caller the RM knows: the name requests are created under and the roles ACLs match. */
export interface Caller {
  user: string;
  roles: string[];
}

/** An HTTP call as authentication sees it (what an --auth-module's authenticate gets). */
export interface AuthRequest {
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  remoteAddress: string;
}

/** A request as authorization sees it (what an --auth-module's authorize gets). */
export interface AuthSubject {
  /** null for a request being created. */
  id: string | null;
  type: string;
  /** The args it was (or is being) created with. */
  args: JsonObject;
  user: string;
}

/** Names a caller from a call, or throws an AuthError. */
export interface Authenticator {
  authenticate(req: AuthRequest): Promise<Caller>;
  /** Reads its configuration again (SIGHUP); keeps the old one and throws when the new one is bad. */
  reload?(): Promise<void> | void;
}

/** A site's own check after the ACL granted an op (an --auth-module's authorize); throws an AuthError to refuse. */
export type AuthorizeHook = (caller: Caller, op: AclOp, request: AuthSubject) => Promise<void>;

/**
 * A call refused by auth: the caller is unknown (`unauthenticated`) or may not do this
 * (`denied`). Both answer 401, as upstream does.
 */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly kind: 'unauthenticated' | 'denied',
    message: string,
    /** RFC 6750's error code for a bearer token that was given but is not good. */
    readonly tokenError?: 'invalid_token',
  ) {
    super(message);
  }
}
