// The typed contract between the renderer (untrusted UI) and console main: one definition per
// method — the zod schema of its arguments (one object of named fields) and of its result — and
// one map of events main pushes. Everything else is derived from these: the method names, the
// TypeScript types (z.input for what a caller passes, z.output for what the implementation
// gets), the checks console main makes on every call (console/handlers.ts), and the typed client
// both transports (Electron IPC, the web bridge's WebSocket) give the renderer.
// Runtime-neutral: imports only from shared/ and zod. Only console main loads it at run time: the
// renderer and the preload import its types alone, and carry calls by name (bridge.ts), so zod
// and the schemas stay out of their bundles.

import { z } from 'zod';
import type {
  Context,
  ContextProbe,
  ContextStatus,
  JobLogRecord,
  JobLogSummary,
  JobLogText,
  JobStatusRecord,
  LiveOutputState,
  LogSearchHit,
  Page,
  RequestDetail,
  RequestNotification,
  RequestPage,
  RequestRecord,
  RequestsChanged,
  RequestType,
  RequestUpdated,
  TrayModel,
} from './console-model';
import {
  consoleSettings,
  context,
  contextAuth,
  importResult,
  jsonObject,
  name,
  requestFilter,
  requestId,
  requestRef,
  rmUrl,
  settingsPatch,
} from './model-schemas';
import type { Result } from './result';

/** What `version()` reports: which console, which wire protocol, which runtime hosts main. */
const versionInfo = z.strictObject({
  /** Console application version (package.json). */
  app: z.string(),
  /** Revision of the original Spin Cycle protocol we are wire-compatible with. */
  protocol: z.string(),
  /** Where console main runs, e.g. "node 20.20.2" or "electron 45.5.0 / chrome 140.0". */
  runtime: z.string(),
});
export type VersionInfo = z.infer<typeof versionInfo>;

/** Lifecycle of the embedded engine (the child process console main may start). */
export type EmbeddedEngineState = 'not-started' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** Pushed when console main's state changes and as a periodic heartbeat. */
export interface StatusEvent {
  readonly embeddedEngine: EmbeddedEngineState;
  /**
   * Why the embedded engine is `failed` (what happened, with its last log line, and whether it
   * is being restarted or the console stopped trying); null in every other state.
   */
  readonly engineDetail: string | null;
  /** ISO-8601 time at which main produced this status. */
  readonly time: string;
}

/**
 * Main asks the window to show one request: a click on the tray menu or on a notification, or a
 * `spincycle://<context>/requests/<id>` link. The renderer opens that request's view.
 */
export interface NavigateEvent {
  readonly context: string;
  readonly requestId: string;
}

/** Longest slice of log text one jobLogText() call returns (characters). */
export const MAX_LOG_SLICE = 8 * 1024 * 1024;

/** A method without arguments. */
const none = z.strictObject({});
/**
 * A result console main makes from values it already checked (the cache's, a client's parsed
 * answers), or too big to check on every call: its type only, not checked again.
 */
const trusted = <T>() => z.custom<T>();
const offset = z.number().int().min(0);
const limit = z.number().int().min(1).max(10_000);
/** A request of a context. */
const ofRequest = { context: name, id: requestId };
/** A page of something of a request. */
const pageOfRequest = z.strictObject({ ...ofRequest, offset, limit });
const jobId = z.string().min(1).max(500);
/** The values of a context's auth headers (secrets: kept outside the cache, never sent back). */
const headerValues = z.record(z.string().min(1).max(100), z.string().max(16_384));

/** One contract method: the schema of its arguments object and of its result. */
interface MethodDefinition {
  readonly args: z.ZodObject;
  readonly result: z.ZodType;
}

