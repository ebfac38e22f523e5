// The one implementation of the IPC contract (src-main/shared/ipc.ts). Every handler
// takes the raw, untrusted argument array, validates it with zod, and resolves to a
// Result; transports (desktop/, web/) only route calls here via dispatch.ts.

import { z } from 'zod';
import type { MethodName, MethodValue, VersionInfo } from '../shared/ipc';
import { err, ok, type Result } from '../shared/result';
import { PROTOCOL_REVISION } from './runtime-info';

/** A handler per contract method, each receiving the caller's arguments unvalidated. */
export type ContractHandlers = {
  readonly [M in MethodName]: (args: readonly unknown[]) => Promise<Result<MethodValue<M>>>;
};

export interface HandlerDeps {
  /** Console version (package.json "version"). */
  readonly appVersion: string;
  /** Description of the runtime hosting main, see describeRuntime(). */
  readonly runtime: string;
  /** Protocol revision; defaults to the one this build implements. */
  readonly protocol?: string;
}

/** Argument schemas, one positional tuple per method. */
const ARGS = {
  version: z.tuple([]),
} satisfies Record<MethodName, z.ZodTuple>;

/** Turns zod issues into one readable line naming the method and the offending argument. */
function describeIssues(method: MethodName, issues: readonly z.core.$ZodIssue[], given: readonly unknown[]): string {
  const arity: number = ARGS[method].def.items.length;
  if (given.length > arity) {
    const plural = arity === 1 ? '' : 's';
    return `${method}() takes ${arity === 0 ? 'no' : arity} argument${plural}, got ${given.length}`;
  }
  const parts = issues.map((issue) => {
    const [index, ...rest] = issue.path;
    const where =
      typeof index === 'number' ? `argument ${index + 1}${rest.length ? ` (${rest.join('.')})` : ''}: ` : '';
    return `${where}${issue.message}`;
  });
  return `${method}(): ${parts.join('; ')}`;
}

/** Validates raw arguments for a method; the typed tuple on success. */
function parseArgs<M extends MethodName>(method: M, args: readonly unknown[]): Result<z.infer<(typeof ARGS)[M]>> {
  const parsed = ARGS[method].safeParse(args);
  if (parsed.success) return ok(parsed.data);
  return err('bad-request', describeIssues(method, parsed.error.issues, args));
}

export function createHandlers(deps: HandlerDeps): ContractHandlers {
  const info: VersionInfo = Object.freeze({
    app: deps.appVersion,
    protocol: deps.protocol ?? PROTOCOL_REVISION,
    runtime: deps.runtime,
  });

  return {
    version(args) {
      const parsed = parseArgs('version', args);
      if (!parsed.ok) return Promise.resolve(parsed);
      return Promise.resolve(ok(info));
    },
  };
}
