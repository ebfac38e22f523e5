// The answer of GET /api/v1/caller (shared/caller-info.ts) from the guard's caller and the
// access control: what the roles and acls grant, per request type.

import type { CallerInfo } from '../../shared/caller-info';
import type { AccessControl } from '../auth/access-control';
import type { Caller } from '../auth/caller';
import { ACL_OPS } from '../grapher';

export function encodeCallerInfo(
  caller: Caller | null,
  access: AccessControl | null,
  types: readonly string[],
): string {
  let info: CallerInfo;
  if (access === null || caller === null) {
    info = {
      auth: false,
      user: '',
      roles: [],
      admin: false,
      requestTypes: types.map((name) => ({ name, ops: [...ACL_OPS], refused: {} })),
    };
  } else {
    const grants = access.grants(caller, types);
    info = {
      auth: true,
      user: caller.user,
      roles: caller.roles,
      admin: access.isAdmin(caller),
      requestTypes: types.map((name) => ({ name, ...(grants.get(name) ?? { ops: [], refused: {} }) })),
    };
  }
  return JSON.stringify(info);
}
