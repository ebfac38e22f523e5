// Our RM's additive `args` key (docs/protocol/extensions.md): a request's args in upstream
// v2's RequestArg shape, so a console sees what a request ran with (and can run it again).
// Every arg of its type, required then optional, each with the value it ran with: the one
// given, else the default; args given that the type does not declare (its spec changed since)
// follow as optional ones. Desc is '' as in v2's requests (the request list has them).

import { encodeRequest, type CreateRequestParams, type Request, type RequestSpec } from '../../shared/proto';
import { encodeV2RequestArg, type V2RequestArg } from '../../shared/proto-v2';
import { goSlice } from '../../shared/wire-json';

export function requestArgs(spec: RequestSpec | undefined, params: CreateRequestParams): V2RequestArg[] {
  const given = params.Args ?? {};
  const declared = spec?.Args ?? [];
  const pos = { required: 0, optional: 0 };
  const args = declared.map((a): V2RequestArg => {
    const kind = a.Required ? 'required' : 'optional';
    const has = Object.hasOwn(given, a.Name);
    return {
      Pos: pos[kind]++,
      Name: a.Name,
      Desc: '',
      Type: kind,
      Given: has,
      Default: a.Required ? null : a.Default,
      Value: has ? (given[a.Name] ?? null) : a.Required ? null : a.Default,
    };
  });
  const names = new Set(declared.map((a) => a.Name));
  for (const [name, value] of Object.entries(given)) {
    if (names.has(name)) continue;
    args.push({
      Pos: pos.optional++,
      Name: name,
      Desc: '',
      Type: 'optional',
      Given: true,
      Default: null,
      Value: value,
    });
  }
  return args;
}

/** A request as the 2017 wire has it, with `args` added at the end (a 2017 client ignores it). */
export function encodeRequestWithArgs(r: Request, args: readonly V2RequestArg[]): string {
  return `${encodeRequest(r).slice(0, -1)},"args":${goSlice(args, encodeV2RequestArg)}}`;
}
