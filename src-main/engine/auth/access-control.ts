// Who may do what on a Request Manager with auth (`--auth`, `--auth-module`), with upstream
// Spin Cycle's semantics (its auth.Manager):
// - every call is authenticated first; a caller who cannot be named is refused (401);
// - reading (requests, chains, logs, lists) needs nothing more;
// - start and stop are authorized per request type: a caller with an --admin-role may do
//   anything; a type without an `acl` is open to every caller (unless --strict-acl); else one
//   of the caller's roles must be in the type's acl with `admin: true` or the op in its `ops`,
//   and then the module's authorize (if any) has the last word. Refusals are 401, as upstream.
// Without auth (no --auth, no --auth-module) there is no AccessControl: everyone can do everything.

import type { AclEntry, AclOp } from '../grapher';
import { ACL_OPS } from '../grapher';
import {
  AuthError,
  type AuthRequest,
  type AuthSubject,
  type AuthorizeHook,
  type Authenticator,
  type Caller,
} from './caller';

export interface AccessControlOptions {
  authenticator: Authenticator;
  /** The module's authorize, asked after the acl granted an op. */
  authorize?: AuthorizeHook | undefined;
  /** Roles that may do everything to every request type (--admin-role). */
  adminRoles: readonly string[];
  /** Request types without an acl are refused to all but admins (--strict-acl). */
  strict: boolean;
  /** Each request type's acl (an empty list: none). */
  acls: ReadonlyMap<string, readonly AclEntry[]>;
}

/** Auth as the command line gives it; the acls come from the specs. */
export type AuthSettings = Omit<AccessControlOptions, 'acls'>;

/** Why the roles and acls alone allow an op: an admin role, an acl entry, or no acl at all. */
type Grant = { by: 'admin' | 'acl' | 'open' } | { refused: string };

/** What a caller may do to one request type, by roles and acls alone (the module is not asked). */
export interface TypeGrants {
  ops: AclOp[];
  /** Why each op not granted is refused. */
  refused: Partial<Record<AclOp, string>>;
}

const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));

export class AccessControl {
  constructor(private readonly options: AccessControlOptions) {}

  /** The caller of a call; throws an AuthError when it cannot be named. */
  authenticate(req: AuthRequest): Promise<Caller> {
    return this.options.authenticator.authenticate(req);
  }

  /** The caller has an --admin-role. */
  isAdmin(caller: Caller): boolean {
    return caller.roles.some((r) => this.options.adminRoles.includes(r));
  }

  private grant(caller: Caller, op: AclOp, type: string): Grant {
    if (this.isAdmin(caller)) return { by: 'admin' };
    const acl = this.options.acls.get(type);
    // An unknown type is left to the RM, which answers that it does not know it.
    if (acl === undefined) return { by: 'open' };
    if (acl.length === 0) {
      if (!this.options.strict) return { by: 'open' };
      return {
        refused: `denied: request type ${type} has no acl, and this Request Manager lets only its admin roles (${list(this.options.adminRoles)}) start or stop such types (--strict-acl)`,
      };
    }
    const mine = acl.filter((e) => caller.roles.includes(e.role));
    if (mine.length === 0) {
      return {
        refused: `denied: ${caller.user} has roles ${list(caller.roles)}, and the acl of ${type} lists ${list(acl.map((e) => e.role))}`,
      };
    }
    if (mine.some((e) => e.admin || e.ops.includes(op))) return { by: 'acl' };
    const may = mine.map((e) => `${e.role} may ${list(e.ops)}`).join('; ');
    return { refused: `denied: no role of ${caller.user} may ${op} ${type} (${may})` };
  }

  /** Refuses (AuthError 'denied') unless `caller` may do `op` to `request`. */
  async authorize(caller: Caller, op: AclOp, request: AuthSubject): Promise<void> {
    const grant = this.grant(caller, op, request.type);
    if ('refused' in grant) throw new AuthError('denied', grant.refused);
    if (grant.by === 'acl' && this.options.authorize) await this.options.authorize(caller, op, request);
  }

  /** What `caller` may do to each of `types`, by roles and acls alone. */
  grants(caller: Caller, types: readonly string[]): Map<string, TypeGrants> {
    return new Map(
      types.map((type) => {
        const out: TypeGrants = { ops: [], refused: {} };
        for (const op of ACL_OPS) {
          const grant = this.grant(caller, op, type);
          if ('refused' in grant) out.refused[op] = grant.refused;
          else out.ops.push(op);
        }
        return [type, out];
      }),
    );
  }

  /** Reads the token file again (SIGHUP); throws, keeping the old one, when the new one is bad. */
  async reload(): Promise<void> {
    await this.options.authenticator.reload?.();
  }
}
