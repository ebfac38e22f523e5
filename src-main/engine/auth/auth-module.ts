// `--auth-module FILE.js`: a site's own authentication and authorization, as upstream's auth
// plugin. The module exports either or both of:
//
//   export async function authenticate(request) {
//     // request: { method, path, headers (lower-case names), remoteAddress }
//     return { user: 'alice', roles: ['eng'] };   // or null (or throw) to refuse: 401
//   }
//   export async function authorize(caller, op, request) {
//     // Called after the request's ACL granted `op` ('start' or 'stop') to one of the caller's
//     // roles; request: { id (null while creating), type, args, user }.
//     if (request.args.env === 'prod' && !caller.roles.includes('sre')) throw new Error('prod needs sre');
//     // return false (or throw) to refuse: 401 with the message
//   }
//
// A module that throws while loading, exports neither function, or exports something else under
// those names stops the start with a message naming the file. At run time, a result that is not
// a caller, or no answer within AUTH_MODULE_TIMEOUT_MS, is the module's fault: a 500 that says
// so (an AuthModuleError, logged), never a silent allow.

import { pathToFileURL } from 'node:url';
import { AuthError, type AuthRequest, type AuthorizeHook, type Authenticator, type Caller } from './caller';

export const AUTH_MODULE_TIMEOUT_MS = 10_000;

export class AuthModuleError extends Error {
  override name = 'AuthModuleError';
}

export interface AuthModule {
  authenticator?: Authenticator;
  authorize?: AuthorizeHook;
}

type Fn = (...args: unknown[]) => unknown;

/** The module's function `name`: a named export, or a key of its default export (CommonJS). */
function exported(file: string, mod: Record<string, unknown>, name: string): Fn | undefined {
  const fromDefault = (mod.default as Record<string, unknown> | null | undefined)?.[name];
  const value = mod[name] ?? (typeof mod.default === 'object' ? fromDefault : undefined);
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new AuthModuleError(`auth module ${file}: ${name} must be a function`);
  return value as Fn;
}

/** Runs one call of the module, with a time limit; its own refusals become AuthErrors. */
async function run<T>(file: string, what: string, call: () => unknown, refusal: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new AuthModuleError(`auth module ${file}: ${what} gave no answer within ${AUTH_MODULE_TIMEOUT_MS} ms`)),
      AUTH_MODULE_TIMEOUT_MS,
    );
  });
  try {
    return (await Promise.race([Promise.resolve().then(call), late])) as T;
  } catch (err) {
    if (err instanceof AuthModuleError) throw err;
    const said = err instanceof Error ? err.message : String(err);
    throw new AuthError(what === 'authenticate' ? 'unauthenticated' : 'denied', said ? `${refusal}: ${said}` : refusal);
  } finally {
    clearTimeout(timer);
  }
}

/** The caller an authenticate() gave, checked. */
function checkCaller(file: string, value: unknown): Caller {
  if (value === null || value === undefined) {
    throw new AuthError('unauthenticated', 'not authenticated (the auth module named no caller)');
  }
  const c = value as { user?: unknown; roles?: unknown };
  const roles = c.roles ?? [];
  if (
    typeof c.user !== 'string' ||
    c.user === '' ||
    !Array.isArray(roles) ||
    roles.some((r) => typeof r !== 'string')
  ) {
    throw new AuthModuleError(
      `auth module ${file}: authenticate must return { user: string (not empty), roles: string[] } or null, ` +
        `got ${JSON.stringify(value)?.slice(0, 200)}`,
    );
  }
  return { user: c.user, roles: [...(roles as string[])] };
}

/** Imports an auth module and wraps what it exports. */
export async function loadAuthModule(file: string): Promise<AuthModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new AuthModuleError(`auth module ${file}: cannot load it: ${(err as Error).message}`, { cause: err });
  }
  const authenticate = exported(file, mod, 'authenticate');
  const authorize = exported(file, mod, 'authorize');
  if (!authenticate && !authorize) {
    throw new AuthModuleError(
      `auth module ${file}: exports neither authenticate(request) nor authorize(caller, op, request)`,
    );
  }
  return {
    ...(authenticate
      ? {
          authenticator: {
            authenticate: async (req: AuthRequest) =>
              checkCaller(file, await run(file, 'authenticate', () => authenticate(req), 'not authenticated')),
          },
        }
      : {}),
    ...(authorize
      ? {
          authorize: async (caller, op, request) => {
            const said = await run(
              file,
              'authorize',
              () => authorize(caller, op, request),
              `denied by the auth module`,
            );
            if (said === false) throw new AuthError('denied', `denied by the auth module (${op} ${request.type})`);
          },
        }
      : {}),
  };
}