/** Every method the renderer may call. */
export const METHODS = {
  version: { args: none, result: versionInfo },

  // contexts (Request Managers)
  // Not checked as a saved context is: an imported one is named after its source.
  contexts: { args: none, result: trusted<Context[]>() },
  contextStatuses: { args: none, result: trusted<ContextStatus[]>() },
  /**
   * Adds or edits a context; `previousName` renames one. `headerValues` are its auth headers'
   * values; absent or null keeps the stored ones.
   */
  putContext: {
    args: z.strictObject({ context, previousName: name.nullish(), headerValues: headerValues.nullish() }),
    result: context,
  },
  removeContext: { args: z.strictObject({ name }), result: z.null() },
  /**
   * Asks a Request Manager URL what it speaks and for its request types, once: does it answer,
   * and if not, why. With `auth`, as the context would ask (header values given, else those kept
   * for the context `name`).
   */
  probeContext: {
    args: z.strictObject({
      url: rmUrl,
      auth: contextAuth.nullish(),
      headerValues: headerValues.nullish(),
      name: name.nullish(),
    }),
    result: trusted<ContextProbe>(),
  },

  // reading (from the cache: works offline; the list from a server that lists its requests)
  listRequests: {
    args: z.strictObject({ filter: requestFilter, offset, limit }),
    result: trusted<RequestPage>(),
  },
  /** Opens a request: synced every second while open, fetched now if the RM answers. */
  openRequest: { args: z.strictObject(ofRequest), result: trusted<RequestDetail>() },
  closeRequest: { args: z.strictObject(ofRequest), result: z.null() },
  getRequest: { args: z.strictObject(ofRequest), result: trusted<RequestDetail>() },
  /** Job statuses sorted by runtime, longest first (JobStatusByRuntime). */
  jobStatuses: { args: z.strictObject(ofRequest), result: trusted<JobStatusRecord[]>() },
  /** A page of job logs (every try), ordered by job id then try. */
  jobLogs: { args: pageOfRequest, result: trusted<Page<JobLogRecord>>() },
  /** A page of job log summaries (every try, no texts), ordered by job id then try. */
  jobLogSummaries: { args: pageOfRequest, result: trusted<Page<JobLogSummary>>() },
  /**
   * A slice of one stream of one try: characters [offset, offset + length). A try whose log is
   * not cached yet reads as far as it was followed (`live`: the total grows).
   */
  jobLogText: {
    args: z.strictObject({
      ...ofRequest,
      jobId,
      try: z.number().int().min(0),
      stream: z.enum(['stdout', 'stderr']),
      offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      length: z.number().int().min(1).max(MAX_LOG_SLICE),
    }),
    result: trusted<JobLogText>(),
  },
  /** Every try of one job. */
  jobLogsOfJob: { args: z.strictObject({ ...ofRequest, jobId }), result: trusted<JobLogRecord[]>() },
  /**
   * Follows (or stops following: `following` false) a running job's output: while followed,
   * `liveOutput` events say how far it has come (jobLogText reads it). Returns where it stands
   * (what was followed before, offline); null when let go.
   */
  followJob: {
    args: z.strictObject({ ...ofRequest, jobId, following: z.boolean() }),
    result: trusted<LiveOutputState | null>(),
  },
  /** Full-text search over every cached log, newest first. */
  searchLogs: {
    args: z.strictObject({ text: z.string().max(500), offset, limit }),
    result: trusted<LogSearchHit[]>(),
  },
  /** The context's request types and their args (the last answer is kept for offline use). */
  requestList: { args: z.strictObject({ context: name }), result: trusted<RequestType[]>() },

  // acting (through the context's Request Manager)
  createRequest: {
    args: z.strictObject({
      context: name,
      type: z.string().min(1, 'a request type is required'),
      args: jsonObject,
    }),
    result: trusted<RequestRecord>(),
  },
  stopRequest: { args: z.strictObject(ofRequest), result: trusted<RequestRecord | null>() },
  watch: { args: z.strictObject({ ...ofRequest, watched: z.boolean() }), result: z.null() },

  // export / import
  /** The text of one export file holding the given requests. */
  exportRequests: { args: z.strictObject({ refs: z.array(requestRef).min(1) }), result: z.string() },
  /** Imports an export file's text into contexts named after their source; the requests are read-only. */
  importRequests: {
    args: z.strictObject({ text: z.string().min(1, 'the file is empty') }),
    result: importResult,
  },

  // settings and tray
  settings: { args: none, result: consoleSettings },
  /** Changes the settings given (the arguments are the change). */
  updateSettings: { args: settingsPatch, result: consoleSettings },
  trayModel: { args: none, result: trusted<TrayModel>() },
} as const satisfies Record<string, MethodDefinition>;

