// GET /api/v1/request-list: every sequence as a RequestSpec, sorted by name (byte order, like Go's
// sort.Strings); Args = required args (Default "") then optional ones (Default as written).

import type { RequestArg, RequestSpec } from '../../shared/proto';
import type { SpecSet } from './spec-schema';

export function requestList(specs: SpecSet): RequestSpec[] {
  const names = [...specs.sequences.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    const seq = specs.sequences.get(name);
    const args: RequestArg[] = [
      ...(seq?.required ?? []).map((a) => ({ Name: a.name, Desc: a.desc, Required: true, Default: '' })),
      ...(seq?.optional ?? []).map((a) => ({ Name: a.name, Desc: a.desc, Required: false, Default: a.default })),
    ];
    return { Name: name, Args: args.length > 0 ? args : null };
  });
}
