// The one implementation of the contract (src-main/shared/ipc.ts). Every handler takes the raw,
// untrusted arguments object, checks it with its method's schema, calls the console service and
// checks what it answers with the method's result schema, resolving to a Result; transports
// (desktop/, web/) only route calls here via dispatch.ts.

import type { z } from 'zod';
import {
  METHODS,
  type CheckedArgs,
  type MethodName,
  type MethodReturn,
  type MethodValue,
  type VersionInfo,
} from '../shared/ipc';
import { clip } from '../shared/clip';
import { err, ok, type Result } from '../shared/result';
import { PROTOCOL_REVISION } from './runtime-info';
import { ConsoleError, type ConsoleService } from './service';

/** A handler per contract method, each receiving the caller's arguments object unchecked. */
export type ContractHandlers = {
  readonly [M in MethodName]: (args: unknown) => Promise<Result<MethodValue<M>>>;
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

/** Longest list of unknown field names echoed back in an error message. */
const MAX_ECHO = 120;

/** Where an issue is: `field`, `field.sub`, `list[2]`. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Whether `value` holds something at `path` (zod's issues do not carry the input). */
function has(value: unknown, path: readonly PropertyKey[]): boolean {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return false;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at !== undefined;
}

/**
 * One readable line naming the method and each bad field of `given`, e.g.
 * `jobLogText(): length: Too big: …` or `openRequest(): id is missing`.
 */
function describeIssues(method: MethodName, issues: readonly z.core.$ZodIssue[], given: unknown): string {
  const parts = issues.map((issue) => {
    const field = fieldOf(issue.path);
    if (field && issue.code !== 'unrecognized_keys' && !has(given, issue.path)) return `${field} is missing`;
    if (issue.code === 'unrecognized_keys') {
      const plural = issue.keys.length === 1 ? '' : 's';
      const where = field ? ` in ${field}` : '';
      return `unknown field${plural}${where}: ${clip(issue.keys.join(', '), MAX_ECHO)}`;
    }
    return field ? `${field}: ${issue.message}` : issue.message;
  });
  return `${method}(): ${parts.join('; ')}`;
}

type Impl = {
  [M in MethodName]: (args: CheckedArgs<M>) => MethodReturn<M> | Promise<MethodReturn<M>>;
};

function serviceImpl(service: ConsoleService, info: VersionInfo): Impl {
  return {
    version: () => info,
    contexts: () => service.contexts(),
    contextStatuses: () => service.contextStatuses(),
    putContext: (a) => service.putContext(a.context, a.previousName ?? undefined, a.headerValues ?? null),
    removeContext: async (a) => (await service.removeContext(a.name), null),
    probeContext: (a) => service.probeContext(a.url, a.auth ?? null, a.headerValues ?? null, a.name ?? null),
    listRequests: (a) => service.listRequests(a.filter, a.offset, a.limit),
    openRequest: (a) => service.openRequest(a.context, a.id),
    closeRequest: (a) => (service.closeRequest(a.context, a.id), null),
    getRequest: (a) => service.request(a.context, a.id),
    jobStatuses: (a) => service.jobStatuses(a.context, a.id),
    jobLogs: (a) => service.jobLogs(a.context, a.id, a.offset, a.limit),
    jobLogsOfJob: (a) => service.jobLogsOfJob(a.context, a.id, a.jobId),
    jobLogSummaries: (a) => service.jobLogSummaries(a.context, a.id, a.offset, a.limit),
    jobLogText: (a) => service.jobLogText(a.context, a.id, a.jobId, a.try, a.stream, a.offset, a.length),
    followJob: (a) => service.followJob(a.context, a.id, a.jobId, a.following),
    searchLogs: (a) => service.searchLogs(a.text, a.offset, a.limit),
    requestList: (a) => service.requestList(a.context),
    createRequest: (a) => service.createRequest(a.context, a.type, a.args),
    stopRequest: (a) => service.stopRequest(a.context, a.id),
    watch: async (a) => (await service.setWatched(a.context, a.id, a.watched), null),
    exportRequests: (a) => service.exportRequests(a.refs),
    importRequests: (a) => service.importRequests(a.text),
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
    Object.keys(METHODS).map((m) => [m, m === 'version' ? () => info : missing]),
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

  const handle = async <M extends MethodName>(method: M, raw: unknown): Promise<Result<MethodValue<M>>> => {
    const { args: argsSchema, result: resultSchema } = METHODS[method];
    const args = argsSchema.safeParse(raw);
    if (!args.success) return err('bad-request', describeIssues(method, args.error.issues, raw));
    let value: unknown;
    try {
      const fn = impl[method] as (a: unknown) => unknown;
      value = await fn(args.data);
    } catch (cause) {
      if (cause instanceof ConsoleError) return err(cause.code, cause.message);
      const e = cause as { name?: string; message?: string };
      if (e.name === 'ImportError') return err('bad-request', e.message ?? 'not an export file');
      return err('internal', `${method}() failed: ${e.message ?? String(cause)}`);
    }
    const result = (resultSchema as z.ZodType).safeParse(value);
    if (!result.success) {
      return err('internal', `${describeIssues(method, result.error.issues, value)} (in what console main answered)`);
    }
    return ok(result.data as MethodValue<M>);
  };

  return Object.fromEntries(
    (Object.keys(METHODS) as MethodName[]).map((m) => [m, (raw: unknown) => handle(m, raw)]),
  ) as ContractHandlers;
}