/** An event that says how something is: the latest one is replayed to a late subscriber. */
const state = <T>() => ({ payload: trusted<T>(), replayed: true });
/** An event that says what just happened: never replayed. */
const moment = <T>() => ({ payload: trusted<T>(), replayed: false });

/** Every event main pushes, and its payload. */
export const EVENTS = {
  status: state<StatusEvent>(),
  /** A context went offline or came back. */
  contextStatus: state<ContextStatus>(),
  /** Requests of a context were added or changed (state, progress). */
  requestsChanged: moment<RequestsChanged>(),
  /** Parts of a request the operator has open were refreshed in the cache. */
  requestUpdated: moment<RequestUpdated>(),
  /** A followed job's try moved on: more output, a new status, its end. */
  liveOutput: moment<LiveOutputState>(),
  /** A watched request changed state: exactly one per change. */
  notification: moment<RequestNotification>(),
  tray: state<TrayModel>(),
  /** Show this request (desktop shell only: tray, notification click, deep link). */
  navigate: moment<NavigateEvent>(),
};

export type MethodName = keyof typeof METHODS;
export type EventName = keyof typeof EVENTS;
/** What a caller passes to method M (absent optional fields, before defaults). */
export type MethodArgs<M extends MethodName> = z.input<(typeof METHODS)[M]['args']>;
/** What the implementation of method M receives: its arguments, checked. */
export type CheckedArgs<M extends MethodName> = z.output<(typeof METHODS)[M]['args']>;
/** What the implementation of method M returns (checked, where its result schema checks, before it is sent). */
export type MethodReturn<M extends MethodName> = z.input<(typeof METHODS)[M]['result']>;
/** What a caller of method M gets when it succeeds. */
export type MethodValue<M extends MethodName> = z.output<(typeof METHODS)[M]['result']>;
/** Events: name -> payload. */
export type ContractEvents = { [E in EventName]: z.output<(typeof EVENTS)[E]['payload']> };

/** Events that describe a moment rather than a state: never replayed to a late subscriber. */
export const TRANSIENT_EVENTS: ReadonlySet<EventName> = new Set(
  (Object.keys(EVENTS) as EventName[]).filter((e) => !EVENTS[e].replayed),
);

/** Every method name, at runtime (the preload and the transports enumerate it). */
export const CONTRACT_METHODS: readonly MethodName[] = Object.freeze(Object.keys(METHODS) as MethodName[]);
/** Every event name, at runtime. */
export const CONTRACT_EVENTS: readonly EventName[] = Object.freeze(Object.keys(EVENTS) as EventName[]);

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(METHODS, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(EVENTS, name);
}

/** Listener for one event; the returned function unsubscribes. */
export type Unsubscribe = () => void;
export type EventListener<E extends EventName> = (payload: ContractEvents[E]) => void;

/** The arguments of a call of method M: none where every field is optional, else its object. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- "may the object be empty"
export type CallArgs<M extends MethodName> = {} extends MethodArgs<M> ? [args?: MethodArgs<M>] : [args: MethodArgs<M>];

/**
 * The API the renderer sees: `call` makes any method's call, by its name, with its arguments
 * object; `on` subscribes to an event. Both transports give exactly this (bridge.ts): the
 * Electron preload as `window.spincycle`, the web transport over a WebSocket. Console main checks
 * every call's method and arguments against METHODS.
 */
export interface ConsoleApi {
  call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<Result<MethodValue<M>>>;
  on<E extends EventName>(event: E, listener: EventListener<E>): Unsubscribe;
}
