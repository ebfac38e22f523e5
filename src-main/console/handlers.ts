// The one implementation of the IPC contract (src-main/shared/ipc.ts). Every handler
// takes the raw, untrusted argument array, validates it with zod, and resolves to a
// Result; transports (desktop/, web/) only route calls here via dispatch.ts.

import { z } from 'zod';
import { MAX_REQUEST_ID } from '../shared/console-model';
import type { MethodArgs, MethodName, MethodValue, VersionInfo } from '../shared/ipc';
import { err, ok, type Result } from '../shared/result';
import { PROTOCOL_REVISION } from './runtime-info';
import { ConsoleError, type ConsoleService } from './service';

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
  /** The console core; without it only version() answers (every other method: 'internal'). */
  readonly service?: ConsoleService;
}

const name = z.string().min(1).max(200);
const requestId = z.string().min(1).max(MAX_REQUEST_ID);
const offset = z.number().int().min(0);
const limit = z.number().int().min(1).max(10_000);
/** Longest slice of log text one jobLogText() call returns (characters). */
export const MAX_LOG_SLICE = 8 * 1024 * 1024;
const jsonObject = z.record(z.string(), z.unknown());
const filePath = z.string().min(1).max(4096).nullable();
const auth = z
  .object({
    headers: z.array(z.string().min(1).max(100)).max(20),
    caFile: filePath,
    certFile: filePath,
    keyFile: filePath,
  })
  .strict();
const headerValues = z.record(z.string().min(1).max(100), z.string().max(16_384)).nullish();
const context = z.object({
  name: z.string().regex(/^[\w.-]{1,64}$/, 'a context name uses letters, digits, . _ - (at most 64)'),
  url: z.url({ protocol: /^https?$/ }),
  envLabel: z.string().max(40).nullable(),
  envColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{3,8}$/, 'a colour like #d32f2f')
    .nullable(),
  embedded: z.boolean(),
  auth: auth.nullish(),
});
const filter = z.object({
  context: name,
  states: z.array(z.number().int().min(0).max(255)).optional(),
  types: z.array(z.string()).optional(),
  users: z.array(z.string()).optional(),
  since: z.number().optional(),
  until: z.number().optional(),
  text: z.string().max(500).optional(),
});
const settingsPatch = z
  .object({
    intervals: z
      .object({
        viewedMs: z.number().int().min(200).max(3_600_000),
        otherMs: z.number().int().min(500).max(3_600_000),
        maxBackoffMs: z.number().int().min(1000).max(3_600_000),
      })
      .partial(),
    notifications: z.boolean(),
    theme: z.enum(['light', 'dark', 'system']),
  })
  .partial()
  .strict();

