// Request args in the console model from what servers say of them: a request's args (v2's
// RequestArg list, which our RM also adds to its 2017-shaped requests) and a request type's
// args (2017's Required/Default, v2's Type/Default of any JSON).

import type { ArgKind, RequestType, RequestTypeArg } from '../../shared/console-model';
import { Fields, type JsonObject, type RequestSpec } from '../../shared/proto';
import { decodeV2RequestArg, type V2RequestArg, type V2RequestSpec } from '../../shared/proto-v2';

/** The values a caller sets (required and optional args) by name; null when the server did not say. */
export function callerArgValues(args: readonly V2RequestArg[] | null): JsonObject | null {
  if (args === null) return null;
  const out: JsonObject = {};
  for (const a of args) if (argKind(a.Type) !== 'static') out[a.Name] = a.Value;
  return out;
}

/** v2's arg `Type`; an unknown word is taken as optional (the caller may set it). */
export function argKind(type: string): ArgKind {
  return type === 'required' || type === 'static' ? type : 'optional';
}

/** The additive `args` key of our RM's 2017-shaped requests (a 2017 client ignores it). */
export function additiveArgs(v: unknown, path = 'Request'): V2RequestArg[] | null {
  return new Fields(v, path).list('args', decodeV2RequestArg);
}

export function requestTypeFrom2017(spec: RequestSpec): RequestType {
  return {
    name: spec.Name,
    args: (spec.Args ?? []).map((a): RequestTypeArg => ({
      name: a.Name,
      desc: a.Desc,
      kind: a.Required ? 'required' : 'optional',
      default: a.Required ? null : a.Default,
    })),
  };
}

export function requestTypeFromV2(spec: V2RequestSpec): RequestType {
  return {
    name: spec.Name,
    args: [...(spec.Args ?? [])]
      .map((a, i) => ({ a, i, kind: argKind(a.Type) }))
      // Required first, then optional, then static; each group in the spec's order.
      .sort((x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || x.a.Pos - y.a.Pos || x.i - y.i)
      .map(({ a, kind }) => ({ name: a.Name, desc: a.Desc, kind, default: a.Default })),
  };
}

const KIND_ORDER: Record<ArgKind, number> = { required: 0, optional: 1, static: 2 };
