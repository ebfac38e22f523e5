// GET /api/v1/caller: who our Request Manager takes the caller for, and what it may do to each
// request type. An addition of ours (the 2017 RM and v2 answer 404 there); the console marks
// the types the operator may not start, and the CLI's `specs` too.
//
//   {"auth":true,"user":"alice","roles":["ba"],"admin":false,
//    "requestTypes":[{"name":"restart-app","ops":["start"],"refused":{"stop":"denied: …"}}]}
//
// Without auth: "auth":false, user "" and no roles, every op of every type. `ops` is what the
// roles and the acls grant; a site's --auth-module may still refuse a request by its args.

export type RequestOp = 'start' | 'stop';

export interface CallerTypeGrants {
  name: string;
  ops: RequestOp[];
  /** Why each op not in `ops` is refused. */
  refused: Partial<Record<RequestOp, string>>;
}

export interface CallerInfo {
  /** The RM authenticates its callers. */
  auth: boolean;
  user: string;
  roles: string[];
  /** The caller has one of the RM's admin roles. */
  admin: boolean;
  requestTypes: CallerTypeGrants[];
}

export const CALLER_INFO_PATH = '/api/v1/caller';

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const OPS: readonly string[] = ['start', 'stop'];

function decodeGrants(v: unknown): CallerTypeGrants {
  const o = v as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || typeof o.name !== 'string' || !isStrings(o.ops)) {
    throw new Error('not a request type of a caller answer');
  }
  const refused: Partial<Record<RequestOp, string>> = {};
  const given = (o.refused ?? {}) as Record<string, unknown>;
  for (const op of OPS) if (typeof given[op] === 'string') refused[op as RequestOp] = given[op];
  return { name: o.name, ops: o.ops.filter((op): op is RequestOp => OPS.includes(op)), refused };
}

/** Reads an answer; throws on anything that is not one. */
export function decodeCallerInfo(v: unknown): CallerInfo {
  const o = v as Record<string, unknown> | null;
  if (
    o === null ||
    typeof o !== 'object' ||
    typeof o.auth !== 'boolean' ||
    typeof o.user !== 'string' ||
    !isStrings(o.roles) ||
    typeof o.admin !== 'boolean' ||
    !Array.isArray(o.requestTypes)
  ) {
    throw new Error('not a caller answer');
  }
  return { auth: o.auth, user: o.user, roles: o.roles, admin: o.admin, requestTypes: o.requestTypes.map(decodeGrants) };
}