/** Argument schemas, one positional tuple per method. */
const ARGS = {
  version: z.tuple([]),
  contexts: z.tuple([]),
  contextStatuses: z.tuple([]),
  // JSON carries an absent trailing argument as null
  putContext: z.tuple([context, name.nullish(), headerValues]),
  removeContext: z.tuple([name]),
  probeContext: z.tuple([z.url({ protocol: /^https?$/ }), auth.nullish(), headerValues, name.nullish()]),
  listRequests: z.tuple([filter, offset, limit]),
  openRequest: z.tuple([name, requestId]),
  closeRequest: z.tuple([name, requestId]),
  getRequest: z.tuple([name, requestId]),
  jobStatuses: z.tuple([name, requestId]),
  jobLogs: z.tuple([name, requestId, offset, limit]),
  jobLogsOfJob: z.tuple([name, requestId, z.string().min(1)]),
  jobLogSummaries: z.tuple([name, requestId, offset, limit]),
  jobLogText: z.tuple([
    name,
    requestId,
    z.string().min(1).max(500),
    z.number().int().min(0),
    z.enum(['stdout', 'stderr']),
    z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    z.number().int().min(1).max(MAX_LOG_SLICE),
  ]),
  followJob: z.tuple([name, requestId, z.string().min(1).max(500), z.boolean()]),
  searchLogs: z.tuple([z.string().max(500), offset, limit]),
  requestList: z.tuple([name]),
  createRequest: z.tuple([name, z.string().min(1, 'a request type is required'), jsonObject]),
  stopRequest: z.tuple([name, requestId]),
  watch: z.tuple([name, requestId, z.boolean()]),
  exportRequests: z.tuple([z.array(z.object({ context: name, id: requestId })).min(1)]),
  importRequests: z.tuple([z.string().min(1, 'the file is empty')]),
  settings: z.tuple([]),
  updateSettings: z.tuple([settingsPatch]),
  trayModel: z.tuple([]),
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
function parseArgs(method: MethodName, args: readonly unknown[]): Result<unknown[]> {
  const parsed = (ARGS[method] as z.ZodTuple).safeParse(args);
  if (parsed.success) return ok(parsed.data as unknown[]);
  return err('bad-request', describeIssues(method, parsed.error.issues, args));
}

type Impl = { [M in MethodName]: (...args: MethodArgs<M>) => MethodValue<M> | Promise<MethodValue<M>> };

function serviceImpl(service: ConsoleService, info: VersionInfo): Impl {
  return {
    version: () => info,
    contexts: () => service.contexts(),
    contextStatuses: () => service.contextStatuses(),
    putContext: (ctx, previousName, values) => service.putContext(ctx, previousName ?? undefined, values ?? null),
    removeContext: async (n) => (await service.removeContext(n), null),
    probeContext: (url, auth, values, ctxName) =>
      service.probeContext(url, auth ?? null, values ?? null, ctxName ?? null),
    listRequests: (f, o, l) => service.listRequests(f, o, l),
    openRequest: (c, id) => service.openRequest(c, id),
    closeRequest: (c, id) => (service.closeRequest(c, id), null),
    getRequest: (c, id) => service.request(c, id),
    jobStatuses: (c, id) => service.jobStatuses(c, id),
    jobLogs: (c, id, o, l) => service.jobLogs(c, id, o, l),
    jobLogsOfJob: (c, id, job) => service.jobLogsOfJob(c, id, job),
    jobLogSummaries: (c, id, o, l) => service.jobLogSummaries(c, id, o, l),
    jobLogText: (c, id, job, t, s, o, l) => service.jobLogText(c, id, job, t, s, o, l),
    followJob: (c, id, job, on) => service.followJob(c, id, job, on),
    searchLogs: (t, o, l) => service.searchLogs(t, o, l),
    requestList: (c) => service.requestList(c),
    createRequest: (c, type, args) => service.createRequest(c, type, args),
    stopRequest: (c, id) => service.stopRequest(c, id),
    watch: async (c, id, w) => (await service.setWatched(c, id, w), null),
    exportRequests: (refs) => service.exportRequests(refs),
    importRequests: (text) => service.importRequests(text),
    settings: () => service.settings(),
    updateSettings: (patch) => service.updateSettings(patch),
    trayModel: () => service.trayModel(),
  };
}

function versionOnly(info: VersionInfo): Impl {
  const missing = () => {
    throw new Error('the console core is not running');
  };
  const impl = Object.fromEntries(
    Object.keys(ARGS).map((m) => [m, m === 'version' ? () => info : missing]),
  ) as unknown as Impl;
  return impl;
}

export function createHandlers(deps: HandlerDeps): ContractHandlers {
  const info: VersionInfo = Object.freeze({
    app: deps.appVersion,
    protocol: deps.protocol ?? PROTOCOL_REVISION,
    runtime: deps.runtime,
  });
  const impl = deps.service ? serviceImpl(deps.service, info) : versionOnly(info);

  const handle = async <M extends MethodName>(method: M, raw: readonly unknown[]): Promise<Result<MethodValue<M>>> => {
    const parsed = parseArgs(method, raw);
    if (!parsed.ok) return parsed;
    try {
      const fn = impl[method] as (...a: unknown[]) => MethodValue<M> | Promise<MethodValue<M>>;
      return ok(await fn(...parsed.value));
    } catch (cause) {
      if (cause instanceof ConsoleError) return err(cause.code, cause.message);
      const e = cause as { name?: string; message?: string };
      if (e.name === 'ImportError') return err('bad-request', e.message ?? 'not an export file');
      return err('internal', `${method}() failed: ${e.message ?? String(cause)}`);
    }
  };

  return Object.fromEntries(
    (Object.keys(ARGS) as MethodName[]).map((m) => [m, (raw: readonly unknown[]) => handle(m, raw)]),
  ) as ContractHandlers;
}
